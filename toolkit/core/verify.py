"""The whole verifier for one message: SPF (MAIL FROM + HELO), DKIM (every signature), DMARC, and our A-R field.

DMARC consumes the SPF and DKIM results computed here; nothing is run twice. Existing Authentication-Results
fields are never used as input; those carrying our authserv-id are reported as untrusted (AR-7).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from toolkit.core import arheader
from toolkit.core.dkim import DkimBudget
from toolkit.core.message import Message, parse_message
from toolkit.core.methods import ALL_CHECKS, METHODS, Outcome, Run, ar_entries, identity_result, one_result

if TYPE_CHECKING:  # each method's code is imported when it first runs (toolkit.core.methods)
    from toolkit.core.arc import ArcResult
    from toolkit.core.dkim import DkimResult
    from toolkit.core.dmarc import DmarcResult
    from toolkit.core.dns import Resolver
    from toolkit.core.spf import SpfResult

__all__ = ["ALL_CHECKS", "DEFAULT_AUTHSERV_ID", "ReceivedContext", "Report", "SmtpContext", "VerifyOptions",
           "context_from_received", "verify_message"]  # fmt: skip
DEFAULT_AUTHSERV_ID = "emlauth.localhost"  # AR-2: set your host name; pipelines require it


@dataclass(frozen=True, slots=True)
class SmtpContext:
    """What the SMTP session said. mail_from "" is the null sender; None means unknown."""

    ip: str | None = None
    helo: str | None = None
    mail_from: str | None = None
    ip_problem: str = ""  # why the IP is unknown although SPF was asked for: SPF is then none, with this reason

    def to_json(self) -> dict:
        out = {"ip": self.ip, "helo": self.helo, "mail_from": self.mail_from}
        if self.ip_problem:
            out["ip_problem"] = self.ip_problem
        return out


@dataclass(frozen=True, slots=True)
class VerifyOptions:
    authserv_id: str = DEFAULT_AUTHSERV_ID
    checks: tuple[str, ...] = ALL_CHECKS
    dmarc_mode: str = "rfc9989"
    arc_trusted: tuple[str, ...] = ()  # ARC sealers (domains) whose aligned pass overrides a DMARC fail (ARC-5)
    max_signatures: int = 10
    strip_forged: bool = False
    count_testing: bool = False  # DKIM-18 [ours]: a testing-mode DKIM pass does not count for DMARC
    dmarc_sample: float | None = None  # 7489 pct sampling value (tests pin it)
    multiple_authors: bool = False  # DMARC-1 [ours] option
    clock: Callable[[], float] | None = (
        None  # SPF-14 and DKIM time budgets; shells pass time.monotonic (core reads none)
    )
    dkim_budget: DkimBudget = field(default_factory=DkimBudget)  # [ours] work and time one message may cost DKIM
    # DMARC-18: rfc7489's Organizational Domain from the Public Suffix List (data the shells load and pass in)
    psl_org_domain: Callable[[str], str] | None = None


@dataclass(frozen=True, slots=True)
class Report:
    message: Message
    context: SmtpContext
    outcomes: tuple[Outcome, ...]  # one per method, in METHODS order (toolkit.core.methods); empty when not run
    authentication_results: str  # the whole field text, folded with CRLF+TAB
    ar_field: bytes  # the field as CRLF-terminated bytes, ready to prepend
    forged_ar: tuple[arheader.ExistingAR, ...]
    existing_ar: tuple[arheader.ExistingAR, ...]
    options: VerifyOptions = field(default_factory=VerifyOptions)
    notes: tuple[str, ...] = ()

    def results(self, method: str) -> tuple:
        return next((o.results for o in self.outcomes if o.name == method), ())

    # The results by name, for readers that want one protocol (the methods themselves are data, not fields).
    @property
    def spf(self) -> SpfResult | None:
        """The MAIL FROM identity."""
        return identity_result(self.results("spf"), "mailfrom")

    @property
    def spf_helo(self) -> SpfResult | None:
        return identity_result(self.results("spf"), "helo")

    @property
    def dkim(self) -> tuple[DkimResult, ...]:
        """One per signature; empty when DKIM was not run."""
        return self.results("dkim")

    @property
    def dmarc(self) -> DmarcResult | None:
        return one_result(self.results("dmarc"))

    @property
    def arc(self) -> ArcResult | None:
        """The ARC chain (RFC 8617 §5.2); None when ARC was not run."""
        return one_result(self.results("arc"))

    def ar_entries(self, skip: tuple[str, ...] = ()) -> list[arheader.Entry]:
        """Our A-R entries in field order (skip: methods left out), as the field was built from them."""
        return ar_entries(self.outcomes, self.context.ip, skip)

    def output_message(self) -> bytes:
        """The message with our A-R prepended (AR-6); forged A-R removed when strip_forged is set (AR-7)."""
        body = self.message.raw
        if self.options.strip_forged and self.forged_ar:
            body = arheader.without_fields(self.message, [f.index for f in self.forged_ar])
        return self.ar_field + body

    def to_json(self) -> dict:
        out: dict = {}
        for outcome in self.outcomes:
            out.update(outcome.to_json())
        return out | {
            "authentication_results": self.authentication_results,
            "forged_authentication_results": [f.to_json() for f in self.forged_ar],
            "existing_authentication_results": [f.to_json() for f in self.existing_ar],
            "context": self.context.to_json(),
            "checks": list(self.options.checks),
            "message": {
                "size": len(self.message.raw),
                "header_fields": len(self.message.headers),
                "line_endings": self.message.line_endings.describe(),
                "line_endings_normalised": self.message.line_endings.normalised,
                "defects": list(self.message.defects),
            },
            "notes": list(self.notes),
        }


def verify_message(
    raw: bytes | Message,
    context: SmtpContext,
    resolver: Resolver,
    now: int,
    options: VerifyOptions | None = None,
) -> Report:
    """Verify one message. Never raises for message or DNS problems; bad options raise ValueError."""
    options = options or VerifyOptions()
    unknown = set(options.checks) - set(ALL_CHECKS)
    if unknown:
        raise ValueError(f"unknown checks: {', '.join(sorted(unknown))}")
    message = raw if isinstance(raw, Message) else parse_message(raw)
    run = Run(message, context, resolver, now, options)
    outcomes = []
    for method in METHODS:  # in order: DMARC reads SPF, DKIM and ARC from `run`
        if method.name in options.checks:
            run.found[method.name] = method.run(run)
        outcomes.append(Outcome(method, run.results(method.name)))
    text = arheader.fold_field(options.authserv_id, ar_entries(tuple(outcomes), context.ip))
    existing = arheader.existing_fields(message, options.authserv_id)
    return Report(
        message=message,
        context=context,
        outcomes=tuple(outcomes),
        authentication_results=text,
        ar_field=arheader.field_bytes(text),
        forged_ar=tuple(f for f in existing if f.ours),
        existing_ar=existing,
        options=options,
        notes=tuple(run.notes),
    )


# --- SMTP context from a trusted Received field ([ours], SPF-2; the parser is received.py) -------------------


@dataclass(frozen=True, slots=True)
class ReceivedContext:
    context: SmtpContext
    sources: dict[str, str]  # what came from where, e.g. {"ip": "Received #1 [192.0.2.1]"}
    problem: str = ""  # why the client IP could not be taken, if so
    reason: str = ""  # the same as a stable code (received.TraceFacts.reason)

    def to_json(self) -> dict:
        out = {"context": self.context.to_json(), "sources": dict(self.sources), "problem": self.problem}
        if self.reason:
            out["reason"] = self.reason
        return out


def context_from_received(message: Message, index: int) -> ReceivedContext:
    """SMTP facts from the index-th Received field (1 = topmost), which the caller trusts (received.trace_facts).

    When no IP can be taken safely the context says why (`ip_problem`), and SPF reports none with that reason.
    """
    from toolkit.core.received import trace_facts  # only --trust-received reads trace fields

    facts = trace_facts(message, index)
    context = SmtpContext(facts.ip, facts.helo, facts.mail_from, ip_problem="" if facts.ip else facts.problem)
    return ReceivedContext(context, dict(facts.sources), facts.problem, facts.reason)

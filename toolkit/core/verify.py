"""The whole verifier for one message: SPF (MAIL FROM + HELO), DKIM (every signature), DMARC, and our A-R field.

DMARC consumes the SPF and DKIM results computed here; nothing is run twice. Existing Authentication-Results
fields are never used as input; those carrying our authserv-id are reported as untrusted (AR-7).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from toolkit.core import arheader
from toolkit.core.arc import ArcResult
from toolkit.core.arc import verify as arc_verify
from toolkit.core.arc.override import trusted_override
from toolkit.core.dkim import DkimBudget, DkimResult
from toolkit.core.dkim import verify as dkim_verify
from toolkit.core.dmarc import DmarcResult, evaluate
from toolkit.core.dns import Resolver
from toolkit.core.message import Message, parse_message
from toolkit.core.received import trace_facts
from toolkit.core.results import Step, Verdict
from toolkit.core.spf import SpfReason, SpfResult, check_host, check_identities

ALL_CHECKS = ("spf", "dkim", "arc", "dmarc")  # the order they run in, and of their A-R entries
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
    spf: SpfResult | None  # the MAIL FROM identity
    spf_helo: SpfResult | None
    dkim: tuple[DkimResult, ...]  # one per signature; empty when DKIM was not run
    dmarc: DmarcResult | None
    authentication_results: str  # the whole field text, folded with CRLF+TAB
    ar_field: bytes  # the field as CRLF-terminated bytes, ready to prepend
    forged_ar: tuple[arheader.ExistingAR, ...]
    existing_ar: tuple[arheader.ExistingAR, ...]
    options: VerifyOptions = field(default_factory=VerifyOptions)
    notes: tuple[str, ...] = ()
    arc: ArcResult | None = None  # the ARC chain (RFC 8617 §5.2); None when ARC was not run

    def output_message(self) -> bytes:
        """The message with our A-R prepended (AR-6); forged A-R removed when strip_forged is set (AR-7)."""
        body = self.message.raw
        if self.options.strip_forged and self.forged_ar:
            body = arheader.without_fields(self.message, [f.index for f in self.forged_ar])
        return self.ar_field + body

    def to_json(self) -> dict:
        return {
            "spf": self.spf.to_json() if self.spf is not None else None,
            "spf_helo": self.spf_helo.to_json() if self.spf_helo is not None else None,
            "dkim": [d.to_json() for d in self.dkim],
            "dmarc": self.dmarc.to_json() if self.dmarc is not None else None,
            "arc": self.arc.to_json() if self.arc is not None else None,
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
    notes: list[str] = []
    spf = spf_helo = None
    if "spf" in options.checks:
        spf, spf_helo = _run_spf(context, resolver, now, notes, options.clock)
    dkim: tuple[DkimResult, ...] = ()
    if "dkim" in options.checks:
        dkim = dkim_verify(
            message,
            resolver,
            now,
            max_signatures=options.max_signatures,
            budget=options.dkim_budget,
            clock=options.clock,
        )
    dmarc = None
    if "dmarc" in options.checks:
        ran = [name for name, result in (("spf", spf), ("dkim", dkim)) if result]
        if len(ran) < 2:
            notes.append("DMARC used only the checks that ran: " + (", ".join(ran) or "none"))
        dmarc = evaluate(
            message,
            dkim,
            spf,
            resolver,
            mode=options.dmarc_mode,
            count_testing=options.count_testing,
            sample=options.dmarc_sample,
            multiple_authors=options.multiple_authors,
            psl_org_domain=options.psl_org_domain,
        )
    arc = arc_verify(message, resolver, now, options.clock) if "arc" in options.checks else None
    if dmarc is not None and arc is not None and options.arc_trusted:
        dmarc = _arc_override(dmarc, arc, options.arc_trusted)
    # ARC-5: arc= goes in our A-R when the message carries a chain; an unsealed message's field stays as it was
    shown_arc = arc if arc is not None and arc.verdict is not Verdict.NONE else None
    text = arheader.build_field(
        options.authserv_id, spf=spf, spf_helo=spf_helo, dkim=dkim, dmarc=dmarc, arc=shown_arc, remote_ip=context.ip
    )
    existing = arheader.existing_fields(message, options.authserv_id)
    forged = tuple(f for f in existing if f.ours)
    return Report(
        message=message,
        context=context,
        spf=spf,
        spf_helo=spf_helo,
        dkim=dkim,
        dmarc=dmarc,
        authentication_results=text,
        ar_field=arheader.field_bytes(text),
        forged_ar=forged,
        existing_ar=existing,
        options=options,
        notes=tuple(notes),
        arc=arc,
    )


def _arc_override(dmarc: DmarcResult, arc: ArcResult, trusted: tuple[str, ...]) -> DmarcResult:
    """ARC-5 (RFC 8617 §7.2): a trusted sealer's aligned pass turns a failed DMARC's disposition into none."""
    org = dmarc.org_domain or dmarc.from_domain

    def aligned(domain: str) -> bool:  # relaxed alignment with the Organizational Domain DMARC found (DMARC-6)
        return domain == org or domain.endswith("." + org)

    found = trusted_override(arc, dmarc.verdict is Verdict.FAIL, dmarc.from_domain, trusted, aligned)
    return dmarc if found is None else replace(dmarc, disposition="none", override=found)


def _run_spf(
    context: SmtpContext, resolver: Resolver, now: int, notes: list[str], clock: Callable[[], float] | None
) -> tuple[SpfResult | None, SpfResult | None]:
    """SPF-1/SPF-2: needs the client IP and a MAIL FROM or HELO; otherwise SPF is skipped (and said so)."""
    if not context.ip and context.ip_problem:
        # the trusted Received field could not be read safely: say none, with why, rather than guess (a pass)
        notes.append(f"SPF none: no client IP ({context.ip_problem})")
        return _spf_unknown_client(context), None
    if not context.ip:
        notes.append("SPF skipped: no client IP (use --ip or --trust-received)")
        return None, None
    if context.mail_from is None:
        if not context.helo:
            notes.append("SPF skipped: neither MAIL FROM nor HELO is known")
            return None, None
        notes.append("MAIL FROM unknown: only the HELO identity was checked")
        helo = check_host(context.ip, context.helo, f"postmaster@{context.helo}", context.helo, resolver,
                          identity="helo", now=now, clock=clock)  # fmt: skip
        return None, helo
    return check_identities(context.ip, context.mail_from, context.helo or "", resolver, now=now, clock=clock)


def _spf_unknown_client(context: SmtpContext) -> SpfResult:
    sender = context.mail_from or ""
    domain = sender.rpartition("@")[2] if sender else (context.helo or "")
    return SpfResult(
        Verdict.NONE, "mailfrom", domain, sender, "", null_sender=context.mail_from == "",
        reason=SpfReason.CLIENT_UNKNOWN, detail=context.ip_problem,
        steps=(Step("SPF-2", "client IP from the trusted Received field", False, context.ip_problem),),
    )  # fmt: skip


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
    facts = trace_facts(message, index)
    context = SmtpContext(facts.ip, facts.helo, facts.mail_from, ip_problem="" if facts.ip else facts.problem)
    return ReceivedContext(context, dict(facts.sources), facts.problem, facts.reason)

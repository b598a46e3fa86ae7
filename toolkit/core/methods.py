"""The authentication methods verify_message runs, in order: spf, dkim, arc, dmarc (issue 12 §1).

One table instead of lists written out per method: `--checks` (ALL_CHECKS), the Report's fields and JSON, our A-R
entries, the exit code (toolkit/shells/exits.py) and the walkthrough's section order are all derived from METHODS.
Each result a method produces exposes the same face: `verdict`, `reason`, `comment`, `to_json()`; the method adds
its A-R entry and how it weighs in the exit code. A new method (DKIM2, say) is one more row here and one runner.

Each runner imports its protocol when it first runs: `verify-eml --checks dkim` loads no SPF, DMARC or ARC code
(about a third of the verifier's import time, issue 14: a 5,000-message batch spent more on start-up than on
reading its files).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from toolkit.core import arheader
from toolkit.core.results import COUNTS, DECIDES, SHOWN, Step, Verdict

if TYPE_CHECKING:
    from toolkit.core.arc import ArcResult
    from toolkit.core.dmarc import DmarcResult
    from toolkit.core.dns import Resolver
    from toolkit.core.message import Message
    from toolkit.core.spf import SpfResult
    from toolkit.core.verify import SmtpContext, VerifyOptions


@dataclass(slots=True)
class Run:
    """One verify_message call: its inputs, and what the methods found so far (later ones read earlier ones)."""

    message: Message
    context: SmtpContext
    resolver: Resolver
    now: int
    options: VerifyOptions
    found: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def results(self, name: str) -> tuple[Any, ...]:
        return self.found.get(name, ())


@dataclass(frozen=True, slots=True)
class Method:
    name: str
    run: Callable[[Run], tuple[Any, ...]]  # the results, in A-R order
    json: Callable[[tuple[Any, ...]], dict]  # the Report JSON keys this method fills, from its results
    entry: Callable[[Any, str | None], arheader.Entry]  # one result's A-R resinfo (remote IP for ARC)
    exit_role: str = COUNTS
    in_field: Callable[[Any], bool] = lambda result: True  # whether a result gets an entry in our A-R field
    counted: Callable[[Any], bool] = lambda result: True  # whether a result's verdict weighs in the exit code


def identity_result(results: tuple[Any, ...], identity: str) -> Any:
    return next((r for r in results if r.identity == identity), None)


def one_result(results: tuple[Any, ...]) -> Any:
    return results[0] if results else None


def _json_or_none(result: Any) -> dict | None:
    return result.to_json() if result is not None else None


METHODS: tuple[Method, ...] = (
    # SPF: the MAIL FROM result, then the HELO one (SPF-1); only MAIL FROM weighs in the exit code
    Method(
        "spf",
        lambda run: _run_spf(run),
        json=lambda rs: {
            "spf": _json_or_none(identity_result(rs, "mailfrom")),
            "spf_helo": _json_or_none(identity_result(rs, "helo")),
        },
        entry=lambda r, ip: arheader.spf_entry(r),
        counted=lambda r: r.identity == "mailfrom",
    ),
    # DKIM: one result per signature (AR-8)
    Method(
        "dkim",
        lambda run: _run_dkim(run),
        json=lambda rs: {"dkim": [r.to_json() for r in rs]},
        entry=lambda r, ip: arheader.dkim_entry(r),
    ),
    # ARC-5: arc= goes in our A-R when the message carries a chain; an unsealed message's field stays as it was
    Method(
        "arc",
        lambda run: _run_arc(run),
        json=lambda rs: {"arc": _json_or_none(one_result(rs))},
        entry=lambda r, ip: r.ar_entry(ip),
        exit_role=SHOWN,
        in_field=lambda r: r.verdict is not Verdict.NONE,
    ),
    Method(
        "dmarc",
        lambda run: _run_dmarc(run),
        json=lambda rs: {"dmarc": _json_or_none(one_result(rs))},
        entry=lambda r, ip: arheader.dmarc_entry(r),
        exit_role=DECIDES,
    ),
)
ALL_CHECKS = tuple(m.name for m in METHODS)  # the order they run in, and of their A-R entries


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one method found in one message: its results in A-R order (empty when it did not run)."""

    method: Method
    results: tuple[Any, ...] = ()

    @property
    def name(self) -> str:
        return self.method.name

    def ar_entries(self, remote_ip: str | None = None) -> list[arheader.Entry]:
        return [self.method.entry(r, remote_ip) for r in self.results if self.method.in_field(r)]

    def to_json(self) -> dict:
        return self.method.json(self.results)

    @property
    def exit_verdicts(self) -> tuple[Verdict, ...]:
        return tuple(r.verdict for r in self.results if self.method.counted(r))


def ar_entries(outcomes: tuple[Outcome, ...], remote_ip: str | None = None, skip: tuple[str, ...] = ()) -> list:
    """Our A-R entries in field order, from every method that ran (skip: methods left out, e.g. arc for an AAR)."""
    return [e for o in outcomes if o.name not in skip for e in o.ar_entries(remote_ip)]


# --- the runners ------------------------------------------------------------------------------------------------


def _run_spf(run: Run) -> tuple[SpfResult, ...]:
    """SPF-1/SPF-2: needs the client IP and a MAIL FROM or HELO; otherwise SPF is skipped (and said so)."""
    from toolkit.core.spf import check_host, check_identities

    context, notes, clock = run.context, run.notes, run.options.clock
    if not context.ip and context.ip_problem:
        # the trusted Received field could not be read safely: say none, with why, rather than guess (a pass)
        notes.append(f"SPF none: no client IP ({context.ip_problem})")
        return (_spf_unknown_client(context),)
    if not context.ip:
        notes.append("SPF skipped: no client IP (use --ip or --trust-received)")
        return ()
    if context.mail_from is None:
        if not context.helo:
            notes.append("SPF skipped: neither MAIL FROM nor HELO is known")
            return ()
        notes.append("MAIL FROM unknown: only the HELO identity was checked")
        return (check_host(context.ip, context.helo, f"postmaster@{context.helo}", context.helo, run.resolver,
                           identity="helo", now=run.now, clock=clock),)  # fmt: skip
    found = check_identities(context.ip, context.mail_from, context.helo or "", run.resolver, now=run.now, clock=clock)
    return tuple(r for r in found if r is not None)


def _spf_unknown_client(context: SmtpContext) -> SpfResult:
    from toolkit.core.spf import SpfReason, SpfResult

    sender = context.mail_from or ""
    domain = sender.rpartition("@")[2] if sender else (context.helo or "")
    return SpfResult(
        Verdict.NONE, "mailfrom", domain, sender, "", null_sender=context.mail_from == "",
        reason=SpfReason.CLIENT_UNKNOWN, detail=context.ip_problem,
        steps=(Step("SPF-2", "client IP from the trusted Received field", False, context.ip_problem),),
    )  # fmt: skip


def _run_dkim(run: Run) -> tuple[Any, ...]:
    from toolkit.core.dkim import verify as dkim_verify

    options = run.options
    return dkim_verify(run.message, run.resolver, run.now, max_signatures=options.max_signatures,
                       budget=options.dkim_budget, clock=options.clock)  # fmt: skip


def _run_arc(run: Run) -> tuple[ArcResult]:
    from toolkit.core.arc import verify as arc_verify

    return (arc_verify(run.message, run.resolver, run.now, run.options.clock),)


def _run_dmarc(run: Run) -> tuple[DmarcResult]:
    """DMARC consumes the SPF (MAIL FROM) and DKIM results computed before it; nothing is run twice."""
    from toolkit.core.dmarc import evaluate

    spf, dkim, options = identity_result(run.results("spf"), "mailfrom"), run.results("dkim"), run.options
    ran = [name for name, result in (("spf", spf), ("dkim", dkim)) if result]
    if len(ran) < 2:
        run.notes.append("DMARC used only the checks that ran: " + (", ".join(ran) or "none"))
    dmarc = evaluate(run.message, dkim, spf, run.resolver, mode=options.dmarc_mode, count_testing=options.count_testing,
                     sample=options.dmarc_sample, multiple_authors=options.multiple_authors,
                     psl_org_domain=options.psl_org_domain)  # fmt: skip
    arc = one_result(run.results("arc"))
    if arc is not None and options.arc_trusted:
        dmarc = _arc_override(dmarc, arc, options.arc_trusted)
    return (dmarc,)


def _arc_override(dmarc: DmarcResult, arc: ArcResult, trusted: tuple[str, ...]) -> DmarcResult:
    """ARC-5 (RFC 8617 §7.2): a trusted sealer's aligned pass turns a failed DMARC's disposition into none."""
    from toolkit.core.arc.override import trusted_override

    org = dmarc.org_domain or dmarc.from_domain

    def aligned(domain: str) -> bool:  # relaxed alignment with the Organizational Domain DMARC found (DMARC-6)
        return domain == org or domain.endswith("." + org)

    found = trusted_override(arc, dmarc.verdict, dmarc.from_domain, trusted, aligned)
    return dmarc if found is None else replace(dmarc, disposition="none", override=found)

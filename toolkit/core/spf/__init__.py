"""SPF check_host() (RFC 7208) over the Resolver protocol, with a ledger of every DNS query it made.

Modules: parse (record and macro syntax), macro (expansion), evaluate (the evaluator), result (the
result types). This module is the API: check_host() and check_identities(), and it re-exports the result types.

Rules: STANDARDS.md SPF-1..SPF-17. The evaluator is pure: DNS comes from the injected Resolver and time
from the injected clock (no clock: no time budget). Limits are counted over the whole recursion (SPF-14);
the ledger says which term spent which lookup at which include depth, and where a limit broke.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from toolkit.core.dns import Resolver
from toolkit.core.results import Step, Verdict
from toolkit.core.spf.evaluate import (
    DEFAULT_MAX_VOID,
    DEFAULT_TIME_BUDGET,
    MAX_LOOKUP_TERMS,
    MAX_MX_HOSTS,
    MAX_PTR_NAMES,
    Abort,
    Evaluation,
)
from toolkit.core.spf.names import domain_problem, parse_client, split_sender
from toolkit.core.spf.result import LIMIT_OF_REASON, LedgerEntry, SpfReason, SpfResult


def check_host(
    ip: str,
    domain: str,
    sender: str,
    helo: str = "",
    resolver: Resolver | None = None,
    *,
    identity: str = "mailfrom",
    max_void: int = DEFAULT_MAX_VOID,
    time_budget: float = DEFAULT_TIME_BUDGET,
    clock: Callable[[], float] | None = None,
    receiver: str = "unknown",
    now: int | None = None,
    null_sender: bool = False,
) -> SpfResult:
    """RFC 7208 §4 check_host(<ip>, <domain>, <sender>) -> SpfResult. Never raises for DNS or record problems."""
    if resolver is None:
        raise TypeError("check_host() needs a resolver")
    domain_arg = domain
    domain = _ascii_domain(domain)
    problem = domain_problem(domain) if domain else "not a domain name"
    client = parse_client(ip)
    if client is None or problem:
        if client is None:
            verdict, reason, detail = Verdict.PERMERROR, SpfReason.INVALID_IP, f"{ip!r} is not an IP address"
            step = Step("SPF-2", "client address", False, detail)
        else:
            verdict, reason, detail = Verdict.NONE, SpfReason.INVALID_DOMAIN, f"{domain_arg!r}: {problem}"
            step = Step("SPF-3", "domain", False, detail)
        return SpfResult(verdict, identity, domain_arg, sender, ip, null_sender, reason, detail=detail, steps=(step,))
    local, sender_domain = split_sender(sender, domain)
    sender_domain = _ascii_domain(sender_domain) or sender_domain  # %{o} as an A-label, like %{d}
    full_sender = f"{local}@{sender_domain}"  # SPF-1 (RFC 7208 §4.3): no local-part -> postmaster, also for %{s}
    ev = Evaluation(resolver, client, full_sender, local, sender_domain, helo, max_void, time_budget, clock, receiver,
                    now)  # fmt: skip
    explanation = None
    record = None
    try:
        outcome = ev.check(domain, 0, "<record>", domain)
        verdict, reason, detail, record, path = (
            outcome.verdict,
            outcome.reason,
            outcome.detail,
            outcome.record,
            outcome.path,
        )
        if verdict is Verdict.FAIL:
            explanation = ev.explanation(outcome)
        steps = (_domain_step(domain), _result_step(verdict, reason))
    except Abort as abort:
        verdict, reason, detail, path, record = abort.verdict, abort.reason, abort.detail, (), ev.top_record
        steps = (_domain_step(domain), _result_step(verdict, reason))
        if abort.limit:
            steps += (Step("SPF-14", "limits", False, detail),)
    return SpfResult(
        verdict,
        identity,
        domain,
        sender,
        ip,
        null_sender,
        reason,
        path,
        explanation,
        detail,
        record,
        tuple(ev.ledger),
        steps,
    )


def _ascii_domain(domain: str) -> str:
    """Drop one trailing dot; convert an IDN to its A-label ("" if that fails)."""
    domain = domain[:-1] if domain.endswith(".") else domain
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return ""


# Steps are immutable and repeat across checks: share them instead of building new ones on the hot path.
@lru_cache(maxsize=1024)
def _domain_step(domain: str) -> Step:
    return Step("SPF-3", "domain", True, domain)


@lru_cache(maxsize=64)
def _result_step(verdict: Verdict, reason: SpfReason) -> Step:
    return Step(_rule_for(reason), "result", verdict is Verdict.PASS, f"{verdict.value}: {reason.value}")


_RULES = {
    SpfReason.MATCHED: "SPF-6",
    SpfReason.NO_MATCH: "SPF-12",
    SpfReason.NO_RECORD: "SPF-4",
    SpfReason.INVALID_DOMAIN: "SPF-3",
    SpfReason.MULTIPLE_RECORDS: "SPF-4",
    SpfReason.SYNTAX_ERROR: "SPF-5",
    SpfReason.NON_ASCII: "SPF-5",
    SpfReason.DNS_TEMPFAIL: "SPF-13",
    SpfReason.INCLUDE_NO_RECORD: "SPF-8",
    SpfReason.REDIRECT_NO_RECORD: "SPF-9",
    SpfReason.INVALID_IP: "SPF-2",
    SpfReason.CLIENT_UNKNOWN: "SPF-2",
}


def _rule_for(reason: SpfReason) -> str:
    return _RULES.get(reason, "SPF-14")


def check_identities(
    ip: str,
    mail_from: str,
    helo: str,
    resolver: Resolver,
    **options,
) -> tuple[SpfResult, SpfResult | None]:
    """SPF-1: the MAIL FROM result (null path -> postmaster@HELO) and the HELO result (None without a HELO)."""
    null = mail_from.strip() in ("", "<>")
    if null:
        sender = f"postmaster@{helo}"
        domain = helo
    else:
        sender = mail_from.strip().strip("<>")
        _local, at, domain = sender.rpartition("@")
        if not at:
            domain = sender
    mailfrom = check_host(ip, domain, sender, helo, resolver, identity="mailfrom", null_sender=null, **options)
    helo_result = None
    if helo:
        helo_result = check_host(ip, helo, f"postmaster@{helo}", helo, resolver, identity="helo", **options)
    return mailfrom, helo_result


__all__ = [
    "DEFAULT_MAX_VOID",
    "DEFAULT_TIME_BUDGET",
    "LIMIT_OF_REASON",
    "MAX_LOOKUP_TERMS",
    "MAX_MX_HOSTS",
    "MAX_PTR_NAMES",
    "LedgerEntry",
    "SpfReason",
    "SpfResult",
    "check_host",
    "check_identities",
    "domain_problem",
]

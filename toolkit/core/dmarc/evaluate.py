"""DMARC evaluation (RFC 9989 by default, RFC 7489 legacy): DMARC-1..DMARC-19.

DMARC consumes the DKIM and SPF results it is given and never re-runs them. It asks DNS only for `_dmarc`
records (discovery and Organizational Domains) and, for `np`, whether the Author Domain exists (DMARC-9).
It reports a disposition but takes no action (DMARC-11).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from toolkit.core.dkim.result import DkimResult
from toolkit.core.dmarc.address import AuthorDomains, AuthorError, author_domains
from toolkit.core.dmarc.discovery import DiscoveryTempError, DmarcLookups, PolicyDiscovery, discover_policy
from toolkit.core.dmarc.record import DmarcRecord
from toolkit.core.dns import DnsAnswer, DnsStatus, Resolver
from toolkit.core.message import Message
from toolkit.core.results import Step, Verdict
from toolkit.core.spf.result import SpfResult

_POLICY_RANK = {"none": 0, "quarantine": 1, "reject": 2}
_STEP_DOWN = {"reject": "quarantine", "quarantine": "none", "none": "none"}


class DmarcReason(enum.StrEnum):
    ALIGNED_DKIM = "aligned_dkim_pass"
    ALIGNED_SPF = "aligned_spf_pass"
    NOT_ALIGNED = "no_aligned_pass"
    NO_RECORD = "no_policy_record"
    MULTIPLE_RECORDS = "multiple_records"
    UNUSABLE_RECORD = "unusable_record"
    DNS_TEMPFAIL = "dmarc_dns_tempfail"  # a `_dmarc` or tree-walk query failed (DMARC-12)
    AUTH_TEMPFAIL = "auth_dns_tempfail"  # an SPF/DKIM DNS error on an identifier that would align (DMARC-7)
    # Author Domain problems (DMARC-1), same words as address.AuthorError
    NO_FROM = AuthorError.NO_FROM.value
    MULTIPLE_FROM = AuthorError.MULTIPLE_FROM.value
    MULTIPLE_ADDRESSES = AuthorError.MULTIPLE_ADDRESSES.value
    EMPTY_GROUP = AuthorError.EMPTY_GROUP.value
    NO_ADDRESS = AuthorError.NO_ADDRESS.value
    UNPARSEABLE_FROM = AuthorError.UNPARSEABLE.value
    BAD_AUTHOR_DOMAIN = AuthorError.BAD_DOMAIN.value
    FROM_TOO_LONG = AuthorError.TOO_LONG.value
    TOO_MANY_AUTHOR_DOMAINS = AuthorError.TOO_MANY_DOMAINS.value


@dataclass(frozen=True, slots=True)
class Alignment:
    """One authenticated identifier and whether it aligns with the Author Domain (DMARC-5, DMARC-6)."""

    identifier: str  # "dkim" | "spf"
    domain: str
    result: str  # the underlying check's result word
    aligned: bool  # passed AND aligned: this identifier counts for DMARC
    domain_aligned: bool | None  # the domain alone aligns; None when not evaluated
    mode: str  # "strict" | "relaxed"
    selector: str = ""
    note: str = ""

    def to_json(self) -> dict:
        out = {
            "identifier": self.identifier,
            "domain": self.domain,
            "result": self.result,
            "aligned": self.aligned,
            "domain_aligned": self.domain_aligned,
            "mode": self.mode,
        }
        if self.selector:
            out["selector"] = self.selector
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class DmarcResult:
    verdict: Verdict
    reason: DmarcReason | None
    from_domain: str
    policy: str | None  # the policy that applies when DMARC fails (p, sp or np: DMARC-8)
    effective_policy: str | None  # after t=y (9989) or pct (7489) (DMARC-10)
    disposition: str  # what we recommend: pass | none | quarantine | reject (DMARC-11)
    mode: str  # "rfc9989" | "rfc7489"
    record: DmarcRecord | None
    org_domain: str
    discovery_method: str  # "treewalk" | "psl" (DMARC-17)
    alignment: tuple[Alignment, ...] = ()
    queries: tuple[DnsAnswer, ...] = ()
    warnings: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()
    found_at: str = ""  # "author" | "organizational" | "psd"
    detail: str = ""
    other: DmarcResult | None = None  # mode "both": the rfc7489 verdict next to this rfc9989 one
    difference: str = ""
    per_domain: tuple[DmarcResult, ...] = ()  # several author domains [ours]
    # a local-policy override (toolkit.core.arc.override.ArcOverride: a trusted ARC sealer saw an aligned pass,
    # ARC-5): the disposition is then none, the verdict stays fail
    override: Any = None

    @property
    def comment(self) -> str:
        """Details for the A-R comment (DMARC-19), e.g. `p=reject t=y`."""
        if self.record is None:
            return self.detail if self.verdict is not Verdict.NONE else ""
        parts = [f"p={self.record.p}"]
        if self.found_at != "author" and self.policy is not None:
            parts.append(f"sp={self.record.sp}")
            if self.mode == "rfc9989" and self.record.explicit_np:
                parts.append(f"np={self.record.np}")
        if self.record.t:
            parts.append("t=y")
        if self.mode == "rfc7489" and self.record.pct != 100:
            parts.append(f"pct={self.record.pct}")
        if self.policy and self.effective_policy and self.effective_policy != self.policy:
            parts.append(f"applied={self.effective_policy}")
        if self.override is not None:
            parts.append(f"override={self.override.reason} {self.override.comment}")
        return " ".join(parts)

    def to_json(self) -> dict:
        out: dict[str, Any] = {
            "result": self.verdict.value,
            "reason": self.reason.value if self.reason else None,
            "detail": self.detail,
            "from_domain": self.from_domain,
            "policy": self.policy,
            "effective_policy": self.effective_policy,
            "disposition": self.disposition,
            "mode": self.mode,
            "discovery_method": self.discovery_method,
            "org_domain": self.org_domain,
            "record": self.record.to_json() if self.record else None,
            "found_at": self.found_at,
            "alignment": [a.to_json() for a in self.alignment],
            "queries": [q.to_json() for q in self.queries],
            "warnings": list(self.warnings),
            "steps": [s.to_json() for s in self.steps],
        }
        if self.override is not None:
            out["override"] = self.override.to_json()
        if self.other is not None:
            out["other"] = self.other.to_json()
            out["difference"] = self.difference
        if self.per_domain:
            out["per_domain"] = [r.to_json() for r in self.per_domain]
        return out


def evaluate(
    message: Message,
    dkim: Sequence[DkimResult],
    spf: SpfResult | None,
    resolver: Resolver,
    *,
    mode: str = "rfc9989",
    count_testing: bool = False,
    sample: float | None = None,
    multiple_authors: bool = False,
    reject_on_policy: bool = False,
    psl_org_domain: Callable[[str], str] | None = None,
) -> DmarcResult:
    """DMARC for one message from the DKIM results (one per signature) and the MAIL FROM SPF result.

    mode: "rfc9989" (tree walk), "rfc7489" (PSL) or "both" (9989 result with the 7489 one in `.other`).
    count_testing: let a DKIM pass under a t=y key count (DKIM-18 [ours], off by default).
    sample: 7489 pct sampling value in [0, 100); None derives a stable one from the message bytes.
    multiple_authors: evaluate each From domain (at most 5) and keep the strictest failing policy [ours].
    reject_on_policy: allow a `reject` disposition on p=reject alone (DMARC-11 says not to; off by default).
    psl_org_domain: the Public Suffix List as name -> Organizational Domain; rfc7489 needs it (DMARC-18).
    """
    if mode == "both":
        kwargs = dict(
            count_testing=count_testing, sample=sample, multiple_authors=multiple_authors, psl_org_domain=psl_org_domain
        )
        primary = evaluate(message, dkim, spf, resolver, mode="rfc9989", reject_on_policy=reject_on_policy, **kwargs)
        legacy = evaluate(message, dkim, spf, resolver, mode="rfc7489", reject_on_policy=reject_on_policy, **kwargs)
        return dataclasses.replace(primary, other=legacy, difference=explain_difference(primary, legacy))
    if mode not in ("rfc9989", "rfc7489"):
        raise ValueError(f"unknown DMARC mode {mode!r}")
    authors = author_domains(message, allow_multiple=multiple_authors)
    if authors.error is not None:
        return _author_problem(authors, mode)
    if sample is None:  # 7489 pct only: a stable value per message, computed only when a record needs it
        sample = _MessageSample(message.raw)
    results = [
        evaluate_domain(domain, dkim, spf, resolver, mode=mode, count_testing=count_testing, sample=sample,
                        reject_on_policy=reject_on_policy, psl_org_domain=psl_org_domain)
        for domain in authors.domains
    ]  # fmt: skip
    if len(results) == 1:
        return results[0]
    return dataclasses.replace(_strictest(results), per_domain=tuple(results))


class _MessageSample:
    """Lazy float-like sampling value in [0, 100) from the message bytes (deterministic, no randomness)."""

    __slots__ = ("_raw", "_value")

    def __init__(self, raw: bytes) -> None:
        self._raw = raw
        self._value: float | None = None

    def __float__(self) -> float:
        if self._value is None:
            self._value = float(int.from_bytes(hashlib.sha256(self._raw).digest()[:4], "big") % 100)
        return self._value


def _strictest(results: list[DmarcResult]) -> DmarcResult:
    """[ours] several author domains: the strictest failing policy wins; then temperror, permerror, pass, none."""
    failing = [r for r in results if r.verdict is Verdict.FAIL]
    if failing:
        return max(failing, key=lambda r: _POLICY_RANK.get(r.effective_policy or "none", 0))
    for verdict in (Verdict.TEMPERROR, Verdict.PERMERROR, Verdict.PASS):
        for r in results:
            if r.verdict is verdict:
                return r
    return results[0]


def _author_problem(authors: AuthorDomains, mode: str) -> DmarcResult:
    assert authors.error is not None
    reason = DmarcReason(authors.error.value)
    step = Step("DMARC-1", "author domain", False, f"{reason.value}: {authors.detail}")
    return DmarcResult(
        verdict=Verdict.PERMERROR,
        reason=reason,
        from_domain="",
        policy=None,
        effective_policy=None,
        disposition="none",
        mode=mode,
        record=None,
        org_domain="",
        discovery_method=_method(mode),
        steps=(step,),
        detail=authors.detail,
    )


def _method(mode: str) -> str:
    return "treewalk" if mode == "rfc9989" else "psl"


def evaluate_domain(
    author: str,
    dkim: Sequence[DkimResult],
    spf: SpfResult | None,
    resolver: Resolver,
    *,
    mode: str = "rfc9989",
    count_testing: bool = False,
    sample: Any = 0.0,
    reject_on_policy: bool = False,
    psl_org_domain: Callable[[str], str] | None = None,
) -> DmarcResult:
    """DMARC for one Author Domain (already an A-label)."""
    lookups = DmarcLookups(resolver, mode, psl_org_domain)
    steps: list[Step] = [Step("DMARC-1", "author domain", True, author)]
    warnings: list[str] = []
    base = dict(from_domain=author, mode=mode, discovery_method=_method(mode))

    def finish(verdict: Verdict, reason: DmarcReason | None, **kw: Any) -> DmarcResult:
        fields: dict[str, Any] = dict(policy=None, effective_policy=None, disposition="none", record=None,
                                      org_domain="")  # fmt: skip
        fields.update(kw)
        warnings.extend(n for n in lookups.notes if n not in warnings)
        return DmarcResult(verdict=verdict, reason=reason, queries=tuple(lookups.answers), warnings=tuple(warnings),
                           steps=tuple(steps), **base, **fields)  # fmt: skip

    try:
        disc = discover_policy(author, lookups)
    except DiscoveryTempError as exc:
        steps.append(Step("DMARC-12", "policy discovery", False, f"DNS error: {exc}"))
        return finish(Verdict.TEMPERROR, DmarcReason.DNS_TEMPFAIL, detail=f"DNS error during discovery: {exc}")
    record = disc.record
    if record is None:
        several = disc.multiple_at or lookups.valid_count(author) > 1
        reason = DmarcReason.MULTIPLE_RECORDS if several else DmarcReason.NO_RECORD
        detail = (
            f"several DMARC records at _dmarc.{disc.multiple_at}: DMARC does not apply (DMARC-18)"
            if disc.multiple_at
            else "no DMARC policy record: DMARC does not apply"
        )
        steps.append(Step("DMARC-12", "policy discovery", None, detail))
        return finish(Verdict.NONE, reason, org_domain=disc.org_domain, detail=detail)
    warnings.extend(record.warnings)
    steps.append(Step("DMARC-14" if mode == "rfc9989" else "DMARC-18", "policy record", True,
                      f"_dmarc.{record.name}: {record.raw}"))  # fmt: skip
    if not record.usable:
        steps.append(Step("DMARC-4", "record usable", False, "invalid policy and no valid rua"))
        return finish(Verdict.PERMERROR, DmarcReason.UNUSABLE_RECORD, record=record, found_at=disc.found_at,
                      org_domain=disc.org_domain, detail="unusable record (DMARC-4)")  # fmt: skip

    org_cache: dict[str, str] = {author: disc.org_domain} if disc.org_domain else {}
    walk_error: list[str] = []

    def org_of(name: str) -> str | None:
        if name not in org_cache:
            try:
                org_cache[name] = lookups.org_domain(name)
            except DiscoveryTempError as exc:
                walk_error.append(str(exc))
                return None
        return org_cache[name]

    alignment, aligned_by = _align(author, record, dkim, spf, org_of, count_testing)
    if aligned_by:
        verdict, reason = Verdict.PASS, aligned_by
        steps.append(Step("DMARC-7", "aligned pass", True, ", ".join(
            f"{a.identifier} {a.domain}" for a in alignment if a.aligned)))  # fmt: skip
    else:
        temp = [a for a in alignment if a.result == "temperror" and a.domain_aligned is not False]
        if walk_error or temp:
            verdict = Verdict.TEMPERROR
            reason = DmarcReason.DNS_TEMPFAIL if walk_error else DmarcReason.AUTH_TEMPFAIL
            what = walk_error[0] if walk_error else f"{temp[0].identifier} {temp[0].domain} temperror"
            steps.append(Step("DMARC-7", "aligned pass", False, f"no conclusion: {what}"))
        else:
            verdict, reason = Verdict.FAIL, DmarcReason.NOT_ALIGNED
            steps.append(Step("DMARC-7", "aligned pass", False, "no identifier both passed and aligned"))

    policy = _select_policy(author, record, disc, mode, resolver, lookups, steps, warnings)
    effective = _soften(policy, record, mode, sample, steps)
    if verdict is Verdict.PASS:
        disposition = "pass"
    elif verdict is Verdict.FAIL:
        disposition = effective
        if effective == "reject" and not reject_on_policy:
            disposition = "quarantine"  # DMARC-11: never reject on p=reject alone
            steps.append(Step("DMARC-11", "disposition", None, "p=reject alone: recommend quarantine, not reject"))
    else:
        disposition = "none"
    org_domain = org_cache.get(author) or disc.org_domain
    return finish(verdict, reason, policy=policy, effective_policy=effective, disposition=disposition,
                  record=record, org_domain=org_domain, alignment=tuple(alignment),
                  found_at=disc.found_at)  # fmt: skip


def _align(
    author: str,
    record: DmarcRecord,
    dkim: Sequence[DkimResult],
    spf: SpfResult | None,
    org_of: Callable[[str], str | None],
    count_testing: bool,
) -> tuple[list[Alignment], DmarcReason | None]:
    """DMARC-5/6: alignment of every DKIM d= and the MAIL FROM SPF domain. Only passing identifiers count."""

    def domain_aligns(domain: str, strict: bool) -> bool | None:
        if domain == author:
            return True
        if strict or author.rpartition(".")[2] != domain.rpartition(".")[2]:
            return False  # an Org Domain is the name or an ancestor: different TLDs never share one
        org_author = org_of(author)
        if org_author is None:
            return None
        if domain != org_author and not domain.endswith("." + org_author):
            return False  # not under the author's Org Domain: no walk from this name is needed
        org_domain = org_of(domain)
        return None if org_domain is None else org_author == org_domain

    out: list[Alignment] = []
    aligned_by: DmarcReason | None = None
    candidates: list[tuple[str, str, str, bool, str, str]] = []  # identifier, domain, result, passed, selector, note
    for sig in dkim:
        result = sig.verdict.value
        domain = sig.domain.lower().rstrip(".")
        if result == "none" and not domain:
            continue  # the unsigned-message entry
        testing = sig.testing
        passed = result == "pass" and bool(domain) and (count_testing or not testing)
        note = "testing key (t=y): not counted (DKIM-18)" if result == "pass" and testing and not count_testing else ""
        candidates.append(("dkim", domain, result, passed, sig.selector, note))
    if spf is not None:
        result = spf.verdict.value
        domain = spf.domain.lower().rstrip(".")
        note = ""
        if spf.identity == "helo":
            note = "HELO identity is never used by DMARC (DMARC-5)"
            passed = False
        else:
            passed = result == "pass" and bool(domain)
            if spf.null_sender:
                note = "null reverse-path: postmaster@HELO (DMARC-5)"
        candidates.append(("spf", domain, result, passed, "", note))
    # passing identifiers first (DMARC-15: only they need walks); others only if no pass aligned
    for identifier, domain, result, passed, selector, note in candidates:
        strict = (record.adkim if identifier == "dkim" else record.aspf) == "s"
        mode = "strict" if strict else "relaxed"
        if passed:
            dom_aligned = domain_aligns(domain, strict)
        elif result == "temperror" and domain:
            dom_aligned = None  # decided below, only if needed
        else:
            dom_aligned = None
        aligned = passed and dom_aligned is True
        if aligned and aligned_by is None:
            aligned_by = DmarcReason.ALIGNED_DKIM if identifier == "dkim" else DmarcReason.ALIGNED_SPF
        out.append(Alignment(identifier, domain, result, aligned, dom_aligned, mode, selector, note))
    if aligned_by is None:
        for index, a in enumerate(out):
            if a.result == "temperror" and a.domain:
                out[index] = dataclasses.replace(a, domain_aligned=domain_aligns(a.domain, a.mode == "strict"))
    return out, aligned_by


def _select_policy(
    author: str,
    record: DmarcRecord,
    disc: PolicyDiscovery,
    mode: str,
    resolver: Resolver,
    lookups: DmarcLookups,
    steps: list[Step],
    warnings: list[str],
) -> str:
    """DMARC-8/9: p at the Author Domain; sp for an existing subdomain; np (9989) for a non-existent one."""
    if disc.found_at == "author":
        steps.append(Step("DMARC-8", "policy", None, f"record at the Author Domain: p={record.p}"))
        return record.p
    if mode == "rfc9989" and record.explicit_np and record.np != record.sp:
        answer = resolver.query(author, "A")  # DMARC-9 [ours]: A at the Author Domain
        lookups.answers.append(answer)
        if answer.status is DnsStatus.NXDOMAIN:
            steps.append(Step("DMARC-9", "author domain exists", False, f"{author} A: NXDOMAIN -> np={record.np}"))
            return record.np
        if answer.status is DnsStatus.TEMPFAIL:
            warnings.append(f"existence check for np failed ({answer.detail or 'TEMPFAIL'}); using sp")
        steps.append(Step("DMARC-9", "author domain exists", True, f"{author} A: {answer.status.value}"))
    steps.append(Step("DMARC-8", "policy", None, f"record at {disc.found_at} domain {record.name}: sp={record.sp}"))
    return record.sp


def _soften(policy: str, record: DmarcRecord, mode: str, sample: Any, steps: list[Step]) -> str:
    """DMARC-10: t=y (9989) or pct (7489) moves a failing message one policy down."""
    if mode == "rfc9989":
        if record.t and policy != "none":
            steps.append(Step("DMARC-10", "t=y", None, f"{policy} -> {_STEP_DOWN[policy]}"))
            return _STEP_DOWN[policy]
        return policy
    if record.pct < 100 and float(sample) >= record.pct:
        steps.append(Step("DMARC-10", "pct", None, f"sample {float(sample):g} >= pct={record.pct}: next lower policy"))
        return _STEP_DOWN[policy]
    return policy


def explain_difference(a: DmarcResult, b: DmarcResult) -> str:
    """Mode "both": one sentence on why the rfc9989 and rfc7489 verdicts differ ("" when they agree)."""
    orgs_agree = not (a.org_domain and b.org_domain) or a.org_domain == b.org_domain
    same = orgs_agree and (a.verdict, a.effective_policy, a.record and a.record.name) == (
        b.verdict,
        b.effective_policy,
        b.record and b.record.name,
    )
    if same:
        return ""
    reasons = []
    if (a.record and a.record.name) != (b.record and b.record.name):
        where_a = f"_dmarc.{a.record.name}" if a.record else "no record"
        where_b = f"_dmarc.{b.record.name}" if b.record else "no record"
        reasons.append(f"the tree walk found {where_a} while the PSL lookup found {where_b}")
    if a.org_domain and b.org_domain and a.org_domain != b.org_domain:
        reasons.append(f"the Organizational Domain is {a.org_domain} by tree walk but {b.org_domain} by the PSL")
    same_record = a.record and b.record and a.record.raw == b.record.raw
    if same_record and (a.record.t or a.record.explicit_np or b.record.pct != 100):
        reasons.append("the record uses tags only one of the two modes reads (t/np vs pct)")
    summary = (
        f"rfc9989 says {a.verdict.value} (policy {a.effective_policy}), "
        f"rfc7489 says {b.verdict.value} (policy {b.effective_policy})"
    )
    return summary + (": " + "; ".join(reasons) if reasons else "") + "."

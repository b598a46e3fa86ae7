"""What one verified message contributes to an aggregate report, and how stored rows become report rows. Pure.

`record_from_report` turns the `Report` the verifier already computed (CLI, milter or pipeline) into one flat
`MessageRecord`: the columns of the recorded-message table. Lists (DKIM results, reasons) are compact JSON text so
the store can GROUP BY them as plain columns; `row_from_group` and `policy_from_columns` turn grouped columns back
into report_model's `Record` and `PolicyPublished`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from functools import lru_cache
from typing import TYPE_CHECKING

from toolkit.core.dmarc.report_model import DkimAuth, PolicyPublished, Reason, Record, SpfAuth
from toolkit.core.results import Verdict

if TYPE_CHECKING:
    from toolkit.core.verify import Report


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """One verified message, as stored (column order = the table's; see store migration 2)."""

    message_key: str  # sha256 over the message and its envelope: recording the same message twice counts once
    received_at: int  # Unix seconds
    source_ip: str
    header_from: str
    envelope_from: str | None  # domain; "" null reverse-path; None unknown
    envelope_to: str | None  # the first recipient's domain
    policy_domain: str | None  # where the DMARC record was found; None: no policy, nothing to report
    dmarc_result: str  # pass | fail | none | temperror | permerror
    disposition: str  # none | pass | quarantine | reject (RFC 9990 ActionDispositionType)
    dkim_aligned: str  # pass | fail
    spf_aligned: str  # pass | fail
    reasons: str  # JSON [[type, comment], ...]
    dkim_auth: str  # JSON [[domain, selector, result, aligned], ...] in RFC 9990 §3.1.2 priority order
    spf_domain: str | None
    spf_scope: str | None  # mfrom | helo
    spf_result: str | None
    p: str | None
    sp: str | None
    np: str | None
    adkim: str | None
    aspf: str | None
    fo: str | None
    testing: str | None  # y | n
    pct: int | None
    discovery_method: str | None  # treewalk | psl
    rua: str | None  # the rua tag as published, `!size` suffixes included
    group_key: str = ""  # digest of the GROUP_COLUMNS values: `report generate` groups on this narrow column

    def values(self) -> tuple:
        return astuple(self)


COLUMNS = tuple(f.name for f in fields(MessageRecord))


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _domain_of(address: str | None) -> str | None:
    if address is None:
        return None
    return address.rpartition("@")[2].strip().strip("<>").rstrip(".").lower()


def message_key(raw: bytes, ip: str | None, mail_from: str | None, recipients: Sequence[str]) -> str:
    digest = hashlib.sha256(raw)
    digest.update(_compact([ip, mail_from, list(recipients)]).encode())
    return digest.hexdigest()


def group_key(values: Sequence) -> str:
    """128 bits of SHA-256 over the GROUP_COLUMNS values: equal keys mean equal report rows."""
    return hashlib.sha256(_compact(list(values)).encode()).hexdigest()[:32]


def with_group_key(record: MessageRecord) -> MessageRecord:
    return dataclasses.replace(record, group_key=group_key([getattr(record, c) for c in GROUP_COLUMNS]))


def record_from_report(report: Report, received_at: int, recipients: Sequence[str] = ()) -> MessageRecord:
    """The row for one message. Nothing is re-evaluated: every value comes from the Report."""
    return with_group_key(_record_from_report(report, received_at, recipients))


def _record_from_report(report: Report, received_at: int, recipients: Sequence[str]) -> MessageRecord:
    dmarc = report.dmarc
    ctx = report.context
    record = dmarc.record if dmarc is not None else None
    header_from = dmarc.from_domain if dmarc is not None else ""
    alignment = dmarc.alignment if dmarc is not None else ()
    aligned = {(a.domain, a.selector) for a in alignment if a.identifier == "dkim" and a.aligned}
    dkim_auth = _dkim_auth(report, header_from, aligned)
    spf = report.spf if report.spf is not None else report.spf_helo
    spf_aligned = any(a.identifier == "spf" and a.aligned for a in alignment)
    return MessageRecord(
        message_key=message_key(report.message.raw, ctx.ip, ctx.mail_from, recipients),
        received_at=int(received_at),
        source_ip=ctx.ip or "",
        header_from=header_from,
        envelope_from=_domain_of(ctx.mail_from) if ctx.mail_from else ("" if ctx.mail_from == "" else None),
        envelope_to=_domain_of(recipients[0]) if recipients else None,
        policy_domain=record.name if record is not None and record.name else None,
        dmarc_result=dmarc.verdict.value if dmarc is not None else "none",
        disposition=_disposition(report),
        dkim_aligned="pass" if any(x[3] for x in dkim_auth) else "fail",
        spf_aligned="pass" if spf_aligned else "fail",
        reasons=_compact([[r.type, r.comment] for r in _reasons(report)]),
        dkim_auth=_compact(dkim_auth),
        spf_domain=spf.domain.lower().rstrip(".") if spf is not None else None,
        spf_scope=("mfrom" if spf.identity == "mailfrom" else "helo") if spf is not None else None,
        spf_result=spf.verdict.value if spf is not None else None,
        p=record.p if record else None,
        sp=record.sp if record else None,
        np=record.np if record and dmarc.mode == "rfc9989" else None,
        adkim=record.adkim if record else None,
        aspf=record.aspf if record else None,
        fo=record.fo if record else None,
        testing=("y" if record.t else "n") if record else None,
        pct=record.pct if record else None,
        discovery_method=dmarc.discovery_method if dmarc is not None else None,
        rua=record.tags.get("rua") if record else None,
    )


def _dkim_auth(report: Report, header_from: str, aligned: set[tuple[str, str]]) -> list[list]:
    """Every signature's result, in RFC 9990 §3.1.2 priority: pass strict-aligned, pass relaxed-aligned, other
    passes, the rest. The unsigned-message placeholder (no d=) is not a signature."""
    entries = []
    for sig in report.dkim:
        domain = sig.domain.lower().rstrip(".")
        if not domain and sig.verdict is Verdict.NONE:
            continue
        is_aligned = (domain, sig.selector) in aligned
        passed = sig.verdict is Verdict.PASS
        rank = (0 if domain == header_from else 1) if passed and is_aligned else 2 if passed else 3
        entries.append((rank, [domain, sig.selector, sig.verdict.value, is_aligned]))
    entries.sort(key=lambda e: e[0])  # stable: signature order within a rank
    return [e[1] for e in entries]


def _disposition(report: Report) -> str:
    """RFC 9990 ActionDispositionType: `pass` only for a pass under an enforcing policy; p=none is `none`."""
    dmarc = report.dmarc
    if dmarc is None:
        return "none"
    if dmarc.disposition == "pass":
        return "pass" if (dmarc.policy or "none") != "none" else "none"
    return dmarc.disposition if dmarc.disposition in ("none", "quarantine", "reject") else "none"


def _reasons(report: Report) -> list[Reason]:
    """Why the disposition differs from the published policy (RFC 9990 §3.1.1.9 MUST)."""
    dmarc = report.dmarc
    if dmarc is None or dmarc.verdict is not Verdict.FAIL or dmarc.record is None:
        return []
    out = []
    if dmarc.policy and dmarc.effective_policy and dmarc.effective_policy != dmarc.policy:
        tag = "t=y" if dmarc.mode == "rfc9989" else f"pct={dmarc.record.pct}"
        out.append(Reason("policy_test_mode", f"{tag}: {dmarc.policy} applied as {dmarc.effective_policy}"))
    if dmarc.effective_policy == "reject" and dmarc.disposition == "quarantine":
        out.append(Reason("local_policy", "p=reject alone: quarantine, not reject (RFC 9989 section 7.4)"))
    if dmarc.override is not None:  # ARC-5: a trusted sealer's aligned pass (RFC 8617 section 7.2)
        out.append(Reason(dmarc.override.reason, dmarc.override.comment))
    return out


# ---------------------------------------------------------------------------------------------------- back out

GROUP_COLUMNS = (
    "source_ip", "disposition", "dkim_aligned", "spf_aligned", "reasons", "header_from", "envelope_from",
    "envelope_to", "dkim_auth", "spf_domain", "spf_scope", "spf_result",
)  # fmt: skip
POLICY_COLUMNS = ("p", "sp", "np", "adkim", "aspf", "fo", "testing", "pct", "discovery_method", "rua")


def row_from_group(values: Sequence, count: int) -> Record:
    """A report Record from the GROUP_COLUMNS values of one group and its message count."""
    (source_ip, disposition, dkim, spf, reasons, header_from, envelope_from, envelope_to, dkim_auth, spf_domain,
     spf_scope, spf_result) = values  # fmt: skip
    return Record(
        source_ip=source_ip,
        count=int(count),
        disposition=disposition,
        dkim=dkim,
        spf=spf,
        header_from=header_from,
        envelope_from=envelope_from,
        envelope_to=envelope_to,
        reasons=_reasons_of(reasons),
        dkim_auth=_dkim_of(dkim_auth),
        spf_auth=_spf_of(spf_domain, spf_scope, spf_result),
    )


# Groups repeat the same JSON and SPF values many times over (a million messages, a few hundred shapes):
# decoding each distinct value once keeps generation linear in the rows and cheap per row.
@lru_cache(maxsize=65536)
def _dkim_of(text: str | None) -> tuple[DkimAuth, ...]:
    return tuple(DkimAuth(d, s, r) for d, s, r, _aligned in json.loads(text or "[]"))


@lru_cache(maxsize=4096)
def _reasons_of(text: str | None) -> tuple[Reason, ...]:
    return tuple(Reason(t, c or None) for t, c in json.loads(text or "[]"))


@lru_cache(maxsize=65536)
def _spf_of(domain: str | None, scope: str | None, result: str | None) -> tuple[SpfAuth, ...]:
    return (SpfAuth(domain or "", scope or "mfrom", result),) if result else ()


def policy_from_columns(domain: str, values: Sequence) -> PolicyPublished:
    """PolicyPublished from POLICY_COLUMNS values (the last configuration seen in the period: RFC 9990 §3.1.3)."""
    v = dict(zip(POLICY_COLUMNS, values, strict=True))
    return PolicyPublished(
        domain=domain,
        p=v["p"] or "none",
        sp=v["sp"],
        np=v["np"],
        adkim=v["adkim"] or "r",
        aspf=v["aspf"] or "r",
        fo=v["fo"] or "0",
        testing=v["testing"] or "n",
        pct=int(v["pct"]) if v["pct"] is not None else 100,
        discovery_method=v["discovery_method"] or "treewalk",
    )


def group_records(records: Iterable[MessageRecord]) -> dict[str, tuple[MessageRecord, list[Record]]]:
    """In-memory grouping (the store does the same in SQL): policy domain -> (its latest record, its rows)."""
    counts: dict[str, dict[tuple, int]] = {}
    latest: dict[str, MessageRecord] = {}
    for rec in records:
        if rec.policy_domain is None:
            continue
        key = tuple(getattr(rec, c) for c in GROUP_COLUMNS)
        bucket = counts.setdefault(rec.policy_domain, {})
        bucket[key] = bucket.get(key, 0) + 1
        if rec.policy_domain not in latest or rec.received_at >= latest[rec.policy_domain].received_at:
            latest[rec.policy_domain] = rec
    return {
        domain: (latest[domain], [row_from_group(key, n) for key, n in sorted(bucket.items(), key=_order)])
        for domain, bucket in counts.items()
    }


def _order(item: tuple[tuple, int]) -> tuple:
    return tuple("" if v is None else str(v) for v in item[0])

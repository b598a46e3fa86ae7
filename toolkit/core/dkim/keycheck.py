"""Is the published key record ours? (`emlauth keycheck`, DKIM-14..17): fetch TXT <selector>._domainkey.<domain>
and judge every record there against a signing key. Pure: the resolver is the only way out.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from toolkit.core.dkim.keyrecord import (
    PROBLEM_PRIVATE,
    KeyRecordError,
    KeyRecordReason,
    key_data_problem,
    parse_key_record,
)
from toolkit.core.dkim.keys import RSA_RECOMMENDED_BITS, SigningKey, record_name
from toolkit.core.dns import DnsAnswer, DnsStatus, Resolver
from toolkit.core.results import Step, Verdict
from toolkit.core.tags import TagListError, parse_tag_list


class KeyCheckStatus(enum.StrEnum):
    MATCH = "match"  # a published record holds our public key
    MISMATCH = "mismatch"  # a valid record is published, with another key or key type
    ABSENT = "absent"  # NXDOMAIN or NODATA (DKIM-14: "no key")
    REVOKED = "revoked"  # only revoked records (empty p=, DKIM-15/36)
    INVALID = "invalid"  # only records that do not parse as DKIM key records (DKIM-15..17)
    TEMPFAIL = "temperror"  # timeout, SERVFAIL, refused (DKIM-14)


_KEYCHECK_VERDICT = {  # what a verifier would report for a signature made with our key (DKIM-37)
    "match": Verdict.PASS,
    "mismatch": Verdict.FAIL,
    "absent": Verdict.PERMERROR,
    "revoked": Verdict.PERMERROR,
    "invalid": Verdict.PERMERROR,
    "temperror": Verdict.TEMPERROR,
}


@dataclass(frozen=True, slots=True)
class PublishedRecord:
    """One TXT record at the key name, joined (DKIM-14), and what it says about our key."""

    raw: bytes
    status: KeyCheckStatus  # MATCH, MISMATCH, REVOKED or INVALID
    key_type: str | None = None
    key_bits: int | None = None
    testing: bool = False
    problem: str = ""  # parse error text for INVALID records
    reason: str = ""  # the parser's reason code for INVALID records
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "value": self.raw.decode("utf-8", "backslashreplace"),
            "status": self.status.value,
            "key_type": self.key_type,
            "key_bits": self.key_bits,
            "testing": self.testing,
            "problem": self.problem,
            "reason": self.reason,
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class KeyCheckResult:
    status: KeyCheckStatus
    name: str  # the absolute name asked (DKIM-14)
    key_type: str  # our private key's
    key_bits: int
    key_sha256: str  # fingerprint of our public half
    answer: DnsAnswer
    records: tuple[PublishedRecord, ...]
    steps: tuple[Step, ...]

    @property
    def verdict(self) -> Verdict:
        return _KEYCHECK_VERDICT[self.status.value]

    def to_json(self) -> dict:
        return {
            "status": self.status.value,
            "verdict": self.verdict.value,
            "name": self.name,
            "private_key": {"type": self.key_type, "bits": self.key_bits, "public_key_sha256": self.key_sha256},
            "answer": self.answer.to_json(),
            "records": [r.to_json() for r in self.records],
            "steps": [s.to_json() for s in self.steps],
        }


def check_published_key(key: SigningKey, selector: str, domain: str, resolver: Resolver) -> KeyCheckResult:
    """Fetch TXT `<selector>._domainkey.<domain>.` and judge every record against `key` (DKIM-14..17)."""
    name = record_name(selector, domain)
    answer = resolver.query(name, "TXT")
    steps = [Step("DKIM-14", "key lookup", answer.ok, f"TXT {name} -> {answer.status.value} {answer.detail}".strip())]
    records: list[PublishedRecord] = []
    if answer.status is DnsStatus.TEMPFAIL:
        status = KeyCheckStatus.TEMPFAIL
    elif answer.status is not DnsStatus.OK:
        status = KeyCheckStatus.ABSENT
    else:
        for raw in answer.txt_joined():  # DKIM-14 [ours]: judge each record that is there
            record = _judge_record(key, raw)
            records.append(record)
            detail = record.problem or f"k={record.key_type} {record.key_bits or ''}".strip()
            steps.append(Step("DKIM-15", f"key record: {record.status.value}", record.status == "match", detail))
        found = {r.status for r in records}
        order = (KeyCheckStatus.MATCH, KeyCheckStatus.MISMATCH, KeyCheckStatus.REVOKED, KeyCheckStatus.INVALID)
        status = next((s for s in order if s in found), KeyCheckStatus.ABSENT)
    return KeyCheckResult(status, name, key.key_type, key.bits, key.fingerprint(), answer, tuple(records), tuple(steps))


def _judge_record(key: SigningKey, raw: bytes) -> PublishedRecord:
    try:
        record = parse_key_record(raw)
    except KeyRecordError as exc:
        problem, reason = str(exc), exc.reason.value
        if exc.discard:
            problem += " (verifiers ignore this record)"
        elif exc.reason in (KeyRecordReason.KEY_BAD_BASE64, KeyRecordReason.KEY_BAD_DATA):
            found = _p_problem(raw)
            if found is not None:
                reason, problem = found
                if reason == PROBLEM_PRIVATE:
                    problem = f"PRIVATE key published in DNS: {problem}; it is compromised, rotate it now"
        return PublishedRecord(raw, KeyCheckStatus.INVALID, problem=problem, reason=reason)
    notes = []
    if record.testing:
        notes.append("t=y: testing mode, receivers treat the mail as unsigned (DKIM-18)")
    if record.revoked:
        return PublishedRecord(
            raw, KeyCheckStatus.REVOKED, record.key_type, None, record.testing, "empty p= (DKIM-15, DKIM-36)",
            KeyRecordReason.KEY_REVOKED.value, tuple(notes),
        )  # fmt: skip
    bits = record.key_bits
    if record.key_type == "rsa" and bits is not None and bits < RSA_RECOMMENDED_BITS:
        notes.append(f"published RSA key is {bits} bits; {RSA_RECOMMENDED_BITS} recommended (DKIM-29)")
    status = KeyCheckStatus.MATCH if key.matches_public(record.public_key) else KeyCheckStatus.MISMATCH
    if status is KeyCheckStatus.MISMATCH and record.key_type != key.key_type:
        notes.append(f"record is k={record.key_type}, the private key is {key.key_type}")
    return PublishedRecord(raw, status, record.key_type, bits, record.testing, notes=tuple(notes))


def _p_problem(raw: bytes) -> tuple[str, str] | None:
    try:
        p_value = parse_tag_list(raw).get("p")
    except TagListError:
        return None
    return key_data_problem(p_value) if p_value else None

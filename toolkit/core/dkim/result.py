"""The result of checking one DKIM-Signature (DKIM-37, DKIM-38): verdict, stable reason, evidence, A-R comment."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from toolkit.core.dkim.common import DkimReason
from toolkit.core.dkim.keyrecord import KeyRecord
from toolkit.core.dns import DnsAnswer
from toolkit.core.results import Step, Verdict

COMMENTS = {
    DkimReason.NO_SIGNATURE: "no signature",
    DkimReason.BODY_HASH_MISMATCH: "body hash did not verify",
    DkimReason.SIGNATURE_MISMATCH: "bad signature",
    DkimReason.KEY_DNS_TEMPFAIL: "key lookup failed",
    DkimReason.KEY_NOT_FOUND: "no key",
    DkimReason.KEY_REVOKED: "key revoked",
    DkimReason.KEY_TOO_SHORT: "key too short",
    DkimReason.ALGORITHM_SHA1: "rsa-sha1 not accepted",
    DkimReason.EXPIRED: "signature expired",
    DkimReason.FUTURE_TIMESTAMP: "signature timestamp in the future",
    DkimReason.TOO_MANY_SIGNATURES: "not verified: too many signatures",
    DkimReason.FROM_NOT_SIGNED: "From not signed",
    DkimReason.KEY_TYPE_MISMATCH: "key type does not match a=",
    DkimReason.BODY_LENGTH_TOO_LARGE: "l= larger than the body",
    DkimReason.KEY_BAD_EXPONENT: "key exponent too large",
    DkimReason.TIME_BUDGET: "not verified: time budget spent",
    DkimReason.WORK_BUDGET: "not verified: work budget spent",
    DkimReason.HEADER_TOO_LARGE: "not verified: header too large",
}


@dataclass(frozen=True, slots=True)
class DkimResult:
    verdict: Verdict
    reason: DkimReason | None
    domain: str = ""
    selector: str = ""
    identity: str = ""
    algorithm: str = ""
    b_prefix: str = ""
    testing: bool = False
    tags: dict = field(default_factory=dict)
    key_answer: DnsAnswer | None = None
    key_type: str | None = None
    key_bits: int | None = None
    body_hash_expected: str | None = None
    body_hash_computed: str | None = None
    unsigned_body_bytes: int = 0
    signed_headers: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()
    comment: str = ""
    # where this DKIM-Signature is in message.headers, and the parsed key record the steps describe: for diagnose
    # and the walkthrough (not in the JSON, which stays as it was)
    header_index: int | None = field(default=None, compare=False)
    key_record: KeyRecord | None = field(default=None, compare=False)

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASS

    def to_json(self) -> dict:
        return {
            "result": self.verdict.value,  # the RFC 8601 word, named as in the SPF and DMARC objects
            "reason": self.reason.value if self.reason else None,
            "domain": self.domain,
            "selector": self.selector,
            "identity": self.identity,
            "algorithm": self.algorithm,
            "b_prefix": self.b_prefix,
            "testing": self.testing,
            "tags": dict(self.tags),
            "key_answer": self.key_answer.to_json() if self.key_answer else None,
            "key_type": self.key_type,
            "key_bits": self.key_bits,
            "body_hash_expected": self.body_hash_expected,
            "body_hash_computed": self.body_hash_computed,
            "unsigned_body_bytes": self.unsigned_body_bytes,
            "signed_headers": list(self.signed_headers),
            "steps": [step.to_json() for step in self.steps],
            "comment": self.comment,
        }


@dataclass(slots=True)
class DkimState:
    """What one signature's checks have learnt so far (becomes the frozen DkimResult)."""

    tags: dict[str, str] = field(default_factory=dict)
    domain: str = ""
    selector: str = ""
    identity: str = ""
    algorithm: str = ""
    b_prefix: str = ""
    testing: bool = False
    key_answer: DnsAnswer | None = None
    key_type: str | None = None
    key_bits: int | None = None
    body_hash_expected: str | None = None
    body_hash_computed: str | None = None
    unsigned_body_bytes: int = 0
    signed_headers: tuple[str, ...] = ()
    steps: list[Step] = field(default_factory=list)
    header_index: int | None = None
    key_record: KeyRecord | None = None

    def result(self, verdict: Verdict, reason: DkimReason | None, detail: str) -> DkimResult:
        comment = COMMENTS.get(reason, "") if reason else ""
        if reason and not comment:
            comment = reason.value.lower().replace("_", " ")
        if self.testing:
            comment = f"{comment}; testing" if comment else "testing"
        if verdict is Verdict.PASS and self.unsigned_body_bytes:
            comment = f"{self.unsigned_body_bytes} unsigned body bytes after l="
            if self.testing:
                comment += "; testing"
        # every field of DkimResult, in its order (tests/dkim/test_result.py checks this against the constructor)
        values = (
            verdict,
            reason,
            self.domain,
            self.selector,
            self.identity,
            self.algorithm,
            self.b_prefix,
            self.testing,
            self.tags,
            self.key_answer,
            self.key_type,
            self.key_bits,
            self.body_hash_expected,
            self.body_hash_computed,
            self.unsigned_body_bytes,
            self.signed_headers,
            tuple(self.steps),
            comment,
            self.header_index,
            self.key_record,
        )
        result = _NEW_RESULT(DkimResult)
        for set_field, value in zip(_RESULT_SETTERS, values, strict=True):
            set_field(result, value)
        return result


# One result per signature: the frozen dataclass's __init__ sets each of its 20 fields through object.__setattr__;
# the slot descriptors set them in about half the time (the same trick as toolkit.core.message.HeaderField).
_NEW_RESULT = object.__new__
_RESULT_SETTERS = tuple(DkimResult.__dict__[f.name].__set__ for f in fields(DkimResult))

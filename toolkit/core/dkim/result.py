"""The result of checking one DKIM-Signature (DKIM-37, DKIM-38): verdict, stable reason, evidence, A-R comment."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    """What one signature's checks have learnt so far; result() turns it into the frozen DkimResult in place.

    Its fields are DkimResult's, in the same order (tests/dkim/test_result.py checks it), so the two classes have
    the same slots and CPython lets result() switch the object's class: one result per signature is then built
    without 20 slot stores and a second object (issue 14).
    """

    verdict: Verdict | None = None  # set by result()
    reason: DkimReason | None = None
    domain: str = ""
    selector: str = ""
    identity: str = ""
    algorithm: str = ""
    b_prefix: str = ""
    testing: bool = False
    tags: dict[str, str] = field(default_factory=dict)
    key_answer: DnsAnswer | None = None
    key_type: str | None = None
    key_bits: int | None = None
    body_hash_expected: str | None = None
    body_hash_computed: str | None = None
    unsigned_body_bytes: int = 0
    signed_headers: tuple[str, ...] = ()
    steps: list[Step] = field(default_factory=list)  # a tuple once result() ran
    comment: str = ""
    header_index: int | None = None
    key_record: KeyRecord | None = None

    def result(self, verdict: Verdict, reason: DkimReason | None, detail: str) -> DkimResult:
        """The finished result: this object, now a DkimResult (use the state no more)."""
        comment = COMMENTS.get(reason, "") if reason else ""
        if reason and not comment:
            comment = reason.value.lower().replace("_", " ")
        if self.testing:
            comment = f"{comment}; testing" if comment else "testing"
        if verdict is Verdict.PASS and self.unsigned_body_bytes:
            comment = f"{self.unsigned_body_bytes} unsigned body bytes after l="
            if self.testing:
                comment += "; testing"
        self.verdict = verdict
        self.reason = reason
        self.comment = comment
        self.steps = tuple(self.steps)  # type: ignore[assignment]
        self.__class__ = DkimResult  # type: ignore[assignment]  # same slots, so CPython allows it
        return self  # type: ignore[return-value]

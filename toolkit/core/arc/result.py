"""The result of validating an ARC chain (RFC 8617 §5.2; STANDARDS ARC-3, ARC-5): verdict, reason, evidence.

`ArcResult.verdict` is the RFC 8601 word for `arc=` (pass, fail or none). Every non-pass carries a stable
ArcReason; each instance says what its AMS and AS checks found ("pass", "fail" or "not_checked", with the
signature engine's reason code), so a reader can see which hop broke the chain.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from toolkit.core.results import Step, Verdict

MAX_INSTANCES = 50  # ARC-2, RFC 8617 §4.2.1


class ArcReason(enum.StrEnum):
    """Stable reason codes for a chain that does not pass (one case across protocols: UPPER_SNAKE)."""

    NO_CHAIN = "NO_CHAIN"  # verdict none (ARC-3 step 1)
    HEADER_TOO_LARGE = "HEADER_TOO_LARGE"  # the header block was cut at its size limit: sets may be missing
    TOO_MANY_INSTANCES = "TOO_MANY_INSTANCES"  # i= above 50, or more ARC fields than 50 sets hold (ARC-2)
    FIELD_SYNTAX = "FIELD_SYNTAX"  # an ARC field whose tag-list or AAR prefix does not parse (ARC-1)
    BAD_INSTANCE = "BAD_INSTANCE"  # i= missing, empty, zero or not a number (ARC-1)
    DUPLICATE_INSTANCE = "DUPLICATE_INSTANCE"  # two fields of one kind share an i= (ARC-2)
    MISSING_FIELD = "MISSING_FIELD"  # an instance without its AAR, AMS or AS (ARC-2)
    INSTANCE_GAP = "INSTANCE_GAP"  # instances do not run 1..N (ARC-2)
    BAD_CV = "BAD_CV"  # cv= missing or not none/pass/fail (ARC-1)
    CV_SEQUENCE = "CV_SEQUENCE"  # cv=none after i=1, or not none at i=1 (ARC-2)
    CHAIN_FAILED = "CHAIN_FAILED"  # an AS says cv=fail: an earlier hop saw a broken chain (ARC-2, ARC-3 step 2)
    AMS_FAILED = "AMS_FAILED"  # the newest AMS does not verify (ARC-3 step 3)
    SEAL_FAILED = "SEAL_FAILED"  # an AS does not verify over its prefix of the chain (ARC-3 step 4)
    TEMPERROR = "TEMPERROR"  # a key lookup failed temporarily: no conclusion either way [ours]


class CheckStatus(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """One AMS or AS check: its status, the engine's reason code (DkimReason values) and what it saw."""

    status: CheckStatus = CheckStatus.NOT_CHECKED
    reason: str | None = None
    detail: str = ""
    temporary: bool = False  # a DNS failure, not a bad signature

    @property
    def passed(self) -> bool:
        return self.status is CheckStatus.PASS

    def to_json(self) -> dict:
        return {"result": self.status.value, "reason": self.reason, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class ArcInstance:
    """What one ARC set says: who sealed it (d=, s=, a=), the cv= it recorded, and its AAR."""

    i: int
    domain: str = ""
    selector: str = ""
    algorithm: str = ""
    cv: str = ""
    authserv_id: str = ""
    aar: str = ""  # the AAR's results after `i=N; authserv-id;`, unfolded
    ams: SignatureCheck = field(default_factory=SignatureCheck)
    seal: SignatureCheck = field(default_factory=SignatureCheck)

    def to_json(self) -> dict:
        return {
            "i": self.i,
            "d": self.domain,
            "s": self.selector,
            "a": self.algorithm,
            "cv": self.cv,
            "ams": self.ams.to_json(),
            "as": self.seal.to_json(),
            "authserv_id": self.authserv_id,
            "aar": self.aar,
        }


@dataclass(frozen=True, slots=True)
class ArcResult:
    verdict: Verdict
    reason: ArcReason | None
    detail: str = ""
    oldest_pass: int | None = None  # the lowest instance whose AMS still verifies (ARC-3)
    instances: tuple[ArcInstance, ...] = ()
    steps: tuple[Step, ...] = ()

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASS

    @property
    def newest(self) -> ArcInstance | None:
        return self.instances[-1] if self.instances else None

    @property
    def comment(self) -> str:
        if self.reason is None or self.reason is ArcReason.NO_CHAIN:
            return ""
        return self.reason.value.lower().replace("_", " ")

    def ar_entry(self, remote_ip: str | None = None) -> tuple[str, str, str | None, list[tuple[str, str, str]]]:
        """ARC-5: `arc=<r> header.oldest-pass=<i> smtp.remote-ip=<ip>` as an arheader Entry."""
        props = []
        if self.passed and self.oldest_pass is not None:
            props.append(("header", "oldest-pass", str(self.oldest_pass)))
        if remote_ip:
            props.append(("smtp", "remote-ip", remote_ip))
        return ("arc", self.verdict.value, self.comment or None, props)

    def to_json(self) -> dict:
        return {
            "result": self.verdict.value,
            "reason": self.reason.value if self.reason else None,
            "detail": self.detail,
            "oldest_pass": self.oldest_pass,
            "instances": [instance.to_json() for instance in self.instances],
            "steps": [step.to_json() for step in self.steps],
        }

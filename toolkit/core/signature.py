"""One signature engine for DKIM-Signature, ARC-Message-Signature and ARC-Seal (RFC 6376, RFC 8617, RFC 8463).

What every signature of this family needs, whatever the header kind:
- a tag table: which tags each kind requires and forbids (`TAG_RULES`, `tag_problem`);
- the key record at <s>._domainkey.<d>, looked up and judged with the same evidence for every kind (`KeyLookup`),
  through one message's bounded DNS budget (`KeyAnswers`);
- the public-key check over a canonicalized header set (`signature_ok`; the set itself comes from
  toolkit.core.dkim.common.header_hash_input), signing bytes (`sign_bytes`) and folding a tag list (`fold`).
Each protocol keeps its own rules (DKIM its v=, identity, l=, t=/x= and From; ARC its instances and chain), and a
DKIM2 verifier would add its kinds to the table and use the same pieces. Reasons are DkimReason values (plain
strings here, so this module needs nothing from the dkim package, which imports it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from toolkit.core import ed25519
from toolkit.core.dns import DnsAnswer, DnsStatus, Resolver
from toolkit.core.results import Step, Verdict

ALGORITHMS = {"rsa-sha256": "rsa", "ed25519-sha256": "ed25519"}  # a= -> key type (DKIM-5)
DKIM_SIGNATURE = "dkim-signature"
ARC_MESSAGE_SIGNATURE = "arc-message-signature"
ARC_SEAL = "arc-seal"
LINE_WIDTH = 78  # DKIM-32: fold new fields to stay under this
_KEY_SIZE_REASONS = ("KEY_TOO_SHORT", "KEY_TOO_LONG", "KEY_BAD_EXPONENT")  # DKIM-16, not DKIM-15


# --- the tag table ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TagRule:
    """Tags one header kind requires and forbids; any other tag is allowed (unknown tags are ignored, DKIM-2)."""

    required: tuple[str, ...]
    forbidden: tuple[str, ...] = ()


TAG_RULES = {
    DKIM_SIGNATURE: TagRule(required=("v", "a", "b", "bh", "d", "h", "s")),  # DKIM-4
    # RFC 8617 §4.1.2: a DKIM-Signature without v=, whose i= is the instance (ARC-1)
    ARC_MESSAGE_SIGNATURE: TagRule(required=("i", "a", "b", "bh", "d", "h", "s")),
    # RFC 8617 §4.1.3: no h= (its presence is a failure), always relaxed (ARC-1)
    ARC_SEAL: TagRule(required=("i", "a", "b", "cv", "d", "s"), forbidden=("h",)),
}


def tag_problem(kind: str, tags: dict[str, str]) -> tuple[str, str] | None:
    """(reason, detail) when `tags` lack a required tag or carry a forbidden one for this header kind."""
    rule = TAG_RULES[kind]
    missing = [tag for tag in rule.required if tag not in tags]
    if missing:
        return "MISSING_TAG", "missing " + ", ".join(missing)
    present = [tag for tag in rule.forbidden if tag in tags]
    if present:
        return "FORBIDDEN_TAG", f"{', '.join(present)}= is not allowed in {kind}"
    return None


class Stop(Exception):
    """Ends the checks of one signature with a verdict (control flow inside a verifier, never escapes it)."""

    def __init__(self, verdict: Verdict, reason: str, rule: str, what: str, detail: str = "") -> None:
        super().__init__(detail)
        self.verdict = verdict
        self.reason = reason
        self.rule = rule
        self.what = what
        self.detail = detail


def perm(reason: str, rule: str, what: str, detail: str = "") -> Stop:
    return Stop(Verdict.PERMERROR, reason, rule, what, detail)


# --- keys ------------------------------------------------------------------------------------------------------


class KeyAnswers:
    """One message's key lookups: each name asked once, failed lookups capped, time bounded when given a clock.

    `label` names the protocol in the evidence ("DKIM time budget of 5 s per message spent before ...").
    """

    __slots__ = ("resolver", "lookup_failures", "seconds", "clock", "label", "deadline", "failed", "_answers")

    def __init__(
        self,
        resolver: Resolver,
        lookup_failures: int,
        seconds: float,
        clock: Callable[[], float] | None,
        label: str = "DKIM",
    ) -> None:
        self.resolver = resolver
        self.lookup_failures = lookup_failures
        self.seconds = seconds
        self.clock = clock
        self.label = label
        self.deadline = clock() + seconds if clock is not None else 0.0
        self.failed = 0
        self._answers: dict[str, DnsAnswer] = {}

    def spend_time(self, before: str) -> None:
        """Temperror once the time budget is spent (like SPF-14): the verdict may differ next time."""
        if self.clock is not None and self.clock() > self.deadline:
            detail = f"{self.label} time budget of {self.seconds:g} s per message spent before {before}"
            raise Stop(Verdict.TEMPERROR, "TIME_BUDGET", "DKIM-13", "time budget", detail)

    def lookup(self, name: str) -> DnsAnswer:
        if name not in self._answers:
            if self.failed >= self.lookup_failures:
                detail = f"{self.failed} key lookups of this message failed; {name} was not asked"
                raise Stop(Verdict.TEMPERROR, "TIME_BUDGET", "DKIM-14", "key lookup", detail)
            if self.clock is not None:  # (the evidence string is built only when a clock can stop the lookup)
                self.spend_time(f"the lookup of {name}")
            answer = self.resolver.query(name, "TXT")
            self._answers[name] = answer
            if answer.status is DnsStatus.TEMPFAIL:
                self.failed += 1
        return self._answers[name]


@dataclass(slots=True)
class KeyLookup:
    """The key records for one signature (DKIM-14..16), judged the same way for every header kind.

    `run()` keeps the DNS answer in `answer` as soon as there is one (also when it then raises Stop), appends its
    steps, and returns the usable, live records; `record` is the first, the one the steps describe (the others are
    tried for the signature too, DKIM-14 [ours]).
    """

    selector: str
    domain: str
    algorithm: str
    answer: DnsAnswer | None = None
    record: Any = None
    steps: list[Step] = field(default_factory=list)

    def run(self, lookup: Callable[[str], DnsAnswer], max_records: int) -> list:
        name = f"{self.selector.lower()}._domainkey.{self.domain}"
        if len(name) > 253:  # not a DNS name: never hand it to a resolver
            raise perm("BAD_SELECTOR", "DKIM-7", "key name", f"{name[:60]}... is longer than 253 octets")
        answer = self.answer = lookup(name)
        if answer.status is DnsStatus.TEMPFAIL:
            raise Stop(Verdict.TEMPERROR, "KEY_DNS_TEMPFAIL", "DKIM-14", "key lookup", f"{name}: {answer.detail}")
        if answer.status is not DnsStatus.OK:
            raise perm("KEY_NOT_FOUND", "DKIM-14", "key lookup", f"{name}: {answer.status.value}")
        # the same answer object (a resolver's cache) judged for the same name and algorithm before: its outcome
        judged = _JUDGED.get(id(answer))
        if judged is not None and judged[0] is answer and judged[1] == (name, self.algorithm, max_records):
            self.record = judged[2][0]
            self.steps.extend(judged[3])
            return list(judged[2])
        before = len(self.steps)
        live = self._judge(name, answer, max_records)
        if len(_JUDGED) >= _JUDGED_MAX:
            _JUDGED.clear()
        _JUDGED[id(answer)] = (answer, (name, self.algorithm, max_records), tuple(live), tuple(self.steps[before:]))
        return live

    def _judge(self, name: str, answer: DnsAnswer, max_records: int) -> list:
        # DKIM-14 [ours]: several TXT records, use the first that parses as a usable key; at most a few key records
        # (records that are not DKIM keys, like v=spf1, do not count): each one costs a key parse and a check
        errors: list = []  # KeyRecordError
        records: list = []
        texts = answer.txt_joined()
        for position, text in enumerate(texts):
            if len(records) + sum(not e.discard for e in errors) >= max_records:
                detail = f"{len(texts)} TXT records at {name}; {len(texts) - position} not tried past the first "
                detail += f"{max_records} key records"
                self.steps.append(Step("DKIM-14", "key records", None, detail))
                break
            try:
                records.append(parse_key_cached(text))
            except _key_record_error() as exc:
                errors.append(exc)
        if not records:
            # prefer a real problem over "not a DKIM record" when both occur
            worst = next((e for e in errors if not e.discard), errors[0] if errors else None)
            if worst is None:
                raise perm("KEY_NOT_FOUND", "DKIM-14", "key lookup", f"{name}: no TXT strings")
            rule = "DKIM-16" if worst.reason.value in _KEY_SIZE_REASONS else "DKIM-15"
            raise perm(worst.reason.value, rule, "key record", str(worst))
        wanted = ALGORITHMS[self.algorithm]
        usable = [r for r in records if r.key_type == wanted]
        if not usable:
            detail = f"k={records[0].key_type} but a={self.algorithm}"
            raise perm("KEY_TYPE_MISMATCH", "DKIM-15", "key type", detail)
        live = [r for r in usable if not r.revoked]
        if not live:
            raise perm("KEY_REVOKED", "DKIM-15", "key record", "p= is empty: the key is revoked")
        record = self.record = live[0]
        detail = f"{record.key_type} {record.key_bits} bits from {name}" + (" (testing)" if record.testing else "")
        self.steps.append(Step("DKIM-15", "key record", True, detail))
        return live


# id(answer) -> (answer, (name, algorithm, max_records), live records, steps) of run()s that returned. The entry
# holds the answer, so its id is not reused while it is here; records and steps are frozen, so results share them.
_JUDGED: dict[int, tuple[DnsAnswer, tuple[str, str, int], tuple, tuple[Step, ...]]] = {}
_JUDGED_MAX = 256


@lru_cache(maxsize=1)
def _key_record_error() -> type[Exception]:
    """KeyRecordError, imported once (the dkim package imports this module; an import statement in run() cost
    about 1 us per signature)."""
    from toolkit.core.dkim.keyrecord import KeyRecordError

    return KeyRecordError


@lru_cache(maxsize=1024)
def parse_key_cached(text: bytes) -> Any:
    """Parsing a key record (base64, DER) costs more than an RSA verify; records repeat, and KeyRecord is frozen."""
    from toolkit.core.dkim.keyrecord import parse_key_record

    return parse_key_record(text)


# --- public-key operations and layout --------------------------------------------------------------------------


def signature_ok(algorithm: str, public_key: Any, signature: bytes, data: bytes) -> bool:
    """DKIM-21: RSASSA-PKCS1-v1_5/SHA-256 over the input, or Ed25519 over SHA-256(input) (RFC 8463)."""
    try:
        if algorithm == "rsa-sha256":
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return ed25519.verify(public_key, signature, hashlib.sha256(data).digest())  # libsodium first (issue 14)
    except (InvalidSignature, ValueError):
        return False
    return True


def first_verifying(algorithm: str, records: Iterable, signature: bytes, data: bytes) -> Any:
    """The first key record whose key verifies `signature` over `data`, or None."""
    return next((r for r in records if signature_ok(algorithm, r.public_key, signature, data)), None)


def sign_bytes(algorithm: str, private_key: Any, data: bytes) -> bytes:
    if algorithm == "rsa-sha256":
        return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return private_key.sign(hashlib.sha256(data).digest())  # RFC 8463: Ed25519 over SHA-256(input)


def fold(head: str, tokens: Sequence[tuple[str, str]], alone: Callable[[str], bool] | None = None) -> str:
    """`head` then each (token, glue), breaking the line (CRLF TAB) before a token that would end past LINE_WIDTH
    (DKIM-32). A token for which `alone` is true gets a line of its own."""
    out = head
    column = len(head)
    after_alone = False
    for token, glue in tokens:
        this_alone = alone is not None and alone(token)
        if column + len(glue) + len(token) > LINE_WIDTH or this_alone or after_alone:
            out += "\r\n\t" + token
            column = 1 + len(token)
        else:
            out += glue + token
            column += len(glue) + len(token)
        after_alone = this_alone
    return out

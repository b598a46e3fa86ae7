"""DKIM verification (RFC 6376 §6, RFC 8301, RFC 8463; STANDARDS DKIM-1..22, 37, 38).

`verify(message, resolver, now)` checks every DKIM-Signature on its own (DKIM-13) and returns one DkimResult
each, in header order; an unsigned message gives one result with verdict none. Every non-pass carries a stable
DkimReason, and `steps` show what was checked against which rule.

One message gets a bounded amount of work ([ours], issue 15: 55 keys with huge exponents and 10 signatures cost
5.7 s per message; 11 key lookups that time out cost 11 s). `DkimBudget` caps the key records tried per selector,
the signature checks and distinct body hashes per message (past them: policy, WORK_BUDGET), the key lookups that
may fail (past them: temperror, TIME_BUDGET, without asking DNS again) and, given a clock, the time (temperror).
"""

from __future__ import annotations

import binascii
import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from toolkit.core.canon import BodyHash, CanonError, body_hash, parse_canon
from toolkit.core.dkim.common import (
    ALGORITHMS,
    REQUIRED_TAGS,
    SIGNATURE_FIELD,
    DkimReason,
    header_hash_input,
    index_headers,
    is_digits,
    remove_b_value,
    select_headers,
    split_header_list,
    valid_domain,
    valid_header_names,
    valid_selector,
)
from toolkit.core.dkim.keyrecord import KeyRecord
from toolkit.core.dkim.result import COMMENTS, DkimResult, DkimState
from toolkit.core.dns import Resolver
from toolkit.core.message import HeaderField, Message, parse_message
from toolkit.core.results import Step, Verdict
from toolkit.core.signature import KeyAnswers, KeyLookup, Stop, perm, signature_ok
from toolkit.core.tags import TagListError, parse_tag_dict, parse_tag_list, strip_fws

DEFAULT_MAX_SIGNATURES = 10  # DKIM-13 [ours]
DEFAULT_SKEW = 300  # DKIM-11 [ours]
_REQUIRED_TAG_SET = frozenset(REQUIRED_TAGS)
_REQUIRED_TAGS_PRESENT = Step("DKIM-4", "required tags", True, "v a b bh d h s present, v=1")  # frozen: shared


@dataclass(frozen=True, slots=True)
class DkimBudget:
    """What one message may cost ([ours]); the defaults leave every honest message far inside."""

    key_records: int = 3  # TXT records tried per selector (DKIM-14 [ours] "try each": at most this many)
    signature_checks: int = 20  # public-key operations per message (10 signatures x 2 keys)
    body_hashes: int = 4  # distinct (canonicalization, l=) body hashes per message
    lookup_failures: int = 3  # key lookups that fail (timeout, SERVFAIL) before the rest are not asked
    seconds: float = 5.0  # wall time per message, checked before each lookup and each expensive step (needs clock)


DEFAULT_BUDGET = DkimBudget()


def verify(
    message: Message | bytes,
    resolver: Resolver,
    now: int,
    *,
    max_signatures: int = DEFAULT_MAX_SIGNATURES,
    skew: int = DEFAULT_SKEW,
    is_public_suffix: Callable[[str], bool] | None = None,
    budget: DkimBudget = DEFAULT_BUDGET,
    clock: Callable[[], float] | None = None,
) -> tuple[DkimResult, ...]:
    """One DkimResult per DKIM-Signature, in header order (an unsigned message: one result, verdict none).

    `now` is Unix seconds; `skew` the allowance for t=/x= (DKIM-11); signatures past `max_signatures` are
    reported as POLICY/TOO_MANY_SIGNATURES without a lookup (DKIM-13). `is_public_suffix`, when given, makes
    a d= that is a bare public suffix a permerror (DKIM-7, optional). `budget` bounds the work; `clock` (seconds,
    e.g. time.monotonic; the core reads no clock itself) enables its time limit. Never raises for message or DNS
    content.
    """
    if not isinstance(message, Message):
        message = parse_message(bytes(message))
    if message.header_truncated:  # h= may name fields that were not read: nothing can be verified
        step = Step("DKIM-13", "header size", False, message.defects[-1] if message.defects else "too large")
        comment = COMMENTS[DkimReason.HEADER_TOO_LARGE]
        return (DkimResult(Verdict.POLICY, DkimReason.HEADER_TOO_LARGE, steps=(step,), comment=comment),)
    headers = message.headers
    positions = [i for i, h in enumerate(headers) if h.lname == SIGNATURE_FIELD]
    if not positions:
        step = Step("DKIM-37", "DKIM-Signature fields", None, "the message has no DKIM-Signature")
        return (DkimResult(Verdict.NONE, DkimReason.NO_SIGNATURE, steps=(step,), comment="no signature"),)
    context = _Context(message, resolver, now, skew, is_public_suffix, positions, budget, clock)
    if len(positions) == 1 and max_signatures > 0:  # the usual message: nothing to order, nothing over the limit
        return (context.verify_one(positions[0], headers[positions[0]]),)
    signatures = [(i, headers[i]) for i in positions]
    results: list[DkimResult | None] = [None] * len(signatures)
    for count, k in enumerate(_by_priority(message, signatures)):
        index, sig_field = signatures[k]
        if count >= max_signatures:
            results[k] = _skipped(sig_field, max_signatures)
        else:
            results[k] = context.verify_one(index, sig_field)
    return tuple(results)  # type: ignore[arg-type]  # no None left: _by_priority gives every signature its turn


_FROM_DOMAIN = re.compile(r"@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_D_TAG = re.compile(rb"(?:^|;)[ \t\r\n]*d[ \t\r\n]*=[ \t\r\n]*([A-Za-z0-9.-]+)")


def _by_priority(message: Message, signatures: list[tuple[int, HeaderField]]) -> list[int]:
    """The order in which the signatures get the signature limit and the budget ([ours]): those whose d= is
    related to a From domain first, then the others, each group in header order. Junk signatures put on top
    by a sender must not spend the budget of the one DMARC will look at. Results stay in header order."""
    if len(signatures) == 1:
        return [0]
    from_field = message.get_first("from")
    authors = {d.lower() for d in _FROM_DOMAIN.findall(from_field.unfolded())} if from_field else set()

    def related(sig_field: HeaderField) -> bool:
        found = _D_TAG.search(sig_field.value)
        d = found.group(1).decode("ascii", "replace").lower() if found else ""
        return bool(d) and any(a == d or a.endswith("." + d) or d.endswith("." + a) for a in authors)

    return sorted(range(len(signatures)), key=lambda k: not related(signatures[k][1]))


def _skipped(sig_field: HeaderField, limit: int) -> DkimResult:
    tags: dict[str, str] = {}
    with contextlib.suppress(TagListError):
        tags = parse_tag_list(sig_field.value, allow_duplicates=True).as_dict()
    step = Step("DKIM-13", "signature limit", False, f"only the first {limit} signatures are verified")
    return DkimResult(
        Verdict.POLICY,
        DkimReason.TOO_MANY_SIGNATURES,
        domain=tags.get("d", "").lower(),
        selector=tags.get("s", ""),
        algorithm=tags.get("a", ""),
        b_prefix=strip_fws(tags.get("b", ""))[:12],
        tags=tags,
        steps=(step,),
        comment=COMMENTS[DkimReason.TOO_MANY_SIGNATURES],
    )


@lru_cache(maxsize=256)
def _header_list(value: str) -> tuple[tuple[str, ...], bool]:
    """h= -> (lowercase names, all of them valid) (DKIM-9). A signer's h= repeats from message to message; the
    caller keeps only values of a usual size, so a sender's huge h= cannot fill memory."""
    names = split_header_list(value)
    return tuple(names), valid_header_names(names)


# The pass steps whose details depend only on a=, c= and the number of fields: frozen, so results share them (a= and
# c= are known values by then; the field counts kept are bounded).
@lru_cache(maxsize=16)
def _tags_step(algorithm: str, head_canon: str, body_canon: str) -> Step:
    return Step("DKIM-5..12", "signature tags", True, f"a={algorithm} c={head_canon}/{body_canon}")


@lru_cache(maxsize=256)
def _signature_step(algorithm: str, fields: int, head_canon: str) -> Step:
    return Step("DKIM-21", "signature", True, f"{algorithm} over {fields} header fields ({head_canon})")


def _timestamp(value: str | None, tag: str) -> int | None:
    """t= or x= as an int, None when absent (DKIM-11)."""
    if value is None:
        return None
    if not is_digits(value, 40):
        raise perm(DkimReason.BAD_TIMESTAMP, "DKIM-11", f"{tag}= syntax", f"{tag}={value[:40]!r}")
    return int(value)


def _without_b(raw: bytes) -> bytes:
    """remove_b_value(raw) for a DKIM-Signature whose tags parsed with one b= (DKIM-2, DKIM-20).

    Signers put b= last: then it is the tag-spec after the field's last ';', found with one byte search instead of
    the regex (which costs about twice as much, and brings the regex engine into every verify); any other layout
    goes to remove_b_value. (The tag-list parse and the regex cut tag-specs at the same ';' and strip the same FWS
    around the name, so with one b tag both find the same one.)
    """
    semi = raw.rfind(b";")
    if semi >= 0:
        name, eq, _ = raw[semi + 1 :].partition(b"=")
        if eq and name.strip(b" \t\r\n") == b"b":
            return raw[: semi + len(name) + 2] + (b"\r\n" if raw.endswith(b"\r\n") else b"")
    return remove_b_value(raw)


def _b64(value: str, tag: str) -> bytes:
    """Decode a tag value whose FWS the caller already removed (DKIM-3): what base64.b64decode(value,
    validate=True) does on Python 3.11+, without its two Python-level calls."""
    try:
        return binascii.a2b_base64(value, strict_mode=True)  # takes an ASCII str; any other: ValueError
    except (binascii.Error, ValueError):
        raise perm(DkimReason.BAD_BASE64, "DKIM-3", f"{tag}= base64", f"{tag}= is not valid base64") from None


class _Context:
    """Per-message state shared by its signatures: header index, body hashes, key answers."""

    __slots__ = (
        "is_public_suffix",
        "signature_positions",
        "message",
        "resolver",
        "now",
        "skew",
        "_body_hashes",
        "_by_name",
        "_canonical_fields",
        "budget",
        "keys",
        "checks_done",
    )

    def __init__(
        self,
        message: Message,
        resolver: Resolver,
        now: int,
        skew: int,
        is_public_suffix: Callable[[str], bool] | None,
        signature_positions: list[int],
        budget: DkimBudget = DEFAULT_BUDGET,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.is_public_suffix = is_public_suffix
        self.signature_positions = signature_positions
        self.message = message
        self.resolver = resolver
        self.now = now
        self.skew = skew
        self._body_hashes: dict[tuple[str, int | None], BodyHash] = {}
        self._by_name: dict[str, list[HeaderField]] | None = None
        self._canonical_fields: dict[tuple[bytes, str], bytes] = {}  # shared by the signatures (DKIM-20)
        self.budget = budget
        self.keys = KeyAnswers(resolver, budget.lookup_failures, budget.seconds, clock)
        self.checks_done = 0

    def spend_check(self) -> None:
        """Policy once the message's signature checks are spent: a hostile message asked for too much work."""
        self.checks_done += 1
        if self.checks_done > self.budget.signature_checks:
            detail = f"{self.budget.signature_checks} signature checks per message already done"
            raise Stop(Verdict.POLICY, DkimReason.WORK_BUDGET, "DKIM-13", "work budget", detail)
        self.keys.spend_time("a signature check")  # temperror once the time budget is spent (like SPF-14)

    def header_pool(self, index: int, names: list[str]) -> dict[str, list[HeaderField]]:
        """The fields h= may pick from (DKIM-20): all but the signature at `index`; the index is built once."""
        if self._by_name is None:
            self._by_name = index_headers(self.message.headers)
        if SIGNATURE_FIELD not in names:
            return self._by_name  # the signature itself cannot be picked
        headers = self.message.headers
        pool = dict(self._by_name)
        pool[SIGNATURE_FIELD] = [headers[i] for i in self.signature_positions if i != index]
        return pool

    def body_hash(self, method: str, limit: int | None) -> BodyHash:
        key = (method, limit)
        if key not in self._body_hashes:
            if len(self._body_hashes) >= self.budget.body_hashes:
                detail = f"{self.budget.body_hashes} different body hashes (c=, l=) per message already computed"
                raise Stop(Verdict.POLICY, DkimReason.WORK_BUDGET, "DKIM-13", "work budget", detail)
            self.keys.spend_time("the body hash")
            self._body_hashes[key] = body_hash(self.message.body, method, limit)
        return self._body_hashes[key]

    def verify_one(self, index: int, sig_field: HeaderField) -> DkimResult:
        state = DkimState(header_index=index)
        if self.message.line_endings.normalised:  # DKIM-22: say that we did it
            state.steps.append(Step("DKIM-22", "line endings", None, self.message.line_endings.describe()))
        try:
            self._check(index, sig_field, state)
        except Stop as stop:
            state.steps.append(Step(stop.rule, stop.what, False, stop.detail))
            return state.result(stop.verdict, DkimReason(stop.reason), stop.detail)
        return state.result(Verdict.PASS, None, "")

    def _check(self, index: int, sig_field: HeaderField, state: DkimState) -> None:
        head_canon, body_canon, limit, identity_domain, expected_bh, signature = self._check_tags(sig_field, state)
        steps = state.steps
        algorithm = state.algorithm
        # DKIM-14/15: key
        records = self._key(state)
        # DKIM-19: body hash
        bh = self.body_hash(body_canon, limit)
        if limit is not None:
            if limit > bh.canonical_length:
                raise perm(
                    DkimReason.BODY_LENGTH_TOO_LARGE,
                    "DKIM-10",
                    "l= within body",
                    f"l={limit} but the canonical body has {bh.canonical_length} octets",
                )
            state.unsigned_body_bytes = bh.canonical_length - limit
            if state.unsigned_body_bytes:
                steps.append(
                    Step("DKIM-10", "unsigned content", None, f"{state.unsigned_body_bytes} canonical octets after l=")
                )
        if bh.digest != expected_bh:
            state.body_hash_computed = binascii.b2a_base64(bh.digest, newline=False).decode()
            raise Stop(
                Verdict.FAIL,
                DkimReason.BODY_HASH_MISMATCH,
                "DKIM-19",
                "body hash",
                f"computed {state.body_hash_computed}, bh= says {state.body_hash_expected}",
            )
        state.body_hash_computed = state.body_hash_expected  # the same digest: the same base64
        steps.append(Step("DKIM-19", "body hash", True, f"{body_canon} body, {bh.hashed_length} octets hashed"))
        # DKIM-20/21: header hash and signature
        header_names = state.signed_headers
        selected = select_headers(self.header_pool(index, header_names), header_names)
        # several signatures often cover the same fields: canonicalize each once (one signature: no cache needed)
        shared = self._canonical_fields if len(self.signature_positions) > 1 else None
        data = header_hash_input(selected, _without_b(sig_field.raw), head_canon, shared)
        good = None
        for record in records:
            self.spend_check()
            if signature_ok(algorithm, record.public_key, signature, data):
                good = record
                break
        if good is None:
            raise Stop(
                Verdict.FAIL, DkimReason.SIGNATURE_MISMATCH, "DKIM-21", "signature", "b= does not verify over headers"
            )
        state.key_bits, state.testing = good.key_bits, good.testing
        if good.strict and identity_domain != state.domain:  # DKIM-8: t=s of the key that verified
            raise perm(
                DkimReason.IDENTITY_NOT_EXACT, "DKIM-8", "i= with key t=s", f"i= domain {identity_domain} is not d="
            )
        steps.append(_signature_step(algorithm, len(selected), head_canon))

    def _check_tags(self, sig_field: HeaderField, state: DkimState) -> tuple[str, str, int | None, str, bytes, bytes]:
        """DKIM-1..12 in the order of the rules (the first that fails is the one reported), filling `state`; returns
        what the later checks need: c= (header, body), l=, the domain of i=, and bh= and b= decoded."""
        # DKIM-1/2: tag-list, no duplicates
        raw = sig_field.raw
        colon = raw.find(b":")
        try:  # the value with its final CRLF (one copy fewer than .value): the tag-list parse strips it as FWS
            t, count = parse_tag_dict(raw[colon + 1 :] if colon >= 0 else b"")
        except TagListError as exc:
            raise perm(DkimReason.SIG_SYNTAX, "DKIM-1", "tag-list", str(exc)) from None
        state.tags = t
        if count != len(t):  # a name came twice
            names = parse_tag_list(sig_field.value, allow_duplicates=True).names()
            dup = next(n for n in names if names.count(n) > 1)
            raise perm(DkimReason.DUPLICATE_TAG, "DKIM-2", "duplicate tag", f"tag {dup!r} appears twice")
        state.domain = domain = t.get("d", "").strip().lower()
        state.selector = selector = t.get("s", "").strip()
        state.algorithm = algorithm = t.get("a", "").strip().lower()
        b_value = strip_fws(t.get("b", ""))
        state.b_prefix = b_value[:12]
        # DKIM-4: required tags, v=1
        if not t.keys() >= _REQUIRED_TAG_SET:
            missing = [tag for tag in REQUIRED_TAGS if tag not in t]
            raise perm(DkimReason.MISSING_TAG, "DKIM-4", "required tags", "missing " + ", ".join(missing))
        if t["v"] != "1":
            raise perm(DkimReason.BAD_VERSION, "DKIM-4", "version", f"v={t['v']!r}, expected 1")
        state.steps.append(_REQUIRED_TAGS_PRESENT)
        # DKIM-5: algorithm
        if algorithm == "rsa-sha1":
            raise perm(DkimReason.ALGORITHM_SHA1, "DKIM-5", "algorithm", "rsa-sha1 is not accepted (RFC 8301)")
        if algorithm not in ALGORITHMS:
            raise perm(DkimReason.UNKNOWN_ALGORITHM, "DKIM-5", "algorithm", f"unknown a={algorithm!r}")
        # DKIM-6: canonicalization
        try:
            head_canon, body_canon = parse_canon(t.get("c"))
        except CanonError as exc:
            raise perm(DkimReason.BAD_CANONICALIZATION, "DKIM-6", "canonicalization", str(exc)) from None
        # DKIM-7: d= and s=
        if not valid_domain(domain):
            raise perm(DkimReason.BAD_DOMAIN, "DKIM-7", "d= syntax", f"d={domain!r} is not a domain name")
        if self.is_public_suffix is not None and self.is_public_suffix(domain):
            raise perm(DkimReason.PUBLIC_SUFFIX, "DKIM-7", "d= not a public suffix", f"d={domain} is one")
        if not valid_selector(selector.lower()):
            raise perm(DkimReason.BAD_SELECTOR, "DKIM-7", "s= syntax", f"s={selector!r} is not a selector")
        # DKIM-8: i= inside d=
        identity = t.get("i")
        if identity is None:
            state.identity = "@" + domain
            identity_domain = domain
        else:
            state.identity = identity = identity.strip()
            _, at, identity_domain = identity.rpartition("@")
            identity_domain = identity_domain.lower()
            if not at or not (identity_domain == domain or identity_domain.endswith("." + domain)):
                raise perm(DkimReason.IDENTITY_OUTSIDE_DOMAIN, "DKIM-8", "i= within d=", f"i={identity!r} is not in d=")
        # DKIM-9: h=
        h_value = t["h"]
        header_names, valid = _header_list(h_value) if len(h_value) <= 2048 else _header_list.__wrapped__(h_value)
        if not valid:
            raise perm(DkimReason.BAD_HEADER_LIST, "DKIM-9", "h= syntax", f"h={h_value[:80]!r}")
        state.signed_headers = header_names
        if "from" not in header_names:
            raise perm(DkimReason.FROM_NOT_SIGNED, "DKIM-9", "h= includes from", "from is not in h=")
        # DKIM-10: l=
        limit = t.get("l")
        if limit is not None:
            if not is_digits(limit, 76):
                raise perm(DkimReason.BAD_BODY_LENGTH, "DKIM-10", "l= syntax", f"l={limit[:80]!r}")
            limit = int(limit)
        self._check_times(_timestamp(t.get("t"), "t"), _timestamp(t.get("x"), "x"))
        # DKIM-12: q=
        query = t.get("q")
        if query is not None and "dns/txt" not in split_header_list(query):
            raise perm(DkimReason.BAD_QUERY_METHOD, "DKIM-12", "query method", f"q={query!r}")
        expected_bh = _b64(strip_fws(t["bh"]), "bh")
        signature = _b64(b_value, "b")
        state.body_hash_expected = binascii.b2a_base64(expected_bh, newline=False).decode()  # = b64encode
        state.steps.append(_tags_step(algorithm, head_canon, body_canon))
        return head_canon, body_canon, limit, identity_domain, expected_bh, signature

    def _check_times(self, signed_at: int | None, expires: int | None) -> None:
        """DKIM-11: t= and x= with skew."""
        if signed_at is not None and expires is not None and expires <= signed_at:
            detail = f"x={expires} <= t={signed_at}"
            raise perm(DkimReason.EXPIRE_NOT_AFTER_TIMESTAMP, "DKIM-11", "x= after t=", detail)
        if expires is not None and expires + self.skew < self.now:
            raise perm(DkimReason.EXPIRED, "DKIM-11", "expiry", f"expired at {expires}, now {self.now}")
        if signed_at is not None and signed_at - self.skew > self.now:
            raise perm(DkimReason.FUTURE_TIMESTAMP, "DKIM-11", "timestamp", f"t={signed_at} is after now {self.now}")

    def _key(self, state: DkimState) -> list[KeyRecord]:
        # the lookup appends its steps to the signature's own (also when it raises Stop)
        found = KeyLookup(state.selector, state.domain, state.algorithm, steps=state.steps)
        try:
            live = found.run(self.keys.lookup, self.budget.key_records)
        finally:
            state.key_answer = found.answer
        record = state.key_record = found.record
        state.key_type, state.key_bits, state.testing = record.key_type, record.key_bits, record.testing
        return live

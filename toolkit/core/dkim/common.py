"""What DKIM signing and verifying share: reason codes, tag checks, header selection and the hash input.

Header hash input (DKIM-20): for each name in h=, the lowest (bottom-most) not yet used instance, canonicalized
and ending in CRLF; then the DKIM-Signature itself with the value of b= emptied and no final CRLF.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from toolkit.core.canon import RELAXED, canon_header, canon_header_simple, relaxed_header_input
from toolkit.core.message import HeaderField
from toolkit.core.signature import ALGORITHMS as ALGORITHMS  # re-exported: the engine shared with ARC
from toolkit.core.signature import DKIM_SIGNATURE, TAG_RULES

REQUIRED_TAGS = TAG_RULES[DKIM_SIGNATURE].required  # DKIM-4
SIGNATURE_FIELD = DKIM_SIGNATURE

# d= (DKIM-7): LDH labels, A-labels only. Selectors may hold dots; we also accept '_' seen in the wild.
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_SELECTOR = re.compile(r"^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$")
_HEADER_NAME = re.compile(r"^[!-9;-~]+$")  # RFC 5322 ftext
_FTEXT = re.compile(r"[!-9;-~]*")
# group 1: the value of a b= tag-spec, the first tag-spec (match at 0) or one after a ';'. Two patterns, not one
# with (?:^|;): a pattern that starts with a literal is searched for that byte, the alternation at every position
# (6x slower on a DKIM-Signature).
_B_FIRST = re.compile(rb"[ \t\r\n]*b[ \t\r\n]*=([^;]*)")
_B_LATER = re.compile(rb";[ \t\r\n]*b[ \t\r\n]*=([^;]*)")


class DkimReason(enum.StrEnum):
    """Stable reason codes, one per way a signature can end up not passing (DKIM-37)."""

    NO_SIGNATURE = "NO_SIGNATURE"  # verdict none
    SIG_SYNTAX = "SIG_SYNTAX"  # the tag-list does not parse (DKIM-1)
    DUPLICATE_TAG = "DUPLICATE_TAG"  # DKIM-2
    MISSING_TAG = "MISSING_TAG"  # DKIM-4
    BAD_VERSION = "BAD_VERSION"  # v= not 1 (DKIM-4)
    ALGORITHM_SHA1 = "ALGORITHM_SHA1"  # rsa-sha1 (DKIM-5, RFC 8301)
    UNKNOWN_ALGORITHM = "UNKNOWN_ALGORITHM"  # DKIM-5 [ours]
    BAD_CANONICALIZATION = "BAD_CANONICALIZATION"  # DKIM-6
    BAD_DOMAIN = "BAD_DOMAIN"  # d= syntax (DKIM-7)
    PUBLIC_SUFFIX = "PUBLIC_SUFFIX"  # d= is a bare public suffix, when the caller asks (DKIM-7)
    BAD_SELECTOR = "BAD_SELECTOR"  # s= syntax (DKIM-7)
    IDENTITY_OUTSIDE_DOMAIN = "IDENTITY_OUTSIDE_DOMAIN"  # i= not in d= (DKIM-8)
    IDENTITY_NOT_EXACT = "IDENTITY_NOT_EXACT"  # key t=s and i= domain != d= (DKIM-8)
    FROM_NOT_SIGNED = "FROM_NOT_SIGNED"  # h= without from (DKIM-9)
    BAD_HEADER_LIST = "BAD_HEADER_LIST"  # h= syntax (DKIM-9)
    BAD_BODY_LENGTH = "BAD_BODY_LENGTH"  # l= syntax (DKIM-10)
    BODY_LENGTH_TOO_LARGE = "BODY_LENGTH_TOO_LARGE"  # l= beyond the canonical body (DKIM-10 [ours])
    BAD_TIMESTAMP = "BAD_TIMESTAMP"  # t=/x= syntax (DKIM-11)
    EXPIRED = "EXPIRED"  # x= in the past beyond the skew (DKIM-11)
    FUTURE_TIMESTAMP = "FUTURE_TIMESTAMP"  # t= in the future beyond the skew (DKIM-11 [ours])
    EXPIRE_NOT_AFTER_TIMESTAMP = "EXPIRE_NOT_AFTER_TIMESTAMP"  # x <= t (DKIM-11)
    BAD_QUERY_METHOD = "BAD_QUERY_METHOD"  # q= without dns/txt (DKIM-12)
    BAD_BASE64 = "BAD_BASE64"  # b= or bh= not base64 (DKIM-3)
    KEY_DNS_TEMPFAIL = "KEY_DNS_TEMPFAIL"  # temperror (DKIM-14)
    KEY_NOT_FOUND = "KEY_NOT_FOUND"  # NXDOMAIN / NODATA (DKIM-14)
    KEY_SYNTAX = "KEY_SYNTAX"  # the key record itself (DKIM-15), same codes as KeyRecordReason
    KEY_VERSION = "KEY_VERSION"
    KEY_SERVICE = "KEY_SERVICE"
    KEY_MISSING_P = "KEY_MISSING_P"
    KEY_REVOKED = "KEY_REVOKED"
    KEY_UNKNOWN_TYPE = "KEY_UNKNOWN_TYPE"
    KEY_HASH_NOT_ALLOWED = "KEY_HASH_NOT_ALLOWED"
    KEY_BAD_BASE64 = "KEY_BAD_BASE64"
    KEY_BAD_DATA = "KEY_BAD_DATA"
    KEY_TOO_SHORT = "KEY_TOO_SHORT"  # DKIM-16
    KEY_TOO_LONG = "KEY_TOO_LONG"
    KEY_BAD_EXPONENT = "KEY_BAD_EXPONENT"  # RSA e over 2^32 [ours]
    KEY_TYPE_MISMATCH = "KEY_TYPE_MISMATCH"  # k= does not fit a= (DKIM-15)
    BODY_HASH_MISMATCH = "BODY_HASH_MISMATCH"  # fail (DKIM-19)
    SIGNATURE_MISMATCH = "SIGNATURE_MISMATCH"  # fail (DKIM-21)
    TOO_MANY_SIGNATURES = "TOO_MANY_SIGNATURES"  # beyond max_signatures, not verified (DKIM-13 [ours])
    TIME_BUDGET = "TIME_BUDGET"  # temperror: the message's DKIM time budget or key-lookup failures spent [ours]
    WORK_BUDGET = "WORK_BUDGET"  # policy: the message's budget of signature checks or body hashes spent [ours]
    HEADER_TOO_LARGE = "HEADER_TOO_LARGE"  # policy: the header block is over the parser's limit [ours]


def valid_domain(domain: str) -> bool:
    return _domain_ok(domain) if len(domain) <= _CACHED_NAME_MAX else bool(_DOMAIN.match(domain))


def valid_selector(selector: str) -> bool:
    return _selector_ok(selector) if len(selector) <= _CACHED_NAME_MAX else bool(_SELECTOR.match(selector))


# d= and s= repeat from message to message: their regex verdicts are kept (a hit costs a third of the match).
# Only names that could be valid are kept, so a sender's long junk cannot fill memory.
_CACHED_NAME_MAX = 255


@lru_cache(maxsize=1024)
def _domain_ok(domain: str) -> bool:
    return bool(_DOMAIN.match(domain))


@lru_cache(maxsize=1024)
def _selector_ok(selector: str) -> bool:
    return bool(_SELECTOR.match(selector))


def valid_header_name(name: str) -> bool:
    return bool(_HEADER_NAME.match(name))


def valid_header_names(names: Sequence[str]) -> bool:
    """All names are non-empty ftext (DKIM-9): one regex over the names run together, not one call per name."""
    return all(names) and _FTEXT.fullmatch("".join(names)) is not None


def is_digits(value: str, max_len: int) -> bool:
    """1 to max_len ASCII digits. (isdigit alone also takes other Unicode digits; two str methods cost a third of
    the regex match, for t=, x= and l= of every signature.) Tag values never end in LF, which `$` would allow."""
    return len(value) <= max_len and value.isascii() and value.isdigit()


def split_header_list(value: str) -> list[str]:
    """`h=` value -> lowercase names (DKIM-9). FWS around the colons is allowed."""
    return [name.strip(" \t\r\n").lower() for name in value.split(":")]


def index_headers(headers: Iterable[HeaderField]) -> dict[str, list[HeaderField]]:
    """Header fields by lowercase name, top to bottom."""
    by_name: dict[str, list[HeaderField]] = {}
    for field in headers:
        by_name.setdefault(field.lname, []).append(field)
    return by_name


def select_headers(by_name: dict[str, list[HeaderField]], names: Sequence[str]) -> list[HeaderField]:
    """DKIM-20 step 1: for each name, the bottom-most instance not used yet; none left adds nothing."""
    plan = _repeats(names) if type(names) is tuple and len(names) <= _PLAN_MAX else _repeats.__wrapped__(names)
    chosen: list[HeaderField] = []
    for name, used in plan:
        instances = by_name.get(name)
        if instances and used < len(instances):
            chosen.append(instances[-1 - used])
    return chosen


_PLAN_MAX = 64  # longer h= lists (a sender's junk) are planned per call, not kept


@lru_cache(maxsize=256)
def _repeats(names: Sequence[str]) -> tuple[tuple[str, int], ...]:
    """(name, how often it came before in `names`) for each name: its k-th repeat takes the k-th instance from the
    bottom. Depends on h= alone, which repeats from message to message (a signer's list): kept, so selecting costs
    one look-up per name instead of also counting the uses per message (issue 14: 662 -> about 300 bytecodes per
    DKIM verify on the bench's oversigned h= of 18 names)."""
    seen: dict[str, int] = {}
    plan = []
    for name in names:
        used = seen.get(name, 0)
        plan.append((name, used))
        seen[name] = used + 1
    return tuple(plan)


def remove_b_value(raw_field: bytes) -> bytes:
    """The DKIM-Signature field with the value of b= (and whitespace around it) removed, all other bytes kept."""
    colon = raw_field.find(b":")
    # searched in place from the value's start (no copy of the value, cut once: two copies fewer per signature)
    match = _B_FIRST.match(raw_field, colon + 1) or _B_LATER.search(raw_field, colon + 1)  # the first tag-spec b
    if match is None:
        return raw_field
    start, end = match.span(1)
    tail = b"\r\n" if end == len(raw_field) and raw_field.endswith(b"\r\n") else b""  # the field's final CRLF
    return raw_field[:start] + tail + raw_field[end:]


def header_hash_input(
    selected: Iterable[HeaderField],
    signature_field: bytes,
    method: str,
    cache: dict[tuple[bytes, str], bytes] | None = None,
) -> bytes:
    """DKIM-20: canonical selected fields, then the signature field (b= emptied) without its final CRLF.

    `cache` (raw field, method) -> canonical form lets the signatures of one message share that work.
    """
    if cache is None:  # one signature: all fields in one batch (relaxed: one set of checks for all of them)
        raws = [field.raw for field in selected]
        raws.append(signature_field)
        if method == RELAXED:
            return relaxed_header_input(raws)
        return b"".join([canon_header_simple(raw) for raw in raws])[:-2]
    parts = []
    for field in selected:
        key = (field.raw, method)
        canonical = cache.get(key)
        if canonical is None:
            canonical = cache[key] = canon_header(field.raw, method)
        parts.append(canonical)
    parts.append(canon_header(signature_field, method)[:-2])
    return b"".join(parts)

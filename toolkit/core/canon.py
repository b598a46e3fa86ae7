"""DKIM canonicalization (RFC 6376 §3.4; STANDARDS DKIM-23..27), on bytes.

Header functions take one raw field (name, colon, value, folding and the final CRLF) and return its canonical
form ending in CRLF. Body functions work on CRLF-normalised bytes (what `parse_message` produces) and are
streaming: `body_hash()` feeds SHA-256 from a memoryview in bounded chunks, so a 50 MB body is never copied
whole. Everything is bytes-method work in C; there are no per-character Python loops, and a loop per line only on
bodies of at most 32 KB (_relaxed_lines). (re.sub is avoided on bodies: it builds one object per match, about 40x
the input in memory for text with many spaces.) Per message, each pass over the body costs about as much as its
SHA-256 (issue 14): the fast paths below exist to make fewer passes, and each has a hypothesis test against a
simple reference in tests/dkim/test_canon.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

SIMPLE = "simple"
RELAXED = "relaxed"
CANON_NAMES = (SIMPLE, RELAXED)

_TAB_TO_SP = bytes.maketrans(b"\t", b" ")
_SPLIT_NOT_WSP = b"\r\n\x0b\x0c"  # what bytes.split() treats as whitespace besides SP and HTAB
_CRLF = b"\r\n"
_CHUNK = 1 << 18  # streaming window for big bodies
_TAIL_WINDOW = 1 << 16  # window used to find the trailing empty lines from the end
_FIRST_TAIL = 256  # the first such window: a short one, as most bodies end in one CRLF
_PER_LINE_MAX = 1 << 15  # relaxed bodies up to this size may be canonicalized line by line (_relaxed_lines)
_SAMPLE = 512  # how far _relaxed_lines looks for a line ending in a WSP run


class CanonError(ValueError):
    """An unknown c= value (DKIM-6)."""


def parse_canon(value: str | None) -> tuple[str, str]:
    """`c=` value -> (header, body). Default simple/simple; `relaxed` alone means relaxed/simple (DKIM-6)."""
    return _parse_canon(value) if value is None or len(value) <= 40 else _parse_canon.__wrapped__(value)


@lru_cache(maxsize=64)  # the same few values in every signature; a long one (junk) is parsed but not kept
def _parse_canon(value: str | None) -> tuple[str, str]:
    if value is None:
        return SIMPLE, SIMPLE
    head, sep, body = value.strip().lower().partition("/")
    if not sep:
        body = SIMPLE
    if head not in CANON_NAMES or body not in CANON_NAMES:
        raise CanonError(f"unknown canonicalization {value!r}")
    return head, body


def _collapse_wsp(data: bytes) -> bytes:
    """Each run of SP/HTAB becomes one SP: translate, then shorten runs of spaces until none are left.

    Each pass over the data costs about as much as SHA-256 of it, so the passes are few: 3 -> 1 then 2 -> 1 leaves
    every run of up to 4 spaces as one (the usual case: the runs at line ends), and only a text that had a run of 5
    or more (found by a quick search for the longer pattern) needs the loop.
    """
    if data.find(b"\t") >= 0:  # one byte: a memchr, cheaper than `in`
        data = data.translate(_TAB_TO_SP)
    return _collapse_sp(data)


def _collapse_sp(data: bytes) -> bytes:
    """_collapse_wsp of a text without HTAB."""
    # rfind, not `in`: CPython's backward search of "  " runs faster than its forward one (issue 14: 9.7 -> 6.2 us
    # over the 200 ~6 KB bench bodies, which have no run left; for " CRLF" in _relaxed_lines the forward split won)
    if data.rfind(b"  ") < 0:
        return data
    long_runs = b"     " in data
    data = data.replace(b"   ", b" ").replace(b"  ", b" ")
    while long_runs and b"  " in data:
        data = data.replace(b"    ", b" ").replace(b"  ", b" ")
    return data


# --- headers ---------------------------------------------------------------------------------------------------


def canon_header_simple(raw_field: bytes) -> bytes:
    """DKIM-23: no change at all (the field keeps its folding and ends in CRLF)."""
    return raw_field if raw_field.endswith(_CRLF) else raw_field + _CRLF


def canon_header_relaxed(raw_field: bytes) -> bytes:
    """DKIM-24: lowercase name, unfold, collapse WSP runs, strip WSP around the colon and at the end."""
    if raw_field.endswith(_CRLF):
        raw_field = raw_field[:-2]
    name, _, value = raw_field.partition(b":")
    # find() of one byte: `CRLF in x` costs more than the rest of a short field (x.find is also cheaper than `in`)
    if value.find(b"\n") >= 0:
        value = value.replace(_CRLF, b"")
    if name.find(b"\n") >= 0:
        name = name.replace(_CRLF, b"")
    if len(value.translate(None, _SPLIT_NOT_WSP)) == len(value):
        # bytes.split() cuts at runs of SP, HTAB, CR, LF, VT and FF; with only SP and HTAB present that is exactly
        # "each WSP run becomes one SP, none at either end", done in C
        value = b" ".join(value.split())
    else:
        value = _collapse_wsp(value).strip(b" ")
    return name.rstrip(b" \t").lower() + b":" + value + _CRLF


def _usual_fields(raw_fields: list[bytes]) -> bool:
    """True when bytes.split() on each field's value does exactly what relaxed unfolding and WSP collapsing do.

    That holds for a field that ends in CRLF and whose value holds no VT, FF, bare CR or bare LF, and whose other
    CRLFs are each followed by WSP (folding, as parse_message always cuts): bytes.split() then cuts at exactly the
    WSP runs and the folds. One join of all fields checks the bytes: the folds and the final CRLFs are the only
    CR, LF, VT and FF allowed, so their count (one translate pass) must be twice the number of those CRLFs ("|"
    between the fields keeps a field's last CRLF from being counted as folding). A line break in a name (folded
    before its colon, or no colon) is for the caller to rule out.
    """
    joined = b"|".join(raw_fields)
    crlfs = len(raw_fields) + joined.count(b"\r\n ") + joined.count(b"\r\n\t")
    line_bytes = len(joined) - len(joined.translate(None, _SPLIT_NOT_WSP))
    return line_bytes == 2 * crlfs and all([raw[-2:] == _CRLF for raw in raw_fields])


def relaxed_header_input(raw_fields: list[bytes]) -> bytes:
    """The header hash input (DKIM-20): canon_header_relaxed of each field, joined, without the last CRLF.

    One set of checks for all fields instead of a call per field: for the fields of _usual_fields the relaxed form
    is the lowercase name + ":" + the value's words joined by one SP, and the fields are joined by CRLF in one step.
    A name with a line break (folded before its colon, or no colon) shows as a CR in the result beyond the joins'
    own (the values' CRs are gone with bytes.split()), so that check costs one count (issue 14). Anything else, and
    every field when one fails, goes the one-field way.
    """
    if _usual_fields(raw_fields):
        split = [raw.partition(b":") for raw in raw_fields]
        block = b"\r\n".join(
            [name.rstrip(b" \t").lower() + b":" + b" ".join(value.split()) for name, _, value in split]
        )
        if block.count(b"\r") == len(raw_fields) - 1:
            return block
    return b"".join([canon_header_relaxed(raw) for raw in raw_fields])[:-2]


def canon_header(raw_field: bytes, method: str) -> bytes:
    return canon_header_relaxed(raw_field) if method == RELAXED else canon_header_simple(raw_field)


# --- bodies ----------------------------------------------------------------------------------------------------


def _content_end(body: bytes | memoryview, strip: bytes) -> int:
    """Length of the body without its trailing run of `strip` bytes (CR, LF and maybe WSP), looking at the tail in
    small windows. A bare CR in that run is data (DKIM-22), so the content ends just after the last one."""
    end = len(body)
    # the usual body ends in one CRLF after a byte that is kept: three byte reads instead of the window's copies
    if end > 2 and body[-1] == 10 and body[-2] == 13 and body[-3] not in strip:
        return end - 2
    window = _FIRST_TAIL  # the usual tail is a CRLF or two: copy only a few bytes to find it
    while end > 0:
        start = max(0, end - window)
        kept = len(bytes(body[start:end]).rstrip(strip))
        if kept:
            end = start + kept
            break
        end = start
        window = _TAIL_WINDOW
    tail = bytes(body[end:])
    if tail.find(b"\r") >= 0:
        # same length, CRLF pairs masked: any CR left is a bare one
        bare = tail.replace(_CRLF, b"\n\n").rfind(b"\r")
        end += bare + 1
    return end


def canon_body_chunks(body: bytes | memoryview, method: str, chunk: int = _CHUNK) -> Iterator[bytes | memoryview]:
    """Yield the canonical body in pieces (DKIM-25/26). `body` must use CRLF line endings.

    `chunk` bounds the memory used for relaxed bodies (tests pass tiny values to exercise the window edges).
    """
    view = body if isinstance(body, memoryview) else memoryview(body)
    if method == SIMPLE:
        # DKIM-25: drop trailing empty lines; an empty body (or one of only CRLFs) becomes a single CRLF.
        end = _content_end(view, b"\r\n")
        if end:
            yield view[:end]
        yield _CRLF
        return
    # DKIM-26: lines that are only WSP become empty, so trailing WSP and CRLF go together; an empty body stays empty.
    end = _content_end(view, b" \t\r\n")
    if not end:
        return
    pos = 0
    carry = b""  # a WSP run cut at a window edge, reduced to one SP (its exact bytes no longer matter)
    while pos < end:
        stop = min(pos + chunk, end)
        while stop < end and view[stop - 1] == 13:  # never cut after a CR: " \r" | "\n" would hide a line end
            stop += 1
        piece = carry + bytes(view[pos:stop])
        pos = stop
        kept = piece.rstrip(b" \t")
        carry = b" " if len(kept) != len(piece) else b""
        yield _relaxed_lines(kept)
    yield _CRLF


def _relaxed_lines(text: bytes) -> bytes:
    """DKIM-26 on CRLF lines whose last one has no trailing WSP: collapse each WSP run, drop WSP before each CRLF.

    Two exact ways: whole-text passes (collapse, then " CRLF" -> CRLF), or one rstrip per line that ends in WSP
    when lines end in runs of WSP (each run costs the passes a match or two; the split costs an object per
    piece). The second is taken only for texts that show such a line end in their first bytes, and only up to
    _PER_LINE_MAX, so a body of many short lines never pays an object per line. It cuts at " CRLF", not at every
    CRLF: a piece then ends where a line's WSP run does (rstrip takes the rest of the run), lines without
    trailing WSP stay inside a piece untouched, and the split makes half the objects on a newsletter body
    (issue 14: 43 -> 36 us on the ~7 KB bench body). An SP before a bare CR is data (DKIM-22): neither way strips
    it, as both cut lines at CRLF only. The text never ends in WSP, so the last piece's rstrip changes nothing.
    """
    if text.find(b"\t") >= 0:
        text = text.translate(_TAB_TO_SP)
    if len(text) <= _PER_LINE_MAX and text.find(b"  \r\n", 0, _SAMPLE) >= 0:
        return _collapse_sp(b"\r\n".join([line.rstrip(b" ") for line in text.split(b" \r\n")]))
    # collapsed, each line's trailing WSP is at most one SP before its CRLF
    return _collapse_sp(text).replace(b" \r\n", _CRLF)


def _one_piece(body: bytes | memoryview, method: str) -> bytes | memoryview:
    """What canon_body_chunks yields for a body of one window, without the final CRLF."""
    if method == SIMPLE:
        return body[: _content_end(body, b"\r\n")]
    end = _content_end(body, b" \t\r\n")
    return _relaxed_lines(bytes(body[:end])) if end else b""


def canon_body(body: bytes | memoryview, method: str) -> bytes:
    """The whole canonical body as bytes (for tests and small messages)."""
    return b"".join(bytes(piece) for piece in canon_body_chunks(body, method))


class BodyHash(NamedTuple):
    """One per message and c=/l=: a NamedTuple, built in a third of a frozen dataclass's time."""

    digest: bytes  # SHA-256 over the canonical body, cut at `limit` when given
    canonical_length: int  # length of the whole canonical body (to check l= against, DKIM-10)
    hashed_length: int  # how many canonical octets went into the digest


def body_hash(body: bytes | memoryview, method: str, limit: int | None = None, chunk: int = _CHUNK) -> BodyHash:
    """SHA-256 of the canonical body, cut at `limit` octets if given (DKIM-19), streaming."""
    if limit is None and len(body) <= chunk:  # the usual message: one piece, without the window bookkeeping
        canonical = _one_piece(body, method)
        if method == SIMPLE or canonical:  # the final CRLF (DKIM-25/26), hashed rather than copied onto the body
            hasher = hashlib.sha256(canonical)
            hasher.update(_CRLF)
            size = len(canonical) + 2
            return BodyHash(hasher.digest(), size, size)
        return BodyHash(hashlib.sha256(b"").digest(), 0, 0)
    hasher = hashlib.sha256()
    total = 0
    hashed = 0
    for piece in canon_body_chunks(body, method, chunk):
        size = len(piece)
        if limit is None:
            hasher.update(piece)
            hashed += size
        elif hashed < limit:
            take = min(size, limit - hashed)
            hasher.update(piece if take == size else piece[:take])
            hashed += take
        total += size
    return BodyHash(hasher.digest(), total, hashed)

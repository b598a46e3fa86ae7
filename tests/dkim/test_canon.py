"""Canonicalization (DKIM-23..27), including the streaming window edges."""

import base64
import hashlib
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from support.fuzz import examples

from toolkit.core.canon import (
    CanonError,
    _collapse_wsp,
    body_hash,
    canon_body,
    canon_body_chunks,
    canon_header_relaxed,
    canon_header_simple,
    parse_canon,
    relaxed_header_input,
)


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


# --- DKIM-27 vectors ---------------------------------------------------------------------------------------


def test_dkim27_empty_body_hashes():
    assert b64(body_hash(b"", "simple").digest) == "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY="
    assert b64(body_hash(b"", "relaxed").digest) == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


def test_dkim27_body_vector():
    body = b" C \r\nD \t E\r\n\r\n\r\n"
    assert canon_body(body, "simple") == b" C \r\nD \t E\r\n"
    assert canon_body(body, "relaxed") == b" C\r\nD E\r\n"


def test_dkim27_relaxed_header_vector():
    assert canon_header_relaxed(b"B : Y\t\r\n\tZ  \r\n") == b"b:Y Z\r\n"


# --- headers -------------------------------------------------------------------------------------------------


def test_dkim23_simple_header_is_unchanged():
    raw = b"SubJect :  Hello\r\n  World \r\n"
    assert canon_header_simple(raw) == raw


def test_dkim24_relaxed_header_steps():
    assert canon_header_relaxed(b"SUBJECT:\t  a \t b\r\n\t c  \r\n") == b"subject:a b c\r\n"
    assert canon_header_relaxed(b"X-Empty:   \r\n") == b"x-empty:\r\n"
    # no final CRLF (last header without a separator) still gets one
    assert canon_header_relaxed(b"To: x") == b"to:x\r\n"


# --- bodies --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "simple", "relaxed"),
    [
        (b"", b"\r\n", b""),  # DKIM-25 / DKIM-26: empty body
        (b"\r\n\r\n", b"\r\n", b""),
        (b"abc", b"abc\r\n", b"abc\r\n"),  # no final CRLF gets one
        (b"abc  ", b"abc  \r\n", b"abc\r\n"),
        (b"  \r\n\t\r\n", b"  \r\n\t\r\n", b""),  # only WSP lines: empty for relaxed
        (b"a\r\n \r\nb\r\n", b"a\r\n \r\nb\r\n", b"a\r\n\r\nb\r\n"),  # inner WSP-only line kept empty
        (b"x\t\ty  z \r\n\r\n", b"x\t\ty  z \r\n", b"x y z\r\n"),
        # DKIM-22 (changed 2026-12-02): a bare CR is data, never a line end, also in the trailing run
        (b"a \rb \r\n", b"a \rb \r\n", b"a \rb\r\n"),
        (b"a\r\n\r\r\n\r\n", b"a\r\n\r\r\n", b"a\r\n\r\r\n"),
        (b"a\r", b"a\r\r\n", b"a\r\r\n"),
        (b"a\r \t\r\n", b"a\r \t\r\n", b"a\r\r\n"),
    ],
)
def test_dkim25_26_bodies(body, simple, relaxed):
    assert canon_body(body, "simple") == simple
    assert canon_body(body, "relaxed") == relaxed


def _reference_relaxed(body: bytes) -> bytes:
    """DKIM-26 written the slow obvious way, line by line."""
    lines = body.split(b"\r\n")
    out = [re.sub(rb"[ \t]+", b" ", line).rstrip(b" \t") for line in lines]
    text = b"\r\n".join(out)
    text = re.sub(rb"(\r\n)*$", b"", text)
    return text + b"\r\n" if text else b""


def _reference_simple(body: bytes) -> bytes:
    text = re.sub(rb"(\r\n)*$", b"", body)
    return text + b"\r\n"


# b"\r" alone is a bare CR: data for both references, which split lines at CRLF only (DKIM-22)
_body_bytes = st.lists(st.sampled_from([b"a", b"b", b" ", b"\t", b"\r\n", b"  ", b"\r\n\r\n", b"\r"]), max_size=60).map(
    b"".join
)


@settings(max_examples=examples(300), deadline=None)
@example(body=b"a \r\n \r\r\n\r", chunk=2, limit=7)  # bug class: a bare CR taken as a line end (DKIM-22)
@example(body=b"x \r\ny", chunk=3, limit=80)  # a window cut between " \r" and "\n"
@given(body=_body_bytes, chunk=st.integers(min_value=1, max_value=9), limit=st.integers(min_value=0, max_value=80))
def test_streaming_matches_reference(body, chunk, limit):
    for method, ref in (("relaxed", _reference_relaxed), ("simple", _reference_simple)):
        expected = ref(body)
        result = body_hash(memoryview(body), method, chunk=chunk)
        assert result.digest == hashlib.sha256(expected).digest()
        assert result.canonical_length == len(expected)
        cut = body_hash(body, method, limit=limit, chunk=chunk)
        assert cut.digest == hashlib.sha256(expected[:limit]).digest()
        assert cut.hashed_length == min(limit, len(expected))


def test_parse_canon_dkim6():
    assert parse_canon(None) == ("simple", "simple")
    assert parse_canon("relaxed") == ("relaxed", "simple")
    assert parse_canon("relaxed/relaxed") == ("relaxed", "relaxed")
    assert parse_canon("Simple/Relaxed") == ("simple", "relaxed")
    for bad in ("relaxed/", "nofws/simple", "simple/relaxed/x", ""):
        with pytest.raises(CanonError):
            parse_canon(bad)


def test_trailing_crlf_run_longer_than_tail_window():
    body = b"x\r\n" + b"\r\n" * 100_000
    assert canon_body(body, "simple") == b"x\r\n"
    assert canon_body(body, "relaxed") == b"x\r\n"
    assert canon_body(b" \r\n" * 50_000, "relaxed") == b""


# Runs of every length, tabs inside runs, bare CR and CRLF next to them: the fast collapse (3 -> 1, 2 -> 1, and
# the loop only for runs of 5 or more) against the one-regex reference, and the whole relaxed body against the
# line-by-line reference (DKIM-24, DKIM-26; a bare CR is data, DKIM-22).
# (bodies reach the canonicalizer with CRLF line endings, so no bare LF in them; the collapse gets bare LF too)
_WSP_PIECES = [b" ", b"  ", b"   ", b"    ", b"     ", b"\t", b"\t ", b" \t\t", b"a", b"\r", b"\r\n", b"\r\n\r\n"]
_wsp_bytes = st.lists(st.sampled_from(_WSP_PIECES), max_size=80).map(b"".join)


@settings(max_examples=examples(1500), deadline=None)
@example(data=b"a" + b" " * 13 + b"b \t \r\n")
@given(data=_wsp_bytes | st.binary(max_size=60) | st.lists(st.sampled_from([*_WSP_PIECES, b"\n"])).map(b"".join))
def test_collapse_wsp_matches_regex(data):
    assert _collapse_wsp(data) == re.sub(rb"[ \t]+", b" ", data)


@settings(max_examples=examples(600), deadline=None)
@example(body=b" " * 21 + b"\r\n\t\t\t \r\rx" + b" " * 9, chunk=4)
@given(body=_wsp_bytes, chunk=st.integers(min_value=1, max_value=12) | st.just(1 << 18))
def test_relaxed_body_runs_match_reference(body, chunk):
    expected = _reference_relaxed(body)
    assert b"".join(bytes(piece) for piece in canon_body_chunks(body, "relaxed", chunk)) == expected


# Fields as parse_message cuts them and as it never does (a bare CR or LF, VT, FF, a CRLF not followed by WSP, a
# line break before the colon, no colon, no final CRLF): the batch gives what one call per field gives (DKIM-24).
_FIELD_PIECES = [b"Sub", b"X", b"\xc9", b":", b" ", b"  ", b"\t", b"a b", b"\r\n ", b"\r\n\t", b"\r\n", b"\r", b"\n"]
_FIELD_PIECES += [b"\x0b", b"\x0c", b"|"]
_field = st.lists(st.sampled_from(_FIELD_PIECES), max_size=12).map(b"".join)
_clean_value = st.lists(st.sampled_from([p for p in _FIELD_PIECES if p.strip(b"\r\n\x0b\x0c") == p or b"\r\n" in p]))
_usual_field = st.tuples(st.sampled_from([b"From", b"to ", b"X-\xc9", b"Sub\r\n ject"]), _clean_value).map(
    lambda nv: nv[0] + b":" + b"".join(nv[1]) + b"\r\n"
)


@settings(max_examples=examples(1500), deadline=None)
@example(fields=[b"a: b\r\nc: d\r\n"])  # a CRLF not followed by WSP inside a field
@example(fields=[b"a: b\r\nc: d\r\n", b" e: f\r\n"])  # ... and a field that starts with WSP: the counts balance
@example(fields=[b"a: b\r", b"\nc: d\r\n"])  # a CR and an LF that meet only across two fields
@example(fields=[b"a: b\r\nc: d", b"e: f\r\n"])  # a field without its CRLF
@example(fields=[b"a: b\x0bc\r\n"])  # VT and FF: bytes.split() cuts at them, relaxed keeps them
@example(fields=[b"a: b\x0cc\r\n"])
@example(fields=[b"a: b\nc\r\n"])  # a bare LF
@example(fields=[b"a: b\rc\r\n"])  # a bare CR
@given(fields=st.lists(_usual_field, max_size=8) | st.lists(_usual_field | _field.map(lambda f: f + b"\r\n") | _field))
@example(fields=[b"x: a\r\n|y", b"z: c\r\n"])  # a CRLF before the join's own "|", in a field without its CRLF
@example(fields=[b"Sub\r\n ject: x\r\n", b"a: b\r\n"])  # folded before the colon
@example(fields=[b"no colon\r\n"])
def test_relaxed_header_batch_matches_one_by_one(fields):
    one_by_one = [canon_header_relaxed(f) for f in fields]
    # the header hash input (DKIM-20): the same fields, the last one without its CRLF
    assert relaxed_header_input(fields) == b"".join(one_by_one)[:-2]


# body_hash's one-window path (the usual message: no l=, under the chunk size), from bytes and from a memoryview
# as Message.body gives it, against the line-by-line reference: the per-piece rstrip at " CRLF" and the short first
# tail window of _content_end (DKIM-25/26; a bare CR is data, DKIM-22).
@settings(max_examples=examples(600), deadline=None)
@example(body=b"a  \r\n\r\n" * 3 + b"b \r" + b" " * 300 + b"\r\n" * 200)  # a tail longer than the first window
@given(body=_wsp_bytes | _body_bytes)
def test_one_window_body_hash_matches_reference(body):
    for method, ref in (("relaxed", _reference_relaxed), ("simple", _reference_simple)):
        expected = ref(body)
        for given_body in (body, memoryview(body)):
            result = body_hash(given_body, method)
            assert (result.digest, result.canonical_length) == (hashlib.sha256(expected).digest(), len(expected))

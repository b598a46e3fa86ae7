"""Hostile and broken input gives verdicts, never exceptions; big messages stream (DKIM-22)."""

import gc
import tracemalloc

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.fuzz import examples

from toolkit.core.dkim import DkimReason, SignerConfig, sign, verify
from toolkit.core.message import parse_message
from toolkit.core.results import Verdict

NOW = 1_700_000_000


def run(raw: bytes, resolver, **kw):
    results = verify(parse_message(raw), resolver, NOW, **kw)
    assert results and all(isinstance(r.verdict, Verdict) for r in results)
    for r in results:
        r.to_json()
    return results


def test_no_header_body_separator(keys):
    signed = sign(b"From: a@example.com\r\nSubject: x\r\n", [SignerConfig("example.com", "ed", keys.ed)], NOW)
    assert [r.verdict for r in run(signed, keys.resolver())] == [Verdict.PASS]
    assert run(b"DKIM-Signature: v=1; a=rsa-sha256", keys.resolver())[0].reason is DkimReason.MISSING_TAG


def test_nul_bytes_and_8bit_headers(keys):
    raw = "From: Jörg <jörg@example.com>\r\nSubject: caf\u00e9\x00\r\n\r\nbody\x00\xff\r\n".encode("utf-8", "replace")
    signed = sign(raw, [SignerConfig("example.com", "rsa", keys.rsa)], NOW)
    assert [r.verdict for r in run(signed, keys.resolver())] == [Verdict.PASS]
    hostile = b"DKIM-Signature: v=1; a=rsa-sha256; d=\xff\xfe.example; s=\x00; h=from; bh=; b=\r\n" + raw
    assert run(hostile, keys.resolver())[0].verdict is Verdict.PERMERROR


def test_thousand_signature_fields(keys):
    field = b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA\r\n"
    resolver = keys.resolver()
    results = run(field * 1000 + keys.MESSAGE, resolver)
    assert len(results) == 1000
    assert sum(r.reason is DkimReason.TOO_MANY_SIGNATURES for r in results) == 990
    assert len(resolver.queries) <= 1  # one key answer, cached for the message


def test_one_megabyte_header_field(keys):
    big = b"X-Big: " + b"a b\t" * 250_000 + b"\r\n"
    message = sign(big + keys.MESSAGE, [SignerConfig("example.com", "rsa", keys.rsa, headers=["from", "x-big"])], NOW)
    assert [r.verdict for r in run(message, keys.resolver())] == [Verdict.PASS]
    huge_sig = b"DKIM-Signature: v=1; h=" + b"from:" * 200_000 + b"from\r\n"
    assert run(huge_sig + keys.MESSAGE, keys.resolver())[0].verdict is Verdict.PERMERROR


def test_header_without_colon_and_weird_lines(keys):
    raw = b"DKIM-Signature v=1\r\nFrom a@example.com\r\n\r\n"
    assert run(raw, keys.resolver())[0].verdict is Verdict.NONE


_tag_values = st.sampled_from(
    [
        "1",
        "2",
        "rsa-sha256",
        "ed25519-sha256",
        "rsa-sha1",
        "relaxed/relaxed",
        "simple",
        "x",
        "example.com",
        "rsa",
        "ed",
        "from:to",
        "to",
        "",
        "AAAA",
        "@example.com",
        "1700000000",
        "99999999999999999999",
        "-1",
        "dns/txt",
        "\u00e9",
        "a\r\n b",
    ]
)
_tags = st.dictionaries(st.sampled_from(list("vabhdsilqtxzc") + ["bh"]), _tag_values, max_size=12)


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(  # bug class: non-ASCII b= (base64 of a str with non-ASCII raises ValueError, not binascii.Error)
    tags={"v": "1", "a": "rsa-sha256", "d": "example.com", "s": "rsa", "h": "from", "bh": "AAAA", "b": "\u00e9"},
    noise=b"", body=b"", fault=False,
)  # fmt: skip
@example(  # bug class: non-ASCII digits ("¹" passes str.isdigit(), int() refuses it) in t= and l=
    tags={"v": "1", "a": "rsa-sha256", "d": "example.com", "s": "rsa", "h": "from", "bh": "AAAA", "b": "AAAA",
          "t": "\u00b9", "l": "\u00b2"},
    noise=b"", body=b"", fault=False,
)  # fmt: skip
@given(tags=_tags, noise=st.binary(max_size=60), body=st.binary(max_size=80), fault=st.booleans())
def test_fuzz_verify_never_raises(keys, tags, noise, body, fault):
    value = "; ".join(f"{k}={v}" for k, v in tags.items()).encode("utf-8", "surrogateescape")
    raw = b"DKIM-Signature: " + value + noise + b"\r\nFrom: a@example.com\r\n\r\n" + body
    overrides = {"rsa._domainkey.example.com": {"TXT": "TIMEOUT"}} if fault else {}
    results = run(raw, keys.resolver(**overrides))
    assert all(r.verdict in (Verdict.PASS, Verdict.FAIL, Verdict.PERMERROR, Verdict.TEMPERROR) for r in results)
    assert all(r.verdict is Verdict.PASS or isinstance(r.reason, DkimReason) for r in results)


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300))
def test_fuzz_arbitrary_bytes(keys, raw):
    run(
        b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=ed; h=from; bh=AAAA; b=AAAA\r\n" + raw,
        keys.resolver(),
    )


@pytest.mark.slow
@pytest.mark.parametrize("line_end", [b"\r\n", b"\n"])
@pytest.mark.parametrize("canon", ["relaxed/relaxed", "simple/simple"])
def test_big_message_memory(keys, canon, line_end):
    """A 20 MB message signs and verifies with peak extra memory under 3x its size (streaming body hash)."""
    line = b"The quick brown fox  jumps over the lazy dog, again and again \t \r\n"
    body = line * (20 * 1024 * 1024 // len(line))
    raw = (b"From: a@example.com\r\nSubject: big\r\n\r\n" + body).replace(b"\r\n", line_end)
    del body
    size = len(raw)
    gc.collect()
    tracemalloc.start()
    try:
        signed = sign(raw, [SignerConfig("example.com", "rsa", keys.rsa, canon=canon)], NOW)
        results = verify(parse_message(signed), keys.resolver(), NOW)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [r.verdict for r in results] == [Verdict.PASS]
    # the signed copy itself is one size; parsing and hashing must not add more than about one more
    assert peak < 3 * size, f"peak {peak / size:.2f}x the message size"


def test_dkim22_lf_input_verifies_and_is_recorded(keys):
    message = sign(keys.MESSAGE, [SignerConfig("example.com", "ed", keys.ed)], NOW).replace(b"\r\n", b"\n")
    (result,) = verify(message, keys.resolver(), NOW)  # bytes are accepted too
    assert result.verdict is Verdict.PASS
    assert any(s.rule == "DKIM-22" and "bare LF" in s.detail for s in result.steps)

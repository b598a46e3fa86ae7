"""Signing (DKIM-28..33): defaults, header choice, oversigning, folding, several signers, refusals."""

import itertools
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fuzz import examples

from toolkit.core.dkim import DEFAULT_OVERSIGN, SignerConfig, sign, signature_fields, verify
from toolkit.core.errors import CallerError
from toolkit.core.message import parse_message
from toolkit.core.results import Verdict
from toolkit.core.tags import parse_tag_list

NOW = 1_700_000_000
CANONS = [f"{h}/{b}" for h, b in itertools.product(("simple", "relaxed"), repeat=2)]


def tags_of(field: bytes) -> dict[str, str]:
    return parse_tag_list(field.split(b":", 1)[1]).as_dict()


def verdicts(message: bytes, resolver, now: int = NOW) -> list[Verdict]:
    return [r.verdict for r in verify(parse_message(message), resolver, now)]


@pytest.mark.parametrize("canon", CANONS)
@pytest.mark.parametrize("selector", ["rsa", "ed"])
def test_round_trip(keys, selector, canon):
    key = keys.rsa if selector == "rsa" else keys.ed
    message = sign(keys.MESSAGE, [SignerConfig("example.com", selector, key, canon=canon)], NOW)
    (result,) = verify(parse_message(message), keys.resolver(), NOW)
    assert result.verdict is Verdict.PASS, result.steps
    assert result.tags["c"] == canon


def test_dkim29_defaults(keys):
    (field,) = signature_fields(keys.MESSAGE, [SignerConfig("example.com", "rsa", keys.rsa)], NOW)
    tags = tags_of(field)
    assert tags["a"] == "rsa-sha256" and tags["c"] == "relaxed/relaxed"
    assert tags["t"] == str(NOW)
    assert "x" not in tags and "l" not in tags and "i" not in tags
    (ed_field,) = signature_fields(keys.MESSAGE, [SignerConfig("example.com", "ed", keys.ed)], NOW)
    assert tags_of(ed_field)["a"] == "ed25519-sha256"


def test_dkim30_31_header_list(keys):
    (field,) = signature_fields(keys.MESSAGE, [SignerConfig("example.com", "rsa", keys.rsa)], NOW)
    names = re.sub(r"\s", "", tags_of(field)["h"]).split(":")
    assert "received" not in names  # DKIM-30: never Received
    for present in ("message-id", "mime-version", "content-type"):
        assert names.count(present) == 1  # present, not oversigned: once
    for oversigned in ("from", "to", "subject", "date"):
        assert names.count(oversigned) == 2  # DKIM-31: once more than it occurs
    for absent_oversigned in ("cc", "reply-to", "sender"):
        assert names.count(absent_oversigned) == 1  # absent: listed once, so adding one breaks the signature
    assert "references" not in names  # absent and not oversigned: left out
    assert set(DEFAULT_OVERSIGN) <= set(names)


def test_custom_headers_and_oversign(keys):
    config = SignerConfig("example.com", "rsa", keys.rsa, headers=["Subject", "Date"], oversign=["x-extra"])
    (field,) = signature_fields(keys.MESSAGE, [config], NOW)
    names = re.sub(r"\s", "", tags_of(field)["h"]).split(":")
    assert names == ["from", "subject", "date", "x-extra"]  # From always added (DKIM-30)


def test_expire_length_identity_on_request(keys):
    config = SignerConfig(
        "example.com", "rsa", keys.rsa, expire_after=3600, body_length=True, identity="alice@mail.example.com"
    )
    message = sign(keys.MESSAGE, [config], NOW)
    (result,) = verify(parse_message(message), keys.resolver(), NOW)
    assert result.verdict is Verdict.PASS
    assert result.tags["x"] == str(NOW + 3600)
    assert int(result.tags["l"]) == len(b"Hi Bob,\r\n\r\nshall we try the new place?\r\n")
    assert result.identity == "alice@mail.example.com"
    (expired,) = verify(parse_message(message), keys.resolver(), NOW + 3600 + 301)
    assert expired.verdict is Verdict.PERMERROR


def test_dkim32_prepended_and_folded(keys):
    signers = [SignerConfig("example.com", "rsa", keys.rsa), SignerConfig("example.com", "ed", keys.ed)]
    message = sign(keys.MESSAGE, signers, NOW)
    assert message.endswith(keys.MESSAGE)  # original bytes untouched
    parsed = parse_message(message)
    assert [h.lname for h in parsed.headers[:2]] == ["dkim-signature", "dkim-signature"]
    assert tags_of(parsed.headers[0].raw)["s"] == "ed"  # each signer prepends: the last one ends on top
    for field in parsed.headers[:2]:
        lines = field.raw.split(b"\r\n")[:-1]
        assert len(lines) > 2
        assert all(len(line) <= 78 for line in lines), lines
        assert all(line[:1] == b"\t" for line in lines[1:])  # folded at whitespace only


def test_dkim28_line_endings_normalised(keys):
    lf = keys.MESSAGE.replace(b"\r\n", b"\n")
    message = sign(lf, [SignerConfig("example.com", "rsa", keys.rsa)], NOW)
    assert b"\n" not in message.replace(b"\r\n", b"")
    assert message.endswith(keys.MESSAGE)
    assert verdicts(message, keys.resolver()) == [Verdict.PASS]


def test_later_signer_may_cover_earlier_signature(keys):
    signers = [
        SignerConfig("example.com", "rsa", keys.rsa),
        SignerConfig("example.com", "ed", keys.ed, headers=["from", "subject", "dkim-signature"]),
    ]
    message = sign(keys.MESSAGE, signers, NOW)
    assert verdicts(message, keys.resolver()) == [Verdict.PASS, Verdict.PASS]
    (second,) = [r for r in verify(parse_message(message), keys.resolver(), NOW) if r.selector == "ed"]
    assert "dkim-signature" in second.signed_headers
    # changing the first signature now breaks the second as well
    tampered = message.replace(b"s=rsa;", b"s=rsa; z=x;", 1)
    assert verdicts(tampered, keys.resolver()) == [Verdict.FAIL, Verdict.FAIL]


def test_signing_key_from_keys_module(keys):
    from toolkit.core.dkim.keys import from_private_key

    message = sign(keys.MESSAGE, [SignerConfig("example.com", "ed", from_private_key(keys.ed))], NOW)
    assert verdicts(message, keys.resolver()) == [Verdict.PASS]


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"algorithm": "rsa-sha1"}, "rsa-sha1"),
        ({"algorithm": "ed25519-sha256"}, "needs a ed25519 key"),
        ({"algorithm": "rsa-sha512"}, "unknown algorithm"),
        ({"canon": "fancy"}, "canonicalization"),
        ({"identity": "a@example.org"}, "not within"),
        ({"identity": "jörg@example.com"}, "ASCII"),
        ({"identity": "a;b@example.com"}, "ASCII"),
        ({"domain": "not a domain"}, "bad signing domain"),
        ({"selector": "sel/x"}, "bad selector"),
        ({"headers": ["bad name"]}, "bad header name"),
        ({"expire_after": 0}, "positive"),
    ],
)
def test_refusals(keys, config, words):
    base = {"domain": "example.com", "selector": "rsa", "key": keys.rsa} | config
    with pytest.raises(CallerError, match=words):
        sign(keys.MESSAGE, [SignerConfig(**base)], NOW)


def test_refuses_short_rsa_key(keys):
    with pytest.raises(CallerError, match="under 1024"):
        sign(keys.MESSAGE, [SignerConfig("example.com", "rsa", keys.rsa512)], NOW)


def test_refuses_message_without_from(keys):
    with pytest.raises(CallerError, match="no From"):
        sign(b"To: x@example.org\r\n\r\nhi\r\n", [SignerConfig("example.com", "rsa", keys.rsa)], NOW)


def test_refuses_unknown_key_object():
    with pytest.raises(CallerError, match="unsupported signing key"):
        sign(b"From: a@example.com\r\n\r\n", [SignerConfig("example.com", "rsa", object())], NOW)


def test_empty_body_and_no_separator(keys):
    for raw in (b"From: a@example.com\r\nSubject: x\r\n\r\n", b"From: a@example.com\r\nSubject: x\r\n"):
        for key, selector in ((keys.rsa, "rsa"), (keys.ed, "ed")):
            for canon in CANONS:
                message = sign(raw, [SignerConfig("example.com", selector, key, canon=canon)], NOW)
                assert verdicts(message, keys.resolver()) == [Verdict.PASS], (raw, canon)


_header_values = st.text(alphabet=st.sampled_from('ab Z:;=\t<>@."()'), max_size=30)
_fields = st.lists(
    st.tuples(st.sampled_from(["From", "To", "Subject", "X-A", "cc", "DATE", "Received"]), _header_values),
    min_size=0,
    max_size=6,
)
_body = st.lists(st.sampled_from([b"x", b" ", b"\t", b"\r\n", b"\n", b"\r", b"\r\n\r\n", b"\xff", b"."]), max_size=40)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=_fields, folded=st.booleans(), body=_body, canon=st.sampled_from(CANONS), ed=st.booleans())
def test_round_trip_property(keys, fields, folded, body, canon, ed):
    """Whatever the header and body look like (bare CR/LF, 8-bit, WSP runs, no final CRLF), what we sign verifies."""
    lines = [b"From: a@example.com"] + [f"{n}: {v}".encode() for n, v in fields]
    if folded and len(lines) > 1:
        lines[-1] += b"\r\n\t folded  part "
    raw = b"\r\n".join(lines) + b"\r\n\r\n" + b"".join(body)
    key, selector = (keys.ed, "ed") if ed else (keys.rsa, "rsa")
    message = sign(raw, [SignerConfig("example.com", selector, key, canon=canon)], NOW)
    (result,) = verify(parse_message(message), keys.resolver(), NOW)
    assert result.verdict is Verdict.PASS, (raw, result.steps)

"""Bad ARC input gets a verdict with a reason, never a traceback, with the work bounded (issue 12; ARC-1..ARC-3)."""

from __future__ import annotations

import re

import pytest
from arc.chain import MESSAGE, NOW, Hops

from toolkit.core.arc import ArcReason, verify
from toolkit.core.arc.seal import SealConfig, SealRefused, seal


@pytest.fixture(scope="module")
def hops() -> Hops:
    return Hops(3)


@pytest.fixture(scope="module")
def three(hops) -> bytes:
    return hops.chain(3)


def _check(message: bytes, hops: Hops):
    return verify(message, hops.resolver(), NOW)


def _edit(message: bytes, old: bytes, new: bytes, count: int = 1) -> bytes:
    assert old in message
    return message.replace(old, new, count)


def test_three_hops_pass_with_oldest_pass_1(three, hops):
    result = _check(three, hops)
    assert (result.verdict.value, result.reason, result.oldest_pass) == ("pass", None, 1)
    assert [i.domain for i in result.instances] == ["fwd1.example.net", "fwd2.example.net", "fwd3.example.net"]
    assert [i.cv for i in result.instances] == ["none", "pass", "pass"]
    assert all(i.ams.passed and i.seal.passed for i in result.instances)


def test_body_changed_by_hop_two_moves_oldest_pass(hops):
    received = hops.chain(1)
    chain = verify(received, hops.resolver(), NOW)  # the list verifies as received, adds a footer, then seals
    config = SealConfig("fwd2.example.net", "arc", hops.keys["fwd2.example.net"], "lists.example.net")
    changed = received + b"-- \r\nfooter\r\n"
    message = b"".join(seal(changed, config, "arc=pass", chain, NOW).fields) + changed
    message = hops.seal_once(message, "fwd3.example.net")
    result = _check(message, hops)
    assert result.verdict.value == "pass" and result.oldest_pass == 2  # ARC-3: evidence of where it changed
    assert result.instances[0].ams.reason == "BODY_HASH_MISMATCH" and result.instances[0].seal.passed


def test_body_changed_after_the_newest_seal_fails(three, hops):
    result = _check(three + b"tampered\r\n", hops)
    assert (result.reason, result.newest.ams.reason) == (ArcReason.AMS_FAILED, "BODY_HASH_MISMATCH")


def test_51_instances(three, hops):
    extra = b"ARC-Seal: i=51; a=rsa-sha256; cv=pass; d=example.net; s=arc; b=AAAA\r\n"
    result = _check(extra + three, hops)
    assert result.reason is ArcReason.TOO_MANY_INSTANCES


def test_more_fields_than_fifty_sets_hold_is_refused_before_parsing(hops):
    fields = b"ARC-Seal: i=1; cv=none\r\n" * 151
    result = _check(fields + MESSAGE, hops)
    assert (result.verdict.value, result.reason) == ("fail", ArcReason.TOO_MANY_INSTANCES)


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (b"ARC-Seal: a=", b"ARC-Seal: i=1; a=", ArcReason.FIELD_SYNTAX),  # two i= in one tag-list
        (b"ARC-Message-Signature: a=rsa-sha256;", b"ARC-Message-Signature: a=rsa-sha256; i=0;", None),
        (b"i=3;", b"i=0;", ArcReason.BAD_INSTANCE),  # AAR i=0
        (b"i=3;", b"i=;", ArcReason.BAD_INSTANCE),
        (b"i=3;", b"i=x;", ArcReason.BAD_INSTANCE),
        (b"i=3;", b"i=2;", ArcReason.DUPLICATE_INSTANCE),
        (b"i=3;", b"i=5;", ArcReason.MISSING_FIELD),
        (b"cv=pass;", b"", ArcReason.BAD_CV),
        (b"cv=pass;", b"cv=maybe;", ArcReason.BAD_CV),
        (b"cv=pass;", b"cv=none;", ArcReason.CV_SEQUENCE),
        (b"cv=pass;", b"cv=fail;", ArcReason.CHAIN_FAILED),
    ],
)
def test_structure(three, hops, old, new, reason):
    result = _check(_edit(three, old, new), hops)
    assert result.verdict.value == "fail"
    if reason is not None:
        assert result.reason is reason, result.detail
    assert result.detail


def test_gap(three, hops):
    """Renumber the newest set 3 -> 4: instance 3 is missing entirely."""
    top = three[: three.index(b"ARC-Seal: a=", 10)]
    renumbered = re.sub(rb"i=3;", b"i=4;", top)
    result = _check(renumbered + three[len(top) :], hops)
    assert result.reason is ArcReason.INSTANCE_GAP


def test_missing_aar(three, hops):
    start = three.index(b"ARC-Authentication-Results: i=2;")
    end = three.index(b"\r\n", three.index(b"\r\n", start) + 2) if False else three.index(b"\r\nARC-", start) + 2
    result = _check(three[:start] + three[end:], hops)
    assert (result.reason, result.detail) == (ArcReason.MISSING_FIELD, "instance 2 has no AAR")


def test_seal_with_h_tag(three, hops):
    result = _check(_edit(three, b"ARC-Seal: a=", b"ARC-Seal: h=from; a="), hops)
    assert result.reason is ArcReason.SEAL_FAILED and result.newest.seal.reason == "FORBIDDEN_TAG"


def test_absent_and_revoked_seal_key(three, hops):
    hops.extra = {"arc._domainkey.fwd2.example.net": {"TXT": ["v=DKIM1; k=rsa; p="]}}
    try:
        revoked = _check(three, hops)
    finally:
        hops.extra = {}
    assert revoked.reason is ArcReason.SEAL_FAILED and revoked.instances[1].seal.reason == "KEY_REVOKED"
    absent = verify(three, Hops(0).resolver(), NOW)
    assert absent.reason is ArcReason.AMS_FAILED and absent.newest.ams.reason == "KEY_NOT_FOUND"


def test_dns_timeout_is_temporary(three, hops):
    hops.extra = {"arc._domainkey.fwd3.example.net": {"TXT": "TIMEOUT"}}
    try:
        result = _check(three, hops)
    finally:
        hops.extra = {}
    assert result.verdict.value == "fail" and result.reason is ArcReason.TEMPERROR


def test_fifty_valid_instances_pass_with_one_key_query_per_sealer(hops):
    message = hops.chain(50)
    resolver = hops.resolver()
    result = verify(message, resolver, NOW)
    assert result.verdict.value == "pass" and len(result.instances) == 50
    assert len(resolver.queries) == len(hops.keys)  # key answers are shared across the 100 signature checks
    with pytest.raises(SealRefused, match="50 sets"):
        hops.seal_once(message, "fwd1.example.net")


def test_ams_listing_a_thousand_fields(hops):
    config = SealConfig("fwd1.example.net", "arc", hops.keys["fwd1.example.net"], "mx.example.net")
    names = [f"x-h{n}" for n in range(1000)]
    config = SealConfig(**{**_fields(config), "headers": names, "oversign": names})  # absent names, listed once
    sealed = seal(MESSAGE, config, "none", verify(MESSAGE, hops.resolver(), NOW), NOW)
    assert sealed.fields[1].count(b"x-h") == 1000
    result = _check(b"".join(sealed.fields) + MESSAGE, hops)
    assert result.verdict.value == "pass"  # absent names add nothing: the work is one pass over the list
    bad = _edit(b"".join(sealed.fields) + MESSAGE, b"x-h999", b"x h999")
    assert _check(bad, hops).newest.ams.reason == "BAD_HEADER_LIST"


def _fields(config: SealConfig) -> dict:
    return {name: getattr(config, name) for name in SealConfig.__slots__}


def test_garbage_never_raises(hops):
    for junk in (b"ARC-Seal:\r\n", b"ARC-Seal: ;;;\r\n", b"ARC-Authentication-Results: i=1\r\n", b"\xff\xfe: x\r\n"):
        assert _check(junk + MESSAGE, hops).verdict.value in ("fail", "none")


def test_time_budget_with_a_clock(three, hops):
    ticks = iter([0.0] + [100.0] * 50)  # the deadline is set at 0 + 5 s; every later reading is past it
    result = verify(three, hops.resolver(), NOW, clock=lambda: next(ticks))
    assert (result.verdict.value, result.reason, result.newest.ams.reason) == (
        "fail",
        ArcReason.TEMPERROR,
        "TIME_BUDGET",
    )


def test_header_block_over_the_limit(three, hops):
    from toolkit.core.message import MAX_HEADER_BYTES

    filler = b"X-Filler: " + b"a" * 998 + b"\r\n"
    big = filler * (MAX_HEADER_BYTES // len(filler) + 1) + three
    result = _check(big, hops)
    assert (result.verdict.value, result.reason) == ("fail", ArcReason.HEADER_TOO_LARGE)

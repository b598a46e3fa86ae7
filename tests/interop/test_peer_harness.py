"""The oracles themselves: each peer must be able to say something other than "pass", and must read knot."""

from __future__ import annotations

import time

import pytest
from interop.corpus import CORPUS_BY_NAME
from interop.ours import describe, our_sign, our_verify
from support.peers import parse_opendkim_ar, split_ar

pytestmark = pytest.mark.peers

PLAIN = CORPUS_BY_NAME["plain"].wire


def test_split_and_parse_opendkim_ar() -> None:
    value = (
        'peer.example;\n\tdkim=fail reason="signature verification failed; really" (2048-bit key; unprotected)'
        " header.d=Example.COM header.i=@example.com header.a=rsa-sha256 header.s=sel header.b=1fP6UdkT;\n"
        "\tdkim=pass header.d=example.org header.a=ed25519-sha256 header.s=ed header.b=QaCC;\n\tdkim-atps=neutral"
    )
    assert len(split_ar(value)) == 4
    results = parse_opendkim_ar(value)
    assert [(r.verdict, r.domain, r.selector, r.algorithm) for r in results] == [
        ("fail", "example.com", "sel", "rsa-sha256"),
        ("pass", "example.org", "ed", "ed25519-sha256"),
    ]
    assert results[0].detail == "signature verification failed; really"


def test_every_peer_sees_tampering_and_absence(interop_env) -> None:
    now = int(time.time())
    signed = our_sign(PLAIN, interop_env.keys["rsa2048"].key, "rsa2048", "relaxed/relaxed", now)
    tampered = signed.replace(b"Just text.", b"Just text!")
    assert tampered != signed
    for name, peer in interop_env.peers.items():
        assert [r.verdict for r in peer.verify(signed)] == ["pass"], name
        assert [r.verdict for r in peer.verify(tampered)] == ["fail"], name
        assert [r.verdict for r in peer.verify(PLAIN)] == ["none"], name
    assert describe(our_verify(tampered, interop_env.resolver, now)) == ["fail:BODY_HASH_MISMATCH"]


def test_every_peer_reads_keys_from_knot(interop_env) -> None:
    """A selector absent from the zone: each peer reports a missing key, so none of them has the key elsewhere."""
    now = int(time.time())
    signed = our_sign(PLAIN, interop_env.keys["rsa2048"].key, "absent", "relaxed/relaxed", now)
    results = {name: peer.verify(signed) for name, peer in interop_env.peers.items()}
    assert [r.verdict for r in results["opendkim"]] == ["fail"]
    assert "key not found in DNS" in results["opendkim"][0].detail
    assert [(r.verdict, r.detail) for r in results["mail-dkim"]] == [
        ("permerror", "invalid (public key: not available)")
    ]
    assert [r.verdict for r in results["dkimpy"]] == ["fail"]
    assert describe(our_verify(signed, interop_env.resolver, now)) == ["permerror:KEY_NOT_FOUND"]

"""Differential DKIM tests against real peers: we sign -> OpenDKIM, Mail::DKIM, dkimpy verify; they sign -> we verify.

Matrix: peer x key (RSA 1024, RSA 2048, Ed25519) x the four canonicalization pairs, each over the whole corpus
(tests/interop/corpus.py). Every party gets its keys from knot on 127.0.0.1 (see conftest.py).

Anything other than "pass" is listed in the tables of known.py with the STANDARDS rule that says the peer is wrong.
The tests assert the exact verdicts, so they fail when a peer changes as well as when our engine changes.
test_pinned_disagreements.py pins each entry again on a minimal message, with the peer's reason text.
"""

from __future__ import annotations

import time

import pytest
from interop.corpus import CORPUS
from interop.known import KNOWN_OURS_ON_PEER, KNOWN_PEER_VERIFY, PEER_SIGN_REFUSES, lookup
from interop.ours import describe, our_sign, our_verify

pytestmark = pytest.mark.peers

PEERS = ("opendkim", "mail-dkim", "dkimpy")
KEYS = ("rsa1024", "rsa2048", "ed25519")
CANONS = ("simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed")


def test_tables_cite_rules() -> None:
    for table in (KNOWN_PEER_VERIFY, KNOWN_OURS_ON_PEER):
        for _pattern, _verdict, rule in table:
            assert rule.startswith("DKIM-")


@pytest.mark.parametrize("canon", CANONS)
@pytest.mark.parametrize("key_name", KEYS)
@pytest.mark.parametrize("peer_name", PEERS)
def test_peer_verifies_our_signatures(interop_env, peer_name: str, key_name: str, canon: str) -> None:
    published = interop_env.keys[key_name]
    peer = interop_env.peers[peer_name]
    now = int(time.time())
    signed = [our_sign(m.data, published.key, published.selector, canon, now) for m in CORPUS]
    # our own verdict on the same bytes first: a disagreement only means something if we pass our own output
    ours = {m.name: describe(our_verify(s, interop_env.resolver, now)) for m, s in zip(CORPUS, signed, strict=True)}
    assert ours == {m.name: ["pass:"] for m in CORPUS}

    results = peer.verify_many(signed)
    got = {m.name: [r.verdict for r in res] for m, res in zip(CORPUS, results, strict=True)}
    want = {}
    for m in CORPUS:
        known = lookup(KNOWN_PEER_VERIFY, peer_name, m.name, key_name, canon)
        want[m.name] = [known[0] if known else "pass"]
    details = {name: [r.detail for r in res] for name, res in zip(got, results, strict=True) if got[name] != ["pass"]}
    assert got == want, details
    for res in results:  # a pass is for the key we meant
        assert [(r.domain, r.selector) for r in res if r.verdict == "pass"] in (
            [],
            [("example.com", published.selector)],
        )


@pytest.mark.parametrize("canon", CANONS)
@pytest.mark.parametrize("key_name", KEYS)
@pytest.mark.parametrize("peer_name", PEERS)
def test_we_verify_peer_signatures(interop_env, peer_name: str, key_name: str, canon: str) -> None:
    published = interop_env.keys[key_name]
    peer = interop_env.peers[peer_name]
    sign_args = ("example.com", published.selector)
    if published.algorithm not in peer.algorithms:
        # pinned peer limitation: Mail::DKIM 1.20230212 cannot sign ed25519-sha256
        with pytest.raises(RuntimeError, match="unsupported algorithm ed25519-sha256"):
            peer.sign(CORPUS[0].wire, published.key, *sign_args, canon=canon)
        return
    messages = []
    for m in CORPUS:
        refusal = lookup(PEER_SIGN_REFUSES, peer_name, m.name, key_name, canon)
        if refusal:
            with pytest.raises(Exception, match=refusal[0]):
                peer.sign(m.wire, published.key, *sign_args, canon=canon)
        else:
            messages.append(m)
    signed = peer.sign_many([m.wire for m in messages], published.key, *sign_args, canon=canon)
    now = int(time.time())
    got, want = {}, {}
    for message, data in zip(messages, signed, strict=True):
        if b"\r" not in message.data and message.data != message.wire:  # bare LF: verify the file as stored (DKIM-22)
            data = data.replace(b"\r\n", b"\n")
        results = our_verify(data, interop_env.resolver, now)
        assert [(r.domain, r.selector) for r in results] == [("example.com", published.selector)]
        got[message.name] = describe(results)
        known = lookup(KNOWN_OURS_ON_PEER, peer_name, message.name, key_name, canon)
        want[message.name] = [known[0] if known else "pass:"]
    assert got == want

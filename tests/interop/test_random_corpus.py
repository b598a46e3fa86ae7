"""Seeded random messages (whitespace runs, folds, trailing WSP, blank lines, 8-bit text): every peer and we must
agree on every one, in every canonicalization, both directions. Seeds are fixed, so a failure reproduces with
`random_message(seed)` from tests/interop/corpus.py."""

from __future__ import annotations

import time

import pytest
from interop.corpus import random_message
from interop.ours import describe, our_sign, our_verify

pytestmark = pytest.mark.peers

SEEDS = range(40)
CANONS = ("simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed")
MESSAGES = {seed: random_message(seed) for seed in SEEDS}


@pytest.mark.parametrize("key_name", ["rsa2048", "ed25519"])
@pytest.mark.parametrize("canon", CANONS)
def test_peers_verify_our_random_messages(interop_env, canon: str, key_name: str) -> None:
    published = interop_env.keys[key_name]
    now = int(time.time())
    signed = [our_sign(MESSAGES[seed], published.key, published.selector, canon, now) for seed in SEEDS]
    assert all(describe(our_verify(s, interop_env.resolver, now)) == ["pass:"] for s in signed)
    for name, peer in interop_env.peers.items():
        if published.algorithm not in peer.algorithms:
            continue  # Mail::DKIM 1.20230212 has no Ed25519 (pinned in test_pinned_disagreements.py)
        verdicts = {seed: [r.verdict for r in res] for seed, res in zip(SEEDS, peer.verify_many(signed), strict=True)}
        assert {seed: v for seed, v in verdicts.items() if v != ["pass"]} == {}, name


@pytest.mark.parametrize("canon", CANONS)
@pytest.mark.parametrize("peer_name", ["mail-dkim", "dkimpy", "opendkim"])
def test_we_verify_peer_signed_random_messages(interop_env, peer_name: str, canon: str) -> None:
    published = interop_env.keys["rsa2048"]
    peer = interop_env.peers[peer_name]
    seeds = list(SEEDS) if peer_name != "opendkim" else list(SEEDS)[:15]  # one opendkim process per message
    signed = peer.sign_many([MESSAGES[s] for s in seeds], published.key, "example.com", "rsa2048", canon=canon)
    now = int(time.time())
    got = {
        seed: describe(our_verify(data, interop_env.resolver, now)) for seed, data in zip(seeds, signed, strict=True)
    }
    assert {seed: v for seed, v in got.items() if v != ["pass:"]} == {}

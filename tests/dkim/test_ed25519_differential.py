"""Issue 14 §4 (DKIM-21, RFC 8032): toolkit.core.ed25519.verify, which asks libsodium first, decides every
signature exactly as `cryptography` (OpenSSL) does: random keys and messages, valid and broken signatures,
malformed keys (random 32 bytes, small-order points, non-canonical encodings) and malformed signatures (wrong
length, S >= L, random bytes, R of small order)."""

from __future__ import annotations

import random

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nacl.bindings import crypto_scalarmult_ed25519_base_noclamp

from toolkit.core import ed25519

L = 2**252 + 27742317777372353535851937790883648493  # the group order
P = 2**255 - 19
# encodings of points of small order (RFC 8032 test lore; libsodium's blocklist): identity, order 2, 4 and 8
SMALL_ORDER = [
    bytes.fromhex("0100000000000000000000000000000000000000000000000000000000000000"),
    bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    bytes.fromhex("0000000000000000000000000000000000000000000000000000000000000080"),
    bytes.fromhex("0000000000000000000000000000000000000000000000000000000000000000"),
    bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
]


def reference(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def public(raw: bytes) -> Ed25519PublicKey | None:
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        return None  # not a key cryptography loads: keyrecord.py turns it into KEY_BAD_DATA, never verified


def cases(rng: random.Random):
    """(public key, signature, data) triples, about half of them valid."""
    for _ in range(400):
        private = Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
        key = private.public_key()
        data = rng.randbytes(rng.choice((0, 1, 32, 33, 200)))
        good = private.sign(data)
        yield key, good, data
        flip = bytearray(good)
        flip[rng.randrange(64)] ^= 1 << rng.randrange(8)
        yield key, bytes(flip), data
        if data:
            other = bytearray(data)
            other[rng.randrange(len(data))] ^= 1
            yield key, good, bytes(other)
        s = int.from_bytes(good[32:], "little")
        if s + L < 2**256:  # the same signature with a non-canonical S (S >= L): both must refuse it
            yield key, good[:32] + (s + L).to_bytes(32, "little"), data
        yield key, good[: rng.choice((0, 63))], data
        yield key, good + b"\0", data
        yield key, rng.randbytes(64), data
        random_key = public(rng.randbytes(32))
        if random_key is not None:
            yield random_key, good, data
        # a non-canonical encoding of the same public key's y (y + p fits only for small y, so mostly a new key)
        raw = bytearray(key.public_bytes_raw())
        raw[31] ^= 0x80  # the sign bit of x: the negated point
        negated = public(bytes(raw))
        if negated is not None:
            yield negated, good, data


def small_order_cases(rng: random.Random):
    """Keys of small order: R = s*B verifies under OpenSSL's cofactorless check (h*A is the identity for the
    identity key), libsodium refuses the key; our answer must still be OpenSSL's."""
    for encoding in SMALL_ORDER:
        key = public(encoding)
        if key is None:
            continue
        for _ in range(5):
            s = rng.randrange(L)
            r = crypto_scalarmult_ed25519_base_noclamp(s.to_bytes(32, "little"))
            data = rng.randbytes(32)
            yield key, r + s.to_bytes(32, "little"), data
            yield key, encoding + s.to_bytes(32, "little"), data  # R itself of small order


def test_same_verdicts_as_cryptography() -> None:
    rng = random.Random(14)
    seen = {True: 0, False: 0}
    for key, signature, data in [*cases(rng), *small_order_cases(rng)]:
        expected = reference(key, signature, data)
        assert ed25519.verify(key, signature, data) is expected, (key.public_bytes_raw().hex(), signature.hex())
        seen[expected] += 1
    assert seen[True] >= 400 and seen[False] >= 1600, seen


def test_a_signature_only_openssl_accepts_is_still_accepted() -> None:
    """The identity key and R = s*B: OpenSSL accepts, libsodium refuses (small-order key). The fallback is what
    keeps one semantic; without it this signature would fail."""
    key = Ed25519PublicKey.from_public_bytes(SMALL_ORDER[0])
    s = 12345
    signature = crypto_scalarmult_ed25519_base_noclamp(s.to_bytes(32, "little")) + s.to_bytes(32, "little")
    assert reference(key, signature, b"any")
    assert not ed25519._sodium_ok(SMALL_ORDER[0], signature, b"any")
    assert ed25519.verify(key, signature, b"any")


def test_libsodium_is_used_for_valid_signatures() -> None:
    private = Ed25519PrivateKey.generate()
    signature = private.sign(b"digest")
    assert ed25519._sodium() is not None
    assert ed25519._sodium_ok(private.public_key().public_bytes_raw(), signature, b"digest")

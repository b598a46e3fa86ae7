"""The one Ed25519 signature check (RFC 8032 pure Ed25519) for DKIM and ARC: `cryptography`'s verdict, faster.

libsodium (through PyNaCl) verifies in about half the time of OpenSSL through `cryptography` (bench/README.md).
The two do not accept exactly the same set: libsodium is stricter (it also refuses small-order and non-canonical
public keys and R points), and both compute the same cofactorless equation over canonical encodings. So every
signature libsodium accepts, OpenSSL accepts too; a signature libsodium refuses is asked of `cryptography`, whose
answer is final. The result is always `cryptography`'s, and a valid signature (the common case) costs one
libsodium check. tests/dkim/test_ed25519_differential.py compares the two over random and malformed inputs.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def verify(public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    """True if `signature` is a valid Ed25519 signature of `data` under `public_key`, exactly as
    `public_key.verify(signature, data)` decides it."""
    if (
        (type(public_key) is _OPENSSL_KEY or isinstance(public_key, Ed25519PublicKey))  # an ABC: isinstance is slow
        and len(signature) == 64
        and _sodium_ok(public_key.public_bytes_raw(), signature, data)
    ):
        return True
    try:
        public_key.verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


_OPENSSL_KEY = type(Ed25519PublicKey.from_public_bytes(bytes(32)))  # the class behind the ABC (cryptography's Rust)


def _sodium_ok(raw_key: bytes, signature: bytes, data: bytes) -> bool:
    sodium = _sodium()
    if sodium is None:
        return False
    lib, ffi = sodium
    signed = signature + data
    # no output buffer: libsodium's crypto_sign_ed25519_open only copies the message out when given one (it checks
    # m != NULL), and the verdict is all we read; an ffi.new per check cost about 1 us (issue 14)
    return lib.crypto_sign_open(ffi.NULL, ffi.NULL, signed, len(signed), raw_key) == 0


@lru_cache(maxsize=1)
def _sodium() -> tuple[Any, Any] | None:
    """libsodium's crypto_sign_open through PyNaCl's cffi binding; imported on the first Ed25519 check, so
    commands that never see one do not load it. Without PyNaCl every check goes to `cryptography`."""
    try:
        import nacl.bindings  # noqa: F401 - its import runs sodium_init()
        from nacl._sodium import ffi, lib  # the raw binding: no exception object per refused signature
    except ImportError:  # pragma: no cover - PyNaCl is a runtime dependency
        return None
    return lib, ffi

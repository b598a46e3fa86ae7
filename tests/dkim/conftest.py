"""Keys, key records and a small DNS world for the DKIM tests (generated once per session: RSA is slow)."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from toolkit.resolvers.memory import MemoryResolver

NOW = 1_700_000_000
DOMAIN = "example.com"

MESSAGE = (
    b"Received: from mx.example.net by mx.example.com; Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    b"From: Alice <alice@example.com>\r\n"
    b"To: Bob <bob@example.org>\r\n"
    b"Subject: Lunch  on\r\n\tThursday?\r\n"
    b"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    b"Message-ID: <m1@example.com>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Hi Bob,  \r\n"
    b"\r\n"
    b"shall we\t try the new  place?\r\n"
    b"\r\n"
    b"\r\n"
)


def _is_probable_prime(n: int) -> bool:
    if n < 2 or n % 2 == 0:
        return n == 2
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(32):
        x = pow(secrets.randbelow(n - 3) + 2, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int) -> int:
    while True:
        candidate = secrets.randbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if candidate % 65537 != 1 and _is_probable_prime(candidate):
            return candidate


def short_rsa_key(bits: int = 512) -> rsa.RSAPrivateKey:
    """cryptography refuses to generate keys under 1024 bits; build one from primes (tests of KEY_TOO_SHORT)."""
    e = 65537
    while True:
        p, q = _prime(bits // 2), _prime(bits // 2)
        if p != q and (p * q).bit_length() == bits:
            break
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, p * q))
    return numbers.private_key()


def p_value(private_key) -> str:
    """The p= of a key record: SPKI for RSA, raw 32 bytes for Ed25519 (DKIM-16/17)."""
    public = private_key.public_key()
    if isinstance(public, ed25519.Ed25519PublicKey):
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        raw = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(raw).decode()


def key_record(private_key, extra: str = "") -> str:
    kind = "ed25519" if isinstance(private_key, ed25519.Ed25519PrivateKey) else "rsa"
    return f"v=DKIM1; k={kind};{(' ' + extra + ';') if extra else ''} p={p_value(private_key)}"


@dataclass(frozen=True)
class Keys:
    rsa: rsa.RSAPrivateKey  # 2048
    rsa1024: rsa.RSAPrivateKey
    rsa_other: rsa.RSAPrivateKey
    ed: ed25519.Ed25519PrivateKey
    ed_other: ed25519.Ed25519PrivateKey
    rsa512: rsa.RSAPrivateKey

    # helpers for test modules (importlib mode: they cannot import this conftest)
    NOW = NOW
    MESSAGE = MESSAGE
    record = staticmethod(key_record)
    p = staticmethod(p_value)

    def zone(self, **overrides) -> dict:
        """A MemoryResolver mapping: selectors rsa, rsa1024, ed under example.com, plus overrides {name: types}."""
        mapping = {
            f"rsa._domainkey.{DOMAIN}": {"TXT": [[key_record(self.rsa)]]},
            f"rsa1024._domainkey.{DOMAIN}": {"TXT": [[key_record(self.rsa1024)]]},
            f"ed._domainkey.{DOMAIN}": {"TXT": [[key_record(self.ed)]]},
        }
        mapping.update(overrides)
        return mapping

    def resolver(self, **overrides) -> MemoryResolver:
        return MemoryResolver(self.zone(**overrides))


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys(
        rsa=rsa.generate_private_key(65537, 2048),
        rsa1024=rsa.generate_private_key(65537, 1024),
        rsa_other=rsa.generate_private_key(65537, 2048),
        ed=ed25519.Ed25519PrivateKey.generate(),
        ed_other=ed25519.Ed25519PrivateKey.generate(),
        rsa512=short_rsa_key(512),
    )

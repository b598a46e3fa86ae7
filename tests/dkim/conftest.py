"""Keys, key records and a small DNS world for the DKIM tests (generated once per session: RSA is slow)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from support.weak_keys import short_rsa_key

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

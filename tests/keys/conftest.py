"""Fixtures for the key tests: generated keys shared per module, and RSA keys under 1024 bits, which cryptography
will not generate, built from seeded primes (test data only)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from support.weak_keys import short_rsa_key

from toolkit.core.dkim.keys import SigningKey, generate_key


@pytest.fixture(scope="session")
def rsa2048() -> SigningKey:
    return generate_key("rsa", 2048)


@pytest.fixture(scope="session")
def rsa1024() -> SigningKey:
    return generate_key("rsa", 1024)


@pytest.fixture(scope="session")
def ed25519_key() -> SigningKey:
    return generate_key("ed25519")


@pytest.fixture(scope="session")
def rsa512() -> rsa.RSAPrivateKey:
    return short_rsa_key(512, seed=1)

"""Fixtures for the key tests: generated keys shared per module, and RSA keys under 1024 bits, which cryptography
will not generate, built from seeded primes (test data only)."""

from __future__ import annotations

import random

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from toolkit.core.keys import SigningKey, generate_key


def _probable_prime(rng: random.Random, bits: int) -> int:
    while True:
        candidate = rng.getrandbits(bits) | (1 << (bits - 1)) | 1
        if _miller_rabin(candidate, rng):
            return candidate


def _miller_rabin(n: int, rng: random.Random, rounds: int = 32) -> bool:
    if n % 3 == 0 or n % 5 == 0 or n % 7 == 0:
        return False
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def small_rsa_key(bits: int = 512, seed: int = 1) -> rsa.RSAPrivateKey:
    rng = random.Random(seed)
    e = 65537
    while True:
        p, q = _probable_prime(rng, bits // 2), _probable_prime(rng, bits // 2)
        n = p * q
        if p != q and n.bit_length() == bits and (p - 1) % e and (q - 1) % e:
            break
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q), rsa.RSAPublicNumbers(e, n)
    )
    return numbers.private_key()


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
    return small_rsa_key(512)

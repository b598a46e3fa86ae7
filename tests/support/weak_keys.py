"""RSA keys below cryptography's 1024-bit generation floor, for tests of the DKIM-16/DKIM-34 minimum.

cryptography refuses to generate them but still loads and signs with one built from its primes.
"""

from __future__ import annotations

import random

from cryptography.hazmat.primitives.asymmetric import rsa

E = 65537


def _is_probable_prime(n: int, rng: random.Random, rounds: int = 32) -> bool:
    """Miller-Rabin."""
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


def _prime(bits: int, rng: random.Random) -> int:
    while True:
        candidate = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if candidate % E != 1 and _is_probable_prime(candidate, rng):
            return candidate


def short_rsa_key(bits: int = 512, seed: int | None = None) -> rsa.RSAPrivateKey:
    """An RSA key of exactly `bits` bits; the same key for the same seed, a fresh one without."""
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    while True:
        p, q = _prime(bits // 2, rng), _prime(bits // 2, rng)
        if p != q and (p * q).bit_length() == bits:
            break
    d = pow(E, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q), rsa.RSAPublicNumbers(E, p * q)
    )
    return numbers.private_key()

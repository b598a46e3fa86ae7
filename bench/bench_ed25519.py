"""Ed25519 DKIM verify next to the bare primitives, in one process, with and without libsodium (issue 14 §4).

    python3 bench/bench_ed25519.py [--rounds 5] [--messages 200]

Workload: the bench_dkim corpus (200 newsletter-like ~7 KB messages, tests/interop/corpus.py), relaxed/relaxed,
keys from a warm MemoryResolver. Each round measures every row once, in this order, so all rows of a round see
the same machine load; figures are operations per CPU second (time.process_time), the median over the rounds.

- `cryptography` Ed25519 verify: the bare OpenSSL primitive over a 32-byte digest (the issue's ceiling);
- libsodium Ed25519 verify: PyNaCl's VerifyKey.verify over the same digest;
- DKIM verify Ed25519 / RSA-2048 and DKIM sign Ed25519 / RSA-2048 (toolkit.core.dkim), twice: as shipped
  (toolkit.core.ed25519 asks libsodium first) and with libsodium switched off in this process (every check
  through `cryptography`, as before issue 14), so the change and the other algorithms are compared in one run.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from interop.corpus import typical_message  # noqa: E402
from nacl.signing import VerifyKey  # noqa: E402

from toolkit.core import ed25519  # noqa: E402
from toolkit.core.dkim import SignerConfig, sign, verify  # noqa: E402
from toolkit.core.dkim.keys import generate_key  # noqa: E402
from toolkit.core.message import parse_message  # noqa: E402
from toolkit.resolvers.caching import CachingResolver  # noqa: E402
from toolkit.resolvers.memory import MemoryResolver  # noqa: E402

NOW = 1_795_000_000


def per_cpu_second(fn: Callable[[], object], count: int) -> float:
    start = time.process_time()
    for _ in range(count):
        fn()
    return count / (time.process_time() - start)


def corpus_rate(fn: Callable[[bytes], object], messages: list, passes: int = 3) -> float:
    start = time.process_time()
    for _ in range(passes):
        for message in messages:
            fn(message)
    return passes * len(messages) / (time.process_time() - start)


def corpus(count: int) -> tuple:
    """An Ed25519 and an RSA-2048 key, a warm resolver serving both (selectors ed and rsa at example.com), and
    `count` messages of the bench_dkim corpus: the workload of this bench and of profile_core.py."""
    ed_key, rsa_key = generate_key("ed25519"), generate_key("rsa", 2048)
    resolver = CachingResolver(
        MemoryResolver(
            {
                "ed._domainkey.example.com": {"TXT": [ed_key.dns_txt_strings()]},
                "rsa._domainkey.example.com": {"TXT": [rsa_key.dns_txt_strings()]},
            }
        )
    )
    return ed_key, rsa_key, resolver, [typical_message(i) for i in range(count)]


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    """Measure, print the table, and return every row's figures per round."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args(argv)
    ed_key, rsa_key, resolver, raws = corpus(args.messages)
    signed = {
        alg: [parse_message(sign(raw, [SignerConfig("example.com", sel, key)], NOW)) for raw in raws]
        for alg, sel, key in (("ed", "ed", ed_key), ("rsa", "rsa", rsa_key))
    }
    signers = {"ed": [SignerConfig("example.com", "ed", ed_key)], "rsa": [SignerConfig("example.com", "rsa", rsa_key)]}
    for alg in signed:
        assert verify(signed[alg][0], resolver, NOW)[0].verdict.value == "pass"
    digest = hashlib.sha256(b"x").digest()
    private = ed_key.private_key
    public = private.public_key()
    signature = private.sign(digest)
    sodium_key = VerifyKey(public.public_bytes_raw())

    rows: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        rows.setdefault(name, []).append(value)

    sodium = ed25519._sodium
    for _ in range(args.rounds):
        add("cryptography Ed25519 verify (primitive)", per_cpu_second(lambda: public.verify(signature, digest), 3000))
        add("libsodium Ed25519 verify (PyNaCl)", per_cpu_second(lambda: sodium_key.verify(digest, signature), 3000))
        add("toolkit.core.ed25519.verify", per_cpu_second(lambda: ed25519.verify(public, signature, digest), 3000))
        for mode in ("after", "before"):
            ed25519._sodium = sodium if mode == "after" else (lambda: None)  # before: every check via cryptography
            add(f"{mode}: DKIM verify Ed25519", corpus_rate(lambda m: verify(m, resolver, NOW), signed["ed"]))
            add(f"{mode}: DKIM verify RSA-2048", corpus_rate(lambda m: verify(m, resolver, NOW), signed["rsa"]))
            add(f"{mode}: DKIM sign Ed25519", corpus_rate(lambda r: sign(r, signers["ed"], NOW), raws))
            add(f"{mode}: DKIM sign RSA-2048", corpus_rate(lambda r: sign(r, signers["rsa"], NOW), raws, 1))
        ed25519._sodium = sodium

    ceiling = rows["cryptography Ed25519 verify (primitive)"]
    print(f"{args.rounds} rounds, {args.messages} messages of ~7 KB; per CPU second of this process, median "
          f"(min-max); load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"{'row':42} {'op/s':>8}  of the cryptography Ed25519 primitive (same round)")
    for name, values in rows.items():
        ratios = [v / c for v, c in zip(values, ceiling, strict=True)]
        print(f"{name:42} {statistics.median(values):8.0f}  {statistics.median(ratios):.2f} "
              f"({min(ratios):.2f}-{max(ratios):.2f})")  # fmt: skip
    for op in ("DKIM verify Ed25519", "DKIM verify RSA-2048", "DKIM sign Ed25519", "DKIM sign RSA-2048"):
        ratios = [a / b for a, b in zip(rows[f"after: {op}"], rows[f"before: {op}"], strict=True)]
        print(f"after/before {op:29} {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})")
    return rows


if __name__ == "__main__":
    main()

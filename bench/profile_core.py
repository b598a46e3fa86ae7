"""Where the per-message Python time of the pure DKIM core goes (issue 14 §4): cProfile tables and per-step timings.

    python3 bench/profile_core.py [--messages 200] [--passes 5] [--top 18] [--no-profile]

Workload: the bench_ed25519 corpus (tests/interop/corpus.py, ~7 KB newsletter-like messages), relaxed/relaxed,
keys from a warm in-memory resolver. Prints, per message and in CPU microseconds (time.process_time, best of
`--passes` passes over the corpus, so the figure least disturbed by other load on a shared machine):
parse_message, the relaxed body hash, the relaxed header input, parse_tag_list of the signature, the whole verify
(Ed25519 and RSA-2048), the whole sign (Ed25519 and RSA-2048), and the bare primitives next to them. Then a cProfile
table (by own time) of verify Ed25519 and of sign RSA-2048 over the corpus.
Run it from a checkout: it imports the toolkit of the tree it lives in (so an older worktree profiles its own code).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(Path(__file__).resolve().parent)]

from bench_ed25519 import corpus  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402

from toolkit.core.canon import body_hash  # noqa: E402
from toolkit.core.dkim import SignerConfig, sign, verify  # noqa: E402
from toolkit.core.dkim.common import header_hash_input, index_headers, remove_b_value, select_headers  # noqa: E402
from toolkit.core.message import parse_message  # noqa: E402
from toolkit.core.tags import parse_tag_list  # noqa: E402

NOW = 1_795_000_000


def per_item_us(fn: Callable[[object], object], items: list, passes: int) -> float:
    """Best pass, CPU microseconds per item."""
    best = float("inf")
    for _ in range(passes):
        start = time.process_time()
        for item in items:
            fn(item)
        best = min(best, time.process_time() - start)
    return best / len(items) * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--top", type=int, default=18)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args(argv)
    ed_key, rsa_key, resolver, raws = corpus(args.messages)
    signers = {"ed": [SignerConfig("example.com", "ed", ed_key)], "rsa": [SignerConfig("example.com", "rsa", rsa_key)]}
    signed = {alg: [parse_message(sign(raw, signers[alg], NOW)) for raw in raws] for alg in signers}
    for alg in signed:
        assert all(r.verdict.value == "pass" for m in signed[alg] for r in verify(m, resolver, NOW))
    ed_msgs = signed["ed"]
    sig_fields = [next(h for h in m.headers if h.lname == "dkim-signature") for m in ed_msgs]
    selections = []
    for m, sig in zip(ed_msgs, sig_fields, strict=True):
        names = [n.strip().lower() for n in parse_tag_list(sig.value).get("h", "").split(":")]
        selections.append((select_headers(index_headers(m.headers), names), remove_b_value(sig.raw)))
    digest = hashlib.sha256(b"x").digest()
    ed_public = ed_key.private_key.public_key()
    ed_signature = ed_key.private_key.sign(digest)
    rsa_private = rsa_key.private_key
    rsa_public = rsa_private.public_key()
    rsa_signature = rsa_private.sign(b"x", padding.PKCS1v15(), hashes.SHA256())
    one = [None] * 1000
    passes = args.passes
    rows = [
        ("parse_message (signed, ~7.5 KB)", per_item_us(lambda m: parse_message(m.raw), ed_msgs, passes)),
        ("body_hash relaxed", per_item_us(lambda m: body_hash(m.body, "relaxed"), ed_msgs, passes)),
        ("header_hash_input relaxed", per_item_us(lambda s: header_hash_input(s[0], s[1], "relaxed"), selections,
                                                  passes)),  # fmt: skip
        ("parse_tag_list (DKIM-Signature)", per_item_us(lambda h: parse_tag_list(h.value), sig_fields, passes)),
        ("DKIM verify Ed25519 (parsed)", per_item_us(lambda m: verify(m, resolver, NOW), ed_msgs, passes)),
        ("DKIM verify RSA-2048 (parsed)", per_item_us(lambda m: verify(m, resolver, NOW), signed["rsa"], passes)),
        ("DKIM sign Ed25519 (raw)", per_item_us(lambda r: sign(r, signers["ed"], NOW), raws, passes)),
        ("DKIM sign RSA-2048 (raw)", per_item_us(lambda r: sign(r, signers["rsa"], NOW), raws, passes)),
        ("cryptography Ed25519 verify", per_item_us(lambda _: ed_public.verify(ed_signature, digest), one, passes)),
        ("cryptography RSA-2048 verify", per_item_us(
            lambda _: rsa_public.verify(rsa_signature, b"x", padding.PKCS1v15(), hashes.SHA256()), one, passes)),
        ("cryptography RSA-2048 sign", per_item_us(
            lambda _: rsa_private.sign(b"x", padding.PKCS1v15(), hashes.SHA256()), one[:300], passes)),
    ]  # fmt: skip
    print(f"{len(raws)} messages; CPU microseconds per item, best of {passes} passes")
    for name, value in rows:
        print(f"  {name:36} {value:8.1f}")
    if args.no_profile:
        return

    def verify_all() -> None:  # results dropped as they come (kept, they make the cyclic GC run inside the profile)
        for _ in range(5):
            for m in ed_msgs:
                verify(m, resolver, NOW)

    def sign_all() -> None:
        for r in raws:
            sign(r, signers["rsa"], NOW)

    for label, work in (("verify Ed25519", verify_all), ("sign RSA-2048", sign_all)):
        profiler = cProfile.Profile()
        profiler.runcall(work)
        print(f"\n--- cProfile: {label} (by own time, top {args.top}) ---")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()

"""ARC chain validation per second: a 3-instance chain (RSA-2048 seals), ours next to dkimpy's arc_verify.

    python3 bench/bench_arc.py [--runs 5] [--messages 200]

- the chain: a ~7 KB message (tests/interop/corpus.py typical_message) sealed by three forwarders in turn with
  our sealer (toolkit.core.arc.seal), each with its own RSA-2048 key; 3 AMS + 3 AS per message, so one
  validation is 6 RSA verifies (the newest AMS, the two older AMS for oldest-pass, three seals).
- ours: `toolkit.core.arc.verify(bytes, resolver, now)` with keys from a MemoryResolver (parse included).
- dkimpy: `dkim.arc_verify(bytes, dnsfunc=...)` with a dnsfunc returning the record from a dict.
- a 50-instance chain (the most ARC allows): ours, validations per second, to show the work stays bounded.
Rates are messages per CPU second of this process (time.process_time), median of --runs passes, pinned to one
core. Target (issue 12): >= 2,000 msg/s per core for the 3-instance chain.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import dkim  # noqa: E402
from bench_dkim import median_rate, pin_one_core  # noqa: E402
from interop.corpus import typical_message  # noqa: E402

from toolkit.core.arc import verify  # noqa: E402
from toolkit.core.arc.seal import SealConfig, seal  # noqa: E402
from toolkit.core.dkim.keys import generate_key  # noqa: E402
from toolkit.resolvers.memory import MemoryResolver  # noqa: E402

NOW = 1_795_825_000
TARGET = 2000


def build(hops: int, keys: dict, resolver: MemoryResolver) -> bytes:
    message = typical_message(0)
    domains = list(keys)
    for n in range(hops):
        domain = domains[n % len(domains)]
        chain = verify(message, resolver, NOW)
        config = SealConfig(domain, "arc", keys[domain], f"mx.{domain}")
        message = b"".join(seal(message, config, f"arc={chain.verdict}", chain, NOW).fields) + message
    return message


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    cpu = pin_one_core()
    keys = {f"fwd{n}.example.net": generate_key("rsa", 2048) for n in (1, 2, 3)}
    records = {f"arc._domainkey.{d}": f"v=DKIM1; k=rsa; p={k.public_key_b64()}" for d, k in keys.items()}
    resolver = MemoryResolver({name: {"TXT": [value]} for name, value in records.items()})
    three = build(3, keys, resolver)
    fifty = build(50, keys, resolver)
    assert verify(three, resolver, NOW).verdict.value == "pass" and verify(fifty, resolver, NOW).passed
    by_name = {name.encode(): value.encode() for name, value in records.items()}

    def dnsfunc(name: bytes, timeout: float = 5) -> bytes:
        return by_name.get(name.rstrip(b"."), b"")

    assert dkim.arc_verify(three, dnsfunc=dnsfunc)[0] == b"pass"
    count = args.messages

    def ours_three() -> None:
        for _ in range(count):
            verify(three, resolver, NOW)

    def dkimpy_three() -> None:
        for _ in range(count):
            dkim.arc_verify(three, dnsfunc=dnsfunc)

    def ours_fifty() -> None:
        for _ in range(20):
            verify(fifty, resolver, NOW)

    rows = [
        ("ours, 3 instances", median_rate(count, args.runs, ours_three)),
        ("dkimpy arc_verify, 3 instances", median_rate(count, args.runs, dkimpy_three)),
        ("ours, 50 instances", median_rate(20, args.runs, ours_fifty)),
    ]
    print(f"ARC validation, messages per CPU second (core {cpu}, median of {args.runs} runs, {len(three)} bytes)")
    for label, rate in rows:
        print(f"  {label:<34} {rate:>9,.0f}/s")
    ours = rows[0][1]
    verdict = "met" if ours >= TARGET else "NOT met"
    print(f"  target >= {TARGET:,}/s for 3 instances: {verdict}; ours/dkimpy {ours / rows[1][1]:.1f}x")
    return 0 if ours >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())

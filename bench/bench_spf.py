"""SPF evaluations per second on a realistic include chain with a warm cache, ours next to pyspf 2.0.14.

Run: python3 bench/bench_spf.py [--runs 7] [--evals 5000] [--profile]

Both sides get their DNS from memory, so this measures the evaluators, not the network:
- ours: toolkit.spf.check_host over CachingResolver(MemoryResolver) (warm), and over a bare dict resolver;
- pyspf: spf.query(...).check() with spf.DNSLookup answering from a precomputed dict (its per-query cache is
  fresh for every check, as in real use).
The figure is the median of several runs, in CPU time of this process (evaluations per second per core).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolkit.core.dns import DnsAnswer, DnsStatus  # noqa: E402
from toolkit.resolvers.caching import CachingResolver  # noqa: E402
from toolkit.resolvers.memory import MemoryResolver  # noqa: E402
from toolkit.spf import check_host  # noqa: E402

# A sender with its own blocks, a provider include two levels deep (like _spf.google.com -> _netblocks*), an
# SES-like include and mx; documentation names and addresses only.
WORLD = {
    "example.com": {
        "TXT": [
            "v=spf1 include:_spf.example.net include:amazonses.test mx ip4:192.0.2.0/28 -all",
            "site-verification=abc123",
        ],
        "MX": [[10, "mx1.example.com"], [20, "mx2.example.com"]],
    },
    "mx1.example.com": {"A": ["192.0.2.20"]},
    "mx2.example.com": {"A": ["192.0.2.21"]},
    "_spf.example.net": {
        "TXT": [
            "v=spf1 include:_netblocks.example.net include:_netblocks2.example.net include:_netblocks3.example.net ~all"
        ]
    },
    "_netblocks.example.net": {
        "TXT": [" ".join(["v=spf1"] + [f"ip4:198.51.100.{i * 16}/28" for i in range(8)] + ["~all"])]
    },
    "_netblocks2.example.net": {
        "TXT": [" ".join(["v=spf1"] + [f"ip6:2001:db8:{i:x}::/48" for i in range(8)] + ["~all"])]
    },
    "_netblocks3.example.net": {"TXT": ["v=spf1 ip4:198.51.100.128/25 ~all"]},
    "amazonses.test": {"TXT": ["v=spf1 ip4:203.0.113.0/25 ip4:203.0.113.192/26 ip6:2001:db8:5e5::/48 -all"]},
}
CASES = {"pass via 2nd include": "203.0.113.200", "fail after all terms": "203.0.113.150"}
SENDER = "bounce-123@example.com"
HELO = "mail.example.org"


class DictResolver:
    """Precomputed answers: the cheapest possible Resolver, to show the evaluator's own cost."""

    def __init__(self, inner: MemoryResolver) -> None:
        self.inner = inner
        self.answers: dict[tuple[str, str], DnsAnswer] = {}

    def query(self, name: str, rdtype: str) -> DnsAnswer:
        key = (name, rdtype)
        answer = self.answers.get(key)
        if answer is None:
            answer = self.answers[key] = self.inner.query(name, rdtype)
        return answer


def bench_ours(resolver, ip: str, evals: int) -> float:
    start = time.process_time()
    for _ in range(evals):
        check_host(ip, "example.com", SENDER, HELO, resolver)
    return evals / (time.process_time() - start)


def pyspf_setup():
    import spf

    memory = MemoryResolver(WORLD)
    table: dict[tuple[str, str], list] = {}

    def lookup(name, qtype, strict=True, timeout=None, level=0):
        key = (name.lower(), qtype)
        found = table.get(key)
        if found is None:
            answer = memory.query(name, qtype)
            if answer.status is DnsStatus.TEMPFAIL:
                raise spf.TempError("DNS timeout")
            found = table[key] = [((name, qtype), r) for r in answer.records]
        return found

    spf.DNSLookup = lookup  # this bench process only
    return spf


def bench_pyspf(spf, ip: str, evals: int) -> float:
    start = time.process_time()
    for _ in range(evals):
        spf.query(i=ip, s=SENDER, h=HELO).check()
    return evals / (time.process_time() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--evals", type=int, default=5000)
    parser.add_argument("--profile", action="store_true", help="profile ours (cProfile) instead of timing")
    args = parser.parse_args()

    caching = CachingResolver(MemoryResolver(WORLD))
    bare = DictResolver(MemoryResolver(WORLD))
    if args.profile:
        import cProfile
        import pstats

        cProfile.runctx("bench_ours(caching, '203.0.113.150', 5000)", globals(), {"caching": caching}, "/dev/null")
        prof = cProfile.Profile()
        prof.runcall(bench_ours, caching, "203.0.113.150", args.evals)
        pstats.Stats(prof).sort_stats("tottime").print_stats(18)
        return 0

    spf = pyspf_setup()
    rows = []
    for label, ip in CASES.items():
        results = {}
        for name, fn in (
            ("ours (CachingResolver)", lambda ip=ip: bench_ours(caching, ip, args.evals)),
            ("ours (dict resolver)", lambda ip=ip: bench_ours(bare, ip, args.evals)),
            ("pyspf 2.0.14", lambda ip=ip: bench_pyspf(spf, ip, max(args.evals // 4, 200))),
        ):
            fn()  # warm caches and parse caches
            results[name] = statistics.median(fn() for _ in range(args.runs))
        expected = check_host(ip, "example.com", SENDER, HELO, caching).verdict.value
        theirs = spf.query(i=ip, s=SENDER, h=HELO).check()[0]
        rows.append((label, expected, theirs, results))

    print(f"SPF evaluations/s, single core, median of {args.runs} runs (python {sys.version.split()[0]})")
    header = f"{'case':24} {'result':9} {'ours+CachingResolver':>21} {'ours+dict':>11} {'pyspf':>9} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for label, ours_result, their_result, results in rows:
        ratio = results["ours (CachingResolver)"] / results["pyspf 2.0.14"]
        agree = ours_result if ours_result == their_result else f"{ours_result}!={their_result}"
        cached, bare, theirs = (results[k] for k in ("ours (CachingResolver)", "ours (dict resolver)", "pyspf 2.0.14"))
        print(f"{label:24} {agree:9} {cached:>21,.0f} {bare:>11,.0f} {theirs:>9,.0f} {ratio:>6.1f}x")
    print("target: >= 20,000 evaluations/s/core with a warm cache")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Issue 14's table again, before and after, from one run: the batch commands, the milter under Postfix, Ed25519.

    python3 bench/throughput.py [--before DIR] [--messages 5000] [--quick]

--before DIR is a source tree of the code before issue 14 (`git worktree add /tmp/before ba50810`); without it the
before columns are empty, except Ed25519's (libsodium switched off in the same process). Runs bench_batch.py,
bench_milter.py and bench_ed25519.py (each prints its own table first), then the summary. Every figure is wall
clock except Ed25519's (CPU time of one process); every ratio compares figures of the same round. --quick: fewer
messages and rounds, to check the script, not for figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_batch  # noqa: E402
import bench_ed25519  # noqa: E402
import bench_milter  # noqa: E402


def ratio_text(values: list[float], digits: int = 2, suffix: str = "") -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.{digits}f}{suffix} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def batch_rows(rounds: list[dict], have_before: bool) -> list[tuple[str, str, str, str]]:
    def ratios(num: str, den: str) -> list[float]:
        return [r[num] / r[den] for r in rounds if num in r and den in r]

    rows = []
    # the figure was one sign-eml process (it had no --jobs then) against the 1-process primitive; 2 jobs
    # are compared with the primitive in 2 processes
    rows.append((
        "sign-eml --output-dir / OpenSSL RSA-2048 sign primitive, as many processes",
        ratio_text(ratios("before sign-eml 1j", "rsa primitive 1p")) if have_before else "-",
        f"1 job {ratio_text(ratios('after sign-eml 1j', 'rsa primitive 1p'))}; "
        f"2 jobs {ratio_text(ratios('after sign-eml 2j', 'rsa primitive 2p'))}",
        ">= 0.7",
    ))  # fmt: skip
    rows.append((
        "verify-eml --checks dkim, 2 jobs / 1 job",
        ratio_text(ratios("before verify-eml 2j", "before verify-eml 1j"), suffix="x") if have_before else "-",
        ratio_text(ratios("after verify-eml 2j", "after verify-eml 1j"), suffix="x"),
        ">= 1.8x",
    ))  # fmt: skip
    ceilings = [bench_batch.two_job_ceiling(r) for r in rounds if "after verify-eml one message" in r]
    amdahl = "  ceiling by Amdahl's law: serial part = a one-message run"
    rows.append((amdahl, "", ratio_text(ceilings, suffix="x"), ""))
    control = [r["count"] / r["after verify-eml 1j"] / r["after verify-eml halves together"]
               for r in rounds if "after verify-eml halves together" in r]  # fmt: skip
    slower = ratios("after verify-eml halves together", "after verify-eml half alone")
    together = f"{ratio_text(control, suffix='x')}; together {ratio_text(slower, suffix='x')} one alone"
    rows.append(
        ("  control: two independent 1-job commands over half each, at once (no pool) / 1 job", "", together, "")
    )
    floor = [bench_batch.floor_ceiling(r) for r in rounds if "import floor" in r]
    rows.append(("  ceiling were the serial part only python3 + cryptography + dns.zone, with that slowdown", "",
                 ratio_text(floor, suffix="x"), ""))  # fmt: skip
    rows.append((
        "verify-eml 1 job / in-process verify_message",
        ratio_text(ratios("before verify-eml 1j", "verify_message in process")) if have_before else "-",
        ratio_text(ratios("after verify-eml 1j", "verify_message in process")),
        ">= 0.8",
    ))  # fmt: skip
    rows.append((
        "verify-eml --help / python3 -c pass",
        ratio_text(ratios("before verify-eml --help", "python3 -c pass"), 1, "x") if have_before else "-",
        ratio_text(ratios("after verify-eml --help", "python3 -c pass"), 1, "x"),
        "<= 4x",
    ))  # fmt: skip
    primitive = statistics.median(r["rsa primitive 1p"] for r in rounds)
    rows.append(("OpenSSL RSA-2048 sign primitive, 1 process (same run)", "", f"{primitive:,.0f}/s", ""))
    return rows


def milter_rows(results: list[dict]) -> list[tuple[str, str, str, str]]:
    bare = {(r["round"], r["workload"]): r["msgs_per_s"] for r in results if r["filter"] == "none"}

    def ratios(name: str, workload: str) -> list[float]:
        return [r["msgs_per_s"] / bare[(r["round"], workload)] for r in results
                if r["filter"] == name and r["workload"] == workload and bare.get((r["round"], workload))]  # fmt: skip

    def rate(name: str, workload: str) -> str:
        values = [r["msgs_per_s"] for r in results if r["filter"] == name and r["workload"] == workload]
        return f"{statistics.median(values):.0f} msg/s" if values else "-"

    def latency(name: str, workload: str) -> str:
        rows = [r for r in results if r["filter"] == name and r["workload"] == workload and "milter_p50_ms" in r]
        return f"p50 {rows[-1]['milter_p50_ms']} ms, p99 {rows[-1]['milter_p99_ms']} ms" if rows else "-"

    def cpu(name: str, workload: str) -> str:
        rows = [r for r in results if r["filter"] == name and r["workload"] == workload and "filter_cpu_ms" in r]
        if not rows:
            return "-"
        return (f"{statistics.median(r['filter_cpu_ms'] for r in rows):.2f} / "
                f"{statistics.median(r['machine_cpu_ms'] for r in rows):.2f} ms")  # fmt: skip

    def extra(name: str, workload: str) -> str:
        values = [mine - alone for mine, alone in bench_milter.cpu_pairs(results, name, workload)]
        return f"+{statistics.median(values):.2f} ms" if values else "-"

    rows = []
    for workload in ("verify", "sign"):
        rows.append((f"Postfix alone, {workload} (8 clients)", "", rate("none", workload), ""))
        machine = cpu("none", workload).split(" / ")[-1]
        rows.append((f"  CPU per message, whole machine, {workload}", "", machine, ""))
        budget = [alone / 3 for _, alone in bench_milter.cpu_pairs(results, "none", workload)]
        rows.append((
            f"  CPU budget for 0.75 (a third of Postfix alone's) / extra: C null milter, emlauth, {workload}",
            "",
            f"{statistics.median(budget) if budget else 0:.2f} ms / {extra('c-null-unix', workload)}, "
            f"{extra('emlauth-unix', workload)} (unix: socket)",
            "",
        ))  # fmt: skip
        rows.append((
            f"Postfix + emlauth milter, {workload}, full SPF+DKIM+DMARC / Postfix alone",
            f"{ratio_text(ratios('before', workload))} [{rate('before', workload)}]",
            f"1 proc {ratio_text(ratios('emlauth', workload))} [{rate('emlauth', workload)}]; "
            f"2 proc {ratio_text(ratios('emlauth-2p', workload))}; unix: socket "
            f"{ratio_text(ratios('emlauth-unix', workload))} [{rate('emlauth-unix', workload)}]",
            ">= 0.75",
        ))  # fmt: skip
        rows.append((
            f"  ceiling: our milter shell reading every message and checking nothing / Postfix alone, {workload}",
            "",
            f"{ratio_text(ratios('null', workload))} [{rate('null', workload)}]",
            "",
        ))  # fmt: skip
        rows.append((
            f"  ceiling without Python: libmilter in C checking nothing (null_milter.c), unix: socket, {workload}",
            "",
            f"{ratio_text(ratios('c-null-unix', workload))} [{rate('c-null-unix', workload)}]; "
            f"CPU {cpu('c-null-unix', workload)}; over TCP {ratio_text(ratios('c-null', workload))} (Nagle-bound)",
            "",
        ))  # fmt: skip
        rows.append((
            f"  like for like, DKIM only, keys from a file: emlauth 2 proc / OpenDKIM, {workload}",
            "",
            f"{ratio_text(ratios('emlauth-dkim-2p', workload))} / {ratio_text(ratios('opendkim', workload))}",
            "",
        ))  # fmt: skip
        rows.append((
            f"  CPU per message: milter / whole machine, {workload}, 1 proc",
            cpu("before", workload),
            cpu("emlauth", workload),
            "",
        ))  # fmt: skip
        rows.append((
            f"  per-message milter time, {workload}, one at a time",
            latency("before", workload),
            latency("emlauth", workload),
            "",
        ))  # fmt: skip
    return rows


def ed25519_rows(figures: dict[str, list[float]]) -> list[tuple[str, str, str, str]]:
    ceiling = figures["cryptography Ed25519 verify (primitive)"]

    def of_ceiling(name: str) -> list[float]:
        return [v / c for v, c in zip(figures[name], ceiling, strict=True)]

    rows = [(
        "Ed25519 DKIM verify / bare cryptography Ed25519 verify (CPU, 1 process)",
        ratio_text(of_ceiling("before: DKIM verify Ed25519")),
        ratio_text(of_ceiling("after: DKIM verify Ed25519")),
        ">= 0.75",
    )]  # fmt: skip
    rows.append(("  libsodium Ed25519 verify / cryptography's (same run)", "",
                 ratio_text(of_ceiling("libsodium Ed25519 verify (PyNaCl)")), ""))  # fmt: skip
    for op in ("DKIM verify RSA-2048", "DKIM sign RSA-2048", "DKIM sign Ed25519"):
        after_before = [a / b for a, b in zip(figures[f"after: {op}"], figures[f"before: {op}"], strict=True)]
        rows.append((f"  {op}, after / before (nothing slower)", "", ratio_text(after_before), "~1.0"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path)
    parser.add_argument("--messages", type=int, default=5000, help="batch messages (the issue: ~5,000)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    before = ["--before", str(args.before)] if args.before else []
    quick = args.quick
    print("=== bench_batch.py")
    batch = bench_batch.main([*before, "--messages", str(200 if quick else args.messages),
                              "--rounds", "1" if quick else "2"])  # fmt: skip
    print("\n=== bench_ed25519.py")
    ed = bench_ed25519.main(["--rounds", "1" if quick else "5"])
    print("\n=== bench_milter.py")
    milter = bench_milter.main([*before, "--messages", "50" if quick else "1000", "--rounds", "1" if quick else "3",
                                "--latency", "20" if quick else "200"])  # fmt: skip
    rows = batch_rows(batch, bool(args.before)) + milter_rows(milter) + ed25519_rows(ed)
    print("\n=== issue 14: before (ba50810) and after, one run; median (min-max over rounds)")
    width = max(len(r[0]) for r in rows)
    print(f"{'path':{width}}  {'before':28}  {'after':48}  goal")
    for path, old, new, goal in rows:
        print(f"{path:{width}}  {old:28}  {new:48}  {goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

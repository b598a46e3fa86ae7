"""Aggregate reports from 1,000,000 recorded messages in SQLite: `emlauth report generate` end to end.

    python3 bench/bench_generate.py [--rows 1000000] [--domains 50] [--ips 5000] [--format rfc9990] [--keep DIR]

Workload: --rows recorded_message rows in one UTC day (schema of store migration 2, written straight through
sqlite3 in one transaction: filling is set-up, not measured), spread over --domains policy domains, --ips source
addresses (a power-law mix: a few big senders, a long tail) and eight verdict shapes (aligned DKIM pass, SPF-only,
forwarder, mailing list, spoofing...). Measured: the `report generate` command run in this process (the GROUP BY
query, one XML per policy domain, gzip, the report emails, the files), wall clock, median of --runs, wall
clock and CPU time (this process; SQLite runs in it). The goal in issue 10 is under 30 s for 1,000,000 rows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolkit.core.dmarc.report_xml_record import COLUMNS, group_key  # noqa: E402
from toolkit.shells.cli import main as emlauth  # noqa: E402
from toolkit.shells.store import open_store  # noqa: E402

DAY = 1772409600  # 2026-03-02 UTC

SHAPES = [  # disposition, dkim aligned, spf aligned, reasons, dkim auth (d= is filled in), spf result, weight
    ("none", "pass", "pass", [], [["{d}", "s1", "pass", True]], "pass", 50),
    ("none", "pass", "fail", [], [["{d}", "s1", "pass", True], ["esp.example.net", "e1", "pass", False]], "pass", 20),
    ("none", "fail", "pass", [], [], "pass", 8),
    ("none", "pass", "fail", [], [["{d}", "s1", "pass", True]], "fail", 8),  # forwarder
    ("quarantine", "fail", "fail", [["local_policy", "p=reject alone"]], [["{d}", "s1", "fail", False]], "pass", 6),
    ("none", "fail", "fail", [], [], "fail", 5),  # spoofing
    ("none", "fail", "fail", [], [["{d}", "old", "permerror", False]], "softfail", 2),
    ("none", "fail", "fail", [], [], "temperror", 1),
]


def fill(path: Path, rows: int, domains: int, ips: int, seed: int = 1) -> None:
    open_store(f"sqlite:///{path}").close()  # the real schema, migrations included
    rng = random.Random(seed)
    names = [f"d{i}.example.com" for i in range(domains)]
    addresses = [f"198.51.{(i >> 8) % 256}.{i % 256}" if i % 7 else f"2001:db8::{i:x}" for i in range(ips)]
    cum_ip, total = [], 0.0
    for i in range(ips):  # Zipf-like: few big senders, a long tail (cumulative weights: one bisect per draw)
        total += 1 / (i + 1)
        cum_ip.append(total)
    cum_shape, total = [], 0
    for shape in SHAPES:
        total += shape[-1]
        cum_shape.append(total)
    sql = f"INSERT INTO recorded_message ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"

    def row(n: int) -> tuple:
        d = names[rng.randrange(domains)]
        disposition, dkim, spf, reasons, auth, spf_result, _ = rng.choices(SHAPES, cum_weights=cum_shape)[0]
        auth_json = json.dumps([[a[0].format(d=d), *a[1:]] for a in auth], separators=(",", ":"))
        ip = rng.choices(addresses, cum_weights=cum_ip)[0]
        reasons_json = json.dumps(reasons, separators=(",", ":"))
        key = group_key([ip, disposition, dkim, spf, reasons_json, d, d, "receiver.test", auth_json, d, "mfrom",
                         spf_result])  # fmt: skip
        return (
            f"k{n}", DAY + rng.randrange(86400), ip, d, d, "receiver.test", d,
            "pass" if "pass" in (dkim, spf) else "fail", disposition, dkim, spf,
            reasons_json, auth_json, d, "mfrom", spf_result,
            "none", "none", "none", "r", "r", "0", "n", 100, "treewalk", f"mailto:dmarc@{d}", key,
        )  # fmt: skip

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    batch = 50_000
    for start in range(0, rows, batch):
        conn.executemany(sql, [row(n) for n in range(start, min(rows, start + batch))])
    conn.execute("COMMIT")
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--domains", type=int, default=50)
    parser.add_argument("--ips", type=int, default=5000)
    parser.add_argument("--format", choices=("rfc9990", "rfc7489"), default="rfc9990")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the store in this folder and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        where = args.keep or Path(scratch)
        where.mkdir(parents=True, exist_ok=True)
        db = where / "recorded.db"
        db.unlink(missing_ok=True)
        started = time.perf_counter()
        fill(db, args.rows, args.domains, args.ips)
        print(f"filled {args.rows:,} rows in {time.perf_counter() - started:.1f} s ({db.stat().st_size >> 20} MB)")
        times, cpu = [], []
        for run in range(args.runs):
            out = where / f"out{run}"
            out.mkdir(exist_ok=True)
            argv = ["report", "generate", "--db", str(db), "--org-name", "Bench", "--email", "dmarc@receiver.test",
                    "--day", "2026-03-02", "--format", args.format, "--out", str(out)]  # fmt: skip
            started, started_cpu = time.perf_counter(), time.process_time()
            quiet = open("/dev/null", "w")  # noqa: SIM115 - the per-domain lines would drown the table
            stdout, sys.stdout = sys.stdout, quiet
            try:
                status = emlauth(argv)
            finally:
                sys.stdout = stdout
                quiet.close()
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            if status != 0:
                print(f"report generate failed with exit {status}")
                return status
        reports = sorted(out.glob("*.xml.gz"))
        records = 0
        with sqlite3.connect(db) as conn:
            records = conn.execute(
                "SELECT COUNT(*) FROM (SELECT 1 FROM recorded_message GROUP BY policy_domain, source_ip, disposition,"
                " dkim_aligned, spf_aligned, reasons, header_from, envelope_from, envelope_to, dkim_auth, spf_domain,"
                " spf_scope, spf_result)"
            ).fetchone()[0]
        size = sum(p.stat().st_size for p in reports)
        median = statistics.median(times)
        print()
        print("| recorded rows | policy domains | report records | gzip bytes | wall (median) | CPU (median) |")
        print("|---:|---:|---:|---:|---:|---:|")
        print(f"| {args.rows:,} | {len(reports)} | {records:,} | {size:,} | {median:.1f} s | "
              f"{statistics.median(cpu):.1f} s |")  # fmt: skip
        print(f"\nwall: {', '.join(f'{t:.2f} s' for t in times)}; CPU: {', '.join(f'{t:.2f} s' for t in cpu)}; "
              f"format {args.format}; goal (issue 10): < 30 s; load average at the end "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""DMARC aggregate reports: parse, and parse + ingest into SQLite, next to parsedmarc measured in the same run.

    .venv/bin/python bench/bench_reports.py [--rows 20000] [--small 1000] [--runs 3]

- workloads: one report of --rows rows (gzipped XML), and --small reports of 10 rows each (gzipped XML files).
- ours: toolkit.shells.report_inputs.read_inputs + the streaming parser (parse), and the same into a fresh SQLite
  store through toolkit.shells.store.reports.add_aggregate (parse + ingest).
- parsedmarc (PyPI `parsedmarc`): parse_report_file(path, offline=True, always_use_local_files=True), which skips
  its DNS and network look-ups; it has no SQL store, so its figure is parse only. It runs in its own virtualenv
  (bench/.venv-parsedmarc, created here with pip on first use: its dependencies are many and not ours), or in this
  interpreter when it can import parsedmarc.
- figures are rows (or reports) per CPU second of the measuring process (time.process_time), best of --runs.
- memory: peak RSS of a child running `emlauth report parse --json` on 2,000 / 20,000 / 200,000-row reports.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from reports.makers import report_chunks  # noqa: E402

from toolkit.core.dmarc.report_model import Record  # noqa: E402
from toolkit.core.dmarc.report_unpack import Limits  # noqa: E402
from toolkit.shells.report_inputs import aggregate_items, read_inputs  # noqa: E402

PARSEDMARC_VENV = ROOT / "bench" / ".venv-parsedmarc"

PARSEDMARC_CHILD = r"""
import json, sys, time
import parsedmarc
paths, runs = json.loads(sys.argv[1]), int(sys.argv[2])
out = {}
for name, files in paths.items():
    best = None
    for _ in range(runs):
        start = time.process_time()
        rows = 0
        for f in files:
            report = parsedmarc.parse_report_file(f, offline=True, always_use_local_files=True)
            rows += len(report["report"]["records"])
        spent = time.process_time() - start
        best = spent if best is None else min(best, spent)
    out[name] = {"seconds": best, "rows": rows, "reports": len(files)}
print(json.dumps(out))
"""


def write_workloads(folder: Path, rows: int, small: int) -> dict[str, list[str]]:
    big = folder / "big.xml.gz"
    with gzip.open(big, "wb") as handle:
        handle.writelines(report_chunks(rows, report_id="big"))
    smalls = []
    for i in range(small):
        path = folder / f"small-{i}.xml.gz"
        path.write_bytes(gzip.compress(b"".join(report_chunks(10, report_id=f"s{i}")), mtime=0))
        smalls.append(str(path))
    return {"big": [str(big)], "small": smalls}


def ours(files: list[str], runs: int, db: Path | None) -> tuple[float, int]:
    from toolkit.shells.store import open_store
    from toolkit.shells.store.reports import add_aggregate

    best, rows = None, 0
    for _ in range(runs):
        store = open_store(f"{db}.{time.monotonic_ns()}") if db else None
        start = time.process_time()
        rows = 0
        for found in read_inputs(files, Limits()):
            tally = [0]
            if store is not None:
                add_aggregate(store, _counted(aggregate_items(found), tally), found.label)
            else:
                for _ in _counted(aggregate_items(found), tally):
                    pass
            rows += tally[0]
        spent = time.process_time() - start
        if store is not None:
            store.close()
        best = spent if best is None else min(best, spent)
    return best or 0.0, rows


def _counted(items, tally: list[int]):
    for item in items:
        tally[0] += isinstance(item, Record)
        yield item


def parsedmarc_python() -> str | None:
    try:
        import parsedmarc  # noqa: F401

        return sys.executable
    except ImportError:
        pass
    python = PARSEDMARC_VENV / "bin" / "python"
    if not python.exists():
        print(f"(installing parsedmarc into {PARSEDMARC_VENV} with pip, once)", file=sys.stderr)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(PARSEDMARC_VENV)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "parsedmarc"], check=True, timeout=900)
        except (subprocess.SubprocessError, OSError) as exc:
            print(f"parsedmarc cannot be installed here ({exc}); measuring ours only", file=sys.stderr)
            return None
    return str(python)


def run_parsedmarc(python: str, work: dict[str, list[str]]) -> dict[str, dict]:
    child = subprocess.run(
        [python, "-c", PARSEDMARC_CHILD, json.dumps(work), "1"],
        capture_output=True, text=True, check=False, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )  # fmt: skip
    if child.returncode != 0:
        print(f"parsedmarc failed: {child.stderr.strip()[-500:]}", file=sys.stderr)
        return {}
    return json.loads(child.stdout.strip().splitlines()[-1])


def peak_rss_mb(path: Path) -> float:
    code = (
        "import resource, sys; from toolkit.shells.cli import main; rc = main(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "report", "parse", "--json", "--max-size", "1G", str(path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    return int(result.stderr.strip().splitlines()[-1]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        work = write_workloads(folder, args.rows, args.small)
        # ours and parsedmarc take turns, run by run, so a busy moment on the machine hits both alike
        python = parsedmarc_python()
        results: dict[tuple[str, str], tuple[float, int]] = {}
        theirs: dict[str, dict] = {}
        for _ in range(args.runs):
            for name, files in work.items():
                for label, db in (("ours parse", None), ("ours parse+ingest", folder / f"{name}.db")):
                    seconds, rows = ours(files, 1, db)
                    if (label, name) not in results or seconds < results[(label, name)][0]:
                        results[(label, name)] = (seconds, rows)
            if python:
                for name, figures in run_parsedmarc(python, work).items():
                    if name not in theirs or figures["seconds"] < theirs[name]["seconds"]:
                        theirs[name] = figures
        head = ("workload", "ours parse", "ours +ingest", "parsedmarc", "parse x", "+ingest x")
        print(f"{head[0]:<28} {head[1]:>14} {head[2]:>14} {head[3]:>14} {head[4]:>8} {head[5]:>9}")
        for name, label in (("big", f"1 report, {args.rows:,} rows"), ("small", f"{args.small:,} reports x 10 rows")):
            unit = "r/s" if name == "big" else "rep/s"

            def rate(seconds: float, rows: int, name: str = name) -> float:
                return (rows if name == "big" else len(work[name])) / seconds

            parse = rate(*results[("ours parse", name)])
            ingest = rate(*results[("ours parse+ingest", name)])
            cells = [f"{parse:>8,.0f} {unit:<5}", f"{ingest:>8,.0f} {unit:<5}"]
            if name in theirs:
                t = theirs[name]
                them = rate(t["seconds"], t["rows"])
                cells += [f"{them:>8,.0f} {unit:<5}", f"{parse / them:>7.1f}x", f"{ingest / them:>8.1f}x"]
            else:
                cells += [f"{'n/a':>14}", f"{'':>8}", f"{'':>9}"]
            print(f"{label:<28} " + " ".join(cells))
        print("(r/s rows and rep/s reports per CPU second; x = ours / parsedmarc; parsedmarc parses only)")
        print()
        print("peak memory of `emlauth report parse --json` (one process):")
        for rows in (2_000, 20_000, 200_000):
            path = folder / f"mem-{rows}.xml"
            with path.open("wb") as handle:
                handle.writelines(report_chunks(rows))
            print(f"  {rows:>8,} rows ({path.stat().st_size / 1048576:6.1f} MB): {peak_rss_mb(path):6.1f} MB peak RSS")
    return 0


if __name__ == "__main__":
    sys.exit(main())

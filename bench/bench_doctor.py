"""`emlauth doctor` on a domain with a 10-include SPF tree and 3 DKIM selectors, from zone files.

Run: python3 bench/bench_doctor.py [--runs 50]

The world is tests/doctor/world.py's well-configured SES sender with its SPF record replaced by ten includes
(each one more TXT lookup) and three selectors (one BYODKIM key, two Easy DKIM CNAMEs). Figures, median of --runs:
- start-up: importing the command and loading the zone files (once per process, not part of the goal);
- doctor: diagnose() plus rendering the text report, over a fresh CachingResolver each run (nothing cached
  between runs), wall and CPU time. Goal: under 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

GOAL_MS = 50.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    from doctor.scenarios import DEFAULTS, includes
    from doctor.world import write_world

    folder = write_world(Path(tempfile.mkdtemp(prefix="bench-doctor-")), includes(10))
    started = time.perf_counter()
    from toolkit.core.domain import diagnose
    from toolkit.resolvers import CachingResolver, ZoneFileResolver
    from toolkit.shells.cmd_doctor import render

    zones = ZoneFileResolver(folder)
    startup = (time.perf_counter() - started) * 1000
    options = {**DEFAULTS, "selectors": ("s1", "tok1", "tok2"), "ip": "192.0.2.130"}

    walls, cpus = [], []
    report = None
    for _ in range(args.runs + 1):  # the first run warms the parse caches, like a second domain in one process
        wall, cpu = time.perf_counter(), time.process_time()
        report = diagnose("example.com", CachingResolver(zones), **options)
        render(report)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    assert report is not None and report.spf_tree is not None
    first, walls, cpus = walls[0], walls[1:], cpus[1:]
    print(f"doctor example.com: {report.spf_tree.total} SPF lookups (10 includes), 3 selectors, "
          f"{len(report.findings)} findings")  # fmt: skip
    print(f"start-up (imports + zone files): {startup:.1f} ms")
    print(f"first run (cold parse caches):   {first:.1f} ms")
    print(f"doctor, median of {args.runs}: {statistics.median(walls):.1f} ms wall, {statistics.median(cpus):.1f} ms "
          f"CPU (goal < {GOAL_MS:.0f} ms)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run a command under resource limits, the way the hostile-input tests reproduce an attack (issue 15).

`run_bounded(argv, cpu=, memory_mb=)` starts the process with RLIMIT_CPU and RLIMIT_AS set, so an attack that
comes back (a CPU loop, a memory blow-up) ends the process instead of the test machine, and reports the CPU seconds
and the peak RSS the child used (from wait4, for that child alone).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

EMLAUTH = [sys.executable, "-m", "toolkit"]


@dataclass(frozen=True)
class Bounded:
    returncode: int  # negative: killed by that signal (SIGXCPU, SIGKILL)
    stdout: bytes
    stderr: bytes
    cpu_seconds: float
    max_rss_mb: float

    @property
    def stderr_text(self) -> str:
        return self.stderr.decode("utf-8", "replace")


def run_bounded(
    argv: list[str],
    *,
    cpu: int = 30,
    memory_mb: int = 1024,
    stdin: bytes | Path | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> Bounded:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as inp:
        if isinstance(stdin, Path):
            source = stdin.open("rb")
        else:
            inp.write(stdin or b"")
            inp.seek(0)
            source = inp
        with source:
            proc = subprocess.Popen(
                argv, stdin=source, stdout=out, stderr=err, preexec_fn=limit, cwd=cwd, env=env or _env()
            )
            _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Bounded(proc.returncode, out.read(), err.read(), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return env

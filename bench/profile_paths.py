"""Where the time goes on the paths users run (issue 14 §1): the figures bench/README.md quotes.

    python3 bench/profile_paths.py [--messages 2000]

- start-up: `python3 -c pass` and `verify-eml --help` (wall), the modules --help loads, and what a verify-eml
  batch does before its first message (a fresh interpreter: imports of the verifier and of the resolvers, the
  zone folder, listing a Maildir of N files);
- file I/O: creating N ~12 KB files with write_bytes, with a temporary file + rename through open() (sign-eml's
  atomic write before issue 14) and through os.open (now), and with an fsync per file (sign-eml --fsync), CPU
  (user + system) and wall per file;
- process pool: `verify-eml --jobs 2` over a Maildir, CPU of the parent process vs its workers (the parent's
  share is what keeps 2 jobs from 2x);
- milter: one message at a time over one connection to `emlauth milter` (a child process, DNS from zone files):
  wall and the milter process's CPU per message, next to verify_message alone in this process.
Wall-clock figures on a shared machine move with its load; the CPU splits and ratios move less.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
RUNNER = "import sys; from toolkit.shells.runner import verify_eml_main as m; sys.exit(m())"


def startup() -> None:
    def wall(argv: list[str]) -> float:
        best = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, check=True, cwd=ROOT)
            best.append(time.perf_counter() - start)
        return min(best)

    floor = wall([sys.executable, "-c", "pass"])
    helped = wall([sys.executable, "-c", RUNNER, "--help"])
    code = ("import sys\nfrom toolkit.shells.runner import verify_eml_main\ntry:\n    verify_eml_main(['--help'])\n"
            "except SystemExit:\n    pass\nprint(len(sys.modules), 'toolkit.core.verify' in sys.modules)")  # fmt: skip
    print(f"start-up     python3 -c pass {floor * 1000:.0f} ms; verify-eml --help {helped * 1000:.0f} ms "
          f"= {helped / floor:.1f}x (best of 5, wall)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    modules, verifier = out.stdout.splitlines()[-1].split()
    print(f"             --help loads {modules} modules; the verifier among them: {verifier}")


BEFORE_FIRST = """
import sys, time
start = time.perf_counter()
import toolkit.core.verify
verifier = time.perf_counter()
import toolkit.resolvers
from toolkit.resolvers import CachingResolver, ZoneFileResolver
resolvers = time.perf_counter()
CachingResolver(ZoneFileResolver(sys.argv[1]))
zones = time.perf_counter()
from toolkit.shells import batch
items = batch.expand_inputs([sys.argv[2]])
listed = time.perf_counter()
print(verifier - start, resolvers - verifier, zones - resolvers, listed - zones, len(items))
"""


def before_first_message(count: int) -> None:
    import bench_batch

    with tempfile.TemporaryDirectory() as tmp:
        data = bench_batch.build(Path(tmp), count)
        runs = []
        for _ in range(5):
            out = subprocess.run([sys.executable, "-c", BEFORE_FIRST, str(data["zones"]), str(data["maildir"])],
                                 capture_output=True, text=True, check=True, cwd=ROOT)  # fmt: skip
            runs.append([float(x) for x in out.stdout.split()[:4]])
    best = [min(r[i] for r in runs) * 1000 for i in range(4)]
    print(f"             before the first message (best of 5, wall): import the verifier {best[0]:.0f} ms, the "
          f"resolvers {best[1]:.0f} ms, load the zones {best[2]:.0f} ms, "
          f"list a Maildir of {count} {best[3]:.0f} ms")  # fmt: skip


def file_io(count: int) -> None:
    data = b"x" * 12_000

    def plain(folder: Path, name: str) -> None:
        (folder / name).write_bytes(data)

    def renamed(folder: Path, name: str, sync: bool = False) -> None:  # sign-eml before issue 14
        temp = folder / f".{name}.tmp"
        with open(temp, "xb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, folder / name)

    from toolkit.shells.outdir import write_atomic as _write_atomic  # sign-eml now

    def sign_eml(folder: Path, name: str, sync: bool = False) -> None:
        _write_atomic(os.path.join(folder, name), data, sync)

    with tempfile.TemporaryDirectory(dir=ROOT) as tmp:  # the disk the tree is on, not a tmpfs
        writers = (("write_bytes", plain, count), ("open() temp + rename", renamed, count),
                   ("os.open temp + rename", sign_eml, count),
                   ("os.open + fsync + rename", lambda f, m: sign_eml(f, m, True), count // 10))  # fmt: skip
        for label, write, n in writers:
            folder = Path(tmp) / label.replace(" ", "")
            folder.mkdir()
            before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            for index in range(n):
                write(folder, f"{index:06d}.eml")
            after, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - start
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            print(f"file I/O     {label:22} {cpu / n * 1e6:7.0f} us CPU, {wall / n * 1e6:7.0f} us wall per 12 KB file "
                  f"({n} files)")  # fmt: skip


def process_pool(count: int) -> None:
    import bench_batch

    from toolkit.shells.runner import verify_eml_main

    with tempfile.TemporaryDirectory() as tmp:
        data = bench_batch.build(Path(tmp), count)
        for jobs in (1, 2):
            argv = ["--zones", str(data["zones"]), "--now", str(bench_batch.NOW), "--checks", "dkim",
                    "--header-only", "--no-progress", "--jobs", str(jobs), str(data["maildir"])]  # fmt: skip
            saved, sys.stdout = sys.stdout, io.TextIOWrapper(open(os.devnull, "wb"))  # noqa: SIM115
            before, cpu, start = os.times(), time.process_time(), time.perf_counter()
            try:
                verify_eml_main(argv)
            finally:
                sys.stdout.flush()
                sys.stdout = saved
            after = os.times()
            parent = time.process_time() - cpu
            workers = after.children_user + after.children_system - before.children_user - before.children_system
            print(f"pool         verify-eml --jobs {jobs}, {count} messages: parent {parent:.2f} s CPU, workers "
                  f"{workers:.2f} s CPU, parent share {parent / (parent + workers):.0%}, wall "
                  f"{time.perf_counter() - start:.2f} s")  # fmt: skip


def milter(count: int) -> None:
    from support.mailworld import AUTHSERV_ID, SENDER_IP, make_message, make_world
    from support.milter_client import ALL_PROTOCOL, MilterClient
    from support.postfix import free_port, wait_for_port

    from toolkit.core.verify import SmtpContext, VerifyOptions, verify_message
    from toolkit.resolvers import CachingResolver

    world = make_world()
    messages = [world.sign_as_sender(make_message(subject=f"m{i}")) for i in range(count)]
    resolver, context = (
        CachingResolver(world.resolver()),
        SmtpContext(SENDER_IP, "mail.example.org", "alice@example.org"),
    )
    options = VerifyOptions(authserv_id=AUTHSERV_ID)
    for raw in messages[:20]:
        verify_message(raw, context, resolver, int(time.time()), options)
    cpu = time.process_time()
    for raw in messages:
        verify_message(raw, context, resolver, int(time.time()), options)
    alone = (time.process_time() - cpu) / count
    with tempfile.TemporaryDirectory() as tmp:
        zones = world.write_zones(Path(tmp) / "zones")
        port = free_port()
        process = subprocess.Popen([sys.executable, "-m", "toolkit", "milter", "--listen", f"inet:127.0.0.1:{port}",
                                    "--zones", str(zones), "--authserv-id", AUTHSERV_ID], cwd=ROOT,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            wait_for_port(port)
            client = MilterClient(("127.0.0.1", port))
            client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            client.negotiate(protocol=ALL_PROTOCOL)
            client.connect(ip=SENDER_IP)
            for raw in messages[:20]:
                client.transaction(raw, "alice@example.org", ["bob@example.net"])
            ticks = os.sysconf("SC_CLK_TCK")

            def milter_cpu() -> float:
                fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / ticks

            cpu, start = milter_cpu(), time.perf_counter()
            for raw in messages:
                client.transaction(raw, "alice@example.org", ["bob@example.net"])
            wall, used = (time.perf_counter() - start) / count, (milter_cpu() - cpu) / count
            client.quit()
        finally:
            process.terminate()
            process.wait(timeout=10)
    print(
        f"milter       one message at a time: {wall * 1000:.2f} ms wall, milter CPU {used * 1000:.2f} ms; "
        f"verify_message alone {alone * 1000:.2f} ms CPU ({count} small messages, HELO+MAIL+RCPT+8 headers)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    # the commands as installed: with their bytecode (compiled once here, by the first of the best-of-5 runs)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", os.path.join(tempfile.gettempdir(), "emlauth-bench-pycache"))
    startup()
    before_first_message(args.messages)
    file_io(args.messages)
    process_pool(args.messages)
    milter(min(args.messages, 500))
    return 0


if __name__ == "__main__":
    sys.exit(main())

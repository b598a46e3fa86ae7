"""The batch commands as users run them (whole command: start-up, imports, file I/O), next to their ceilings.

    python3 bench/bench_batch.py [--messages 5000] [--rounds 3] [--before DIR] [--profile]

Workload: --messages ~10 KB newsletter-like messages (tests/interop/corpus.py), RSA-2048, relaxed/relaxed, DNS
from a zone folder. Every round measures each row once, side by side, so the ratios compare figures taken under
the same load (the machine is shared); the table gives the median of the rounds and the min-max of each ratio.

Rows (all wall clock; "N proc" = N processes in parallel on the 2-core machine):
- `python3 -c pass` and `verify-eml --help`: process start, the floor and ours;
- OpenSSL RSA-2048 sign primitive (`cryptography`, a 32-byte digest) in 1 and 2 processes: the sign ceiling;
- in-process `parse_message` + `sign_prepared` (messages in memory, signer prepared once): the core's sign rate;
- `sign-eml --output-dir` with --jobs 1 and --jobs 2 over the message files (a new output folder each time);
- in-process `verify_message` (DKIM only, warm cache, messages already in memory): the verify ceiling;
- `verify-eml --checks dkim --header-only` with --jobs 1 and --jobs 2 over a Maildir of the same messages;
- the same command over a Maildir of one message: the serial part S of a --jobs run (interpreter start, imports,
  zones, listing, exit), and what 2 jobs can reach at best by Amdahl's law: T1 / (S + (T1 - S) / 2);
- the control for --jobs 2: two independent 1-job commands started at once over two Maildirs of half the messages
  each (no pool, no fork, each with its own start-up), against 1 job over the whole, and against one of them run
  alone: how much slower a process runs here while the other core is busy too;
- overhead: per message, what the 1-job command costs beyond the in-process core (1/command rate - 1/core rate),
  start-up and file I/O included.

As users run them: the commands are installed with their bytecode (pip compiles it), so the commands here run with
PYTHONPYCACHEPREFIX in the work folder (and without PYTHONDONTWRITEBYTECODE), after one untimed warm-up run each;
without it every run compiled the toolkit's modules again (~0.3 s). After each sign-eml run the bench calls
sync (untimed): its 5,000 new files are ~64 MB of dirty pages that the kernel writes back up to 30 s later
(vm.dirty_expire_centisecs), i.e. during the verify-eml command that comes next, on one of its two cores.
Output folders are removed only after the rounds: on this VM's ext4 without a journal, creating files in the
minutes after deleting thousands costs 0.5 to 1 ms of system time each (the inode allocator skips recently
deleted inodes: `recently_deleted` in perf), which measured the previous round's `rm -rf`, not sign-eml.
--before DIR runs the same commands from another source tree too (e.g. `git worktree add /tmp/before ba50810`).
--messages 20000 (the issue's larger batch) took 3 minutes with --rounds 1 --before DIR (building the corpus included).
With --before, the trees take turns going first in each round.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from interop.corpus import typical_message  # noqa: E402

from toolkit.core.dkim import SignerConfig, prepare, sign_prepared  # noqa: E402
from toolkit.core.dkim.keys import generate_key  # noqa: E402
from toolkit.core.message import parse_message  # noqa: E402

NOW = 1_795_000_000
# the installed entry point: toolkit.shells.runner now, toolkit.shells.cli in older trees (--before)
RUNNER = ("import sys\ntry:\n    from toolkit.shells.runner import {0}\nexcept ImportError:\n"
          "    from toolkit.shells.cli import {0}\nsys.exit({0}())")  # fmt: skip


def build(work: Path, count: int) -> dict:
    """Message files (unsigned), a Maildir of the same messages signed, a zone folder and the key."""
    key = generate_key("rsa", 2048)
    key_path = work / "bench.pem"
    key_path.write_bytes(key.private_pem())
    key_path.chmod(0o600)
    plain, maildir = work / "plain", work / "maildir" / "cur"
    plain.mkdir()
    maildir.mkdir(parents=True)
    (work / "maildir" / "new").mkdir()
    signer = prepare(SignerConfig("example.com", "bench", key))
    messages, plain_messages = [], []
    for index in range(count):
        raw = typical_message(index, 10 * 1024)
        (plain / f"{index:06d}.eml").write_bytes(raw)
        signed = sign_prepared(parse_message(raw), [signer], NOW)
        (maildir / f"{index:06d}.eml").write_bytes(signed)
        messages.append(signed)
        plain_messages.append(raw)
    for half in (0, 1):  # the same messages as two Maildirs of half each: two independent 1-job commands
        folder = work / f"half{half}"
        (folder / "cur").mkdir(parents=True)
        (folder / "new").mkdir()
        for index in range(half, count, 2):
            (folder / "cur" / f"{index:06d}.eml").write_bytes(messages[index])
    one = work / "one-message"  # a Maildir of the first message: the command's start-up and exit, nearly alone
    (one / "cur").mkdir(parents=True)
    (one / "new").mkdir()
    (one / "cur" / "000000.eml").write_bytes(messages[0])
    zones = work / "zones"
    zones.mkdir()
    record = " ".join(f'"{s}"' for s in key.dns_txt_strings())
    (zones / "example.com.zone").write_text(
        "$ORIGIN example.com.\n$TTL 300\n@ SOA ns1.example.com. h.example.com. 1 7200 900 1209600 60\n"
        f'@ NS ns1.example.com.\nbench._domainkey TXT {record}\n_dmarc TXT "v=DMARC1; p=none"\n'
    )
    return {"key": key, "key_path": key_path, "plain": plain, "maildir": work / "maildir", "one": one, "zones": zones,
            "halves": [work / "half0", work / "half1"],
            "messages": messages, "plain_messages": plain_messages, "signer": signer}  # fmt: skip


def _rsa_loop(seconds: float) -> int:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    digest, done = b"\x01" * 32, 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        for _ in range(20):
            key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        done += 20
    return done


def rsa_primitive(processes: int, seconds: float = 1.5) -> float:
    """RSA-2048 signatures per wall-clock second over `processes` processes (key generation not counted)."""
    with ProcessPoolExecutor(processes) as pool:
        list(pool.map(_rsa_loop, [0.01] * processes))  # start the workers, import cryptography
        return sum(pool.map(_rsa_loop, [seconds] * processes)) / seconds


def sign_in_process(data: dict) -> float:
    """The core's sign rate (wall clock, one process): what sign-eml's per-message overhead is measured against."""
    signer = data["signer"]
    sign_prepared(parse_message(data["plain_messages"][0]), [signer], NOW)
    start = time.perf_counter()
    for raw in data["plain_messages"]:
        sign_prepared(parse_message(raw), [signer], NOW)
    return len(data["plain_messages"]) / (time.perf_counter() - start)


def verify_in_process(data: dict) -> float:
    from toolkit.core.message import parse_message
    from toolkit.core.verify import SmtpContext, VerifyOptions, verify_message
    from toolkit.resolvers import CachingResolver, ZoneFileResolver

    resolver = CachingResolver(ZoneFileResolver(data["zones"]))
    options = VerifyOptions(authserv_id="bench.example", checks=("dkim",))
    context = SmtpContext(None, None, None)
    verify_message(parse_message(data["messages"][0]), context, resolver, NOW, options)  # warm the cache
    start, cpu = time.perf_counter(), time.process_time()
    for raw in data["messages"]:
        report = verify_message(parse_message(raw), context, resolver, NOW, options)
    assert "dkim=pass" in report.ar_field.decode(), report.ar_field
    count = len(data["messages"])
    return count / (time.perf_counter() - start), count / (time.process_time() - cpu)


CPU: dict[str, float] = {}  # row -> CPU seconds (user + system) of the command and its workers


ENV: dict[str, str] = {}  # the commands' environment: bytecode cached in the work folder (main sets it)


def timed(tree: Path, entry: str, argv: list[str], row: str = "") -> float:
    """Wall-clock seconds of one command run from `tree` (a fresh interpreter, as a user runs it); its CPU
    seconds (with its worker processes) go to CPU[row]."""
    env = {**ENV, "PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", RUNNER.format(entry), *argv], env=env, cwd=tree, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[row] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall


def warm_up(data: dict, trees: dict[str, Path], work: Path) -> None:
    """One untimed run of each command per tree, on a few messages: their bytecode is compiled and cached."""
    few = sorted(str(p) for p in data["plain"].iterdir())[:20]
    for tree in trees.values():
        timed(tree, "verify_eml_main", ["--help"])
        timed(tree, "sign_eml_main", ["-d", "example.com", "-s", "bench", "-k", str(data["key_path"]),
                                      "--output-dir", str(work / "warm-up"), *few])  # fmt: skip
        timed(tree, "verify_eml_main", ["--zones", str(data["zones"]), "--checks", "dkim", "--no-progress",
                                        *few])  # fmt: skip
    shutil.rmtree(work / "warm-up")


def one_round(data: dict, trees: dict[str, Path], work: Path, number: int) -> dict:
    count = len(data["messages"])
    row: dict = {"count": count}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    row["python3 -c pass"] = time.perf_counter() - start
    start = time.perf_counter()  # the libraries a verify-eml over zone files cannot do without, and nothing else
    subprocess.run([sys.executable, "-c", FLOOR_IMPORTS], env=ENV, check=True)
    row["import floor"] = time.perf_counter() - start
    for jobs in (1, 2):
        row[f"rsa primitive {jobs}p"] = rsa_primitive(jobs)
    row["sign in process"] = sign_in_process(data)
    row["verify_message in process"], row["verify_message in process cpu"] = verify_in_process(data)
    inputs = sorted(str(p) for p in data["plain"].iterdir())
    order = list(trees.items())
    if number % 2:  # the trees take turns going first: what the first leaves (dirty pages, fresh inodes) evens out
        order.reverse()
    for name, tree in order:
        row[f"{name} verify-eml --help"] = timed(tree, "verify_eml_main", ["--help"])
        for jobs in (1, 2):
            out = work / "out" / f"{number}-{name}-{jobs}"  # new each time, removed after the rounds
            argv = ["-d", "example.com", "-s", "bench", "-k", str(data["key_path"]), "--now", str(NOW),
                    "--output-dir", str(out), *inputs]  # fmt: skip
            if name != "before":
                argv[:0] = ["--jobs", str(jobs)]
            if name != "before" or jobs == 1:  # sign-eml had no --jobs before
                key = f"{name} sign-eml {jobs}j"
                row[key] = count / timed(tree, "sign_eml_main", argv, key)
                row[key + " cpu"] = count / CPU[key]
                assert len(list(out.iterdir())) == count
                os.sync()  # untimed: the kernel writes the 5,000 files back now, not during the next timed command
            argv = ["--zones", str(data["zones"]), "--now", str(NOW), "--checks", "dkim", "--header-only",
                    "--no-progress", "--jobs", str(jobs), str(data["maildir"])]  # fmt: skip
            key = f"{name} verify-eml {jobs}j"
            row[key] = count / timed(tree, "verify_eml_main", argv, key)
            row[key + " cpu"] = count / CPU[key]
        argv[-1] = str(data["one"])  # the serial part of a --jobs run: what one message costs the whole command
        row[f"{name} verify-eml one message"] = timed(tree, "verify_eml_main", argv)
        if name == "after":
            argv[argv.index("--jobs") + 1] = "1"
            row["after verify-eml half alone"] = timed(tree, "verify_eml_main", [*argv[:-1], str(data["halves"][0])])
            row["after verify-eml halves together"] = together(tree, [[*argv[:-1], str(h)] for h in data["halves"]])
    return row


def together(tree: Path, argvs: list[list[str]]) -> float:
    """Wall-clock seconds of independent verify-eml commands started at once (no pool: each its own process with
    its own start-up), until the last ends: what two processes get from this machine's two cores."""
    env = {**ENV, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    processes = [subprocess.Popen([sys.executable, "-c", RUNNER.format("verify_eml_main"), *argv], env=env,
                                  cwd=tree, stdout=subprocess.DEVNULL) for argv in argvs]  # fmt: skip
    if any(process.wait() not in (0, 1) for process in processes):  # 1: a message failed its check (--now)
        raise RuntimeError("a verify-eml command failed")
    return time.perf_counter() - start


FLOOR_IMPORTS = (
    "import cryptography.hazmat.primitives.asymmetric.rsa, cryptography.hazmat.primitives.serialization, dns.zone"
)


def two_job_ceiling(row: dict, name: str = "after") -> float:
    """Amdahl's law on one round: the 1-job run is S serial (start-up and exit: the one-message run) plus W work
    that 2 jobs can share, so 2 jobs can at best be (S + W) / (S + W / 2) times as fast."""
    single, whole = row[f"{name} verify-eml one message"], row["count"] / row[f"{name} verify-eml 1j"]
    return whole / (single + (whole - single) / 2)


def report(rounds: list[dict], trees: dict[str, Path], count: int) -> None:
    def med(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    def ratio(num: str, den: str) -> str:
        values = [r[num] / r[den] for r in rounds if num in r and den in r]
        if not values:
            return "-"
        return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"

    print(f"{len(rounds)} rounds, {count} messages of ~10 KB, RSA-2048; wall clock; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    print(f"{'row':38} {'median':>10}  ratio (median, min-max over rounds)")
    print(f"{'python3 -c pass':38} {med('python3 -c pass') * 1000:8.0f} ms")
    for name in trees:
        key = f"{name} verify-eml --help"
        print(f"{key:38} {med(key) * 1000:8.0f} ms  {ratio(key, 'python3 -c pass')} of python3 -c pass (goal <= 4)")
    for jobs in (1, 2):
        print(f"{f'rsa primitive {jobs} proc':38} {med(f'rsa primitive {jobs}p'):8.0f}/s")
    key = "sign in process"
    print(f"{key + ' (core, 1 proc)':38} {med(key):8.0f}/s  {ratio(key, 'rsa primitive 1p')} of the 1-proc primitive")
    for name in trees:
        for jobs in (1, 2):
            key = f"{name} sign-eml {jobs}j"
            if key in rounds[0]:
                same = ratio(key, f"rsa primitive {jobs}p")
                print(f"{key + ' --output-dir':38} {med(key):8.0f}/s  {ratio(key, 'rsa primitive 1p')} of the "
                      f"1-proc primitive, {same} of {jobs}-proc (goal >= 0.7); per CPU second "
                      f"{ratio(key + ' cpu', 'rsa primitive 1p')} of the 1-proc primitive")  # fmt: skip
    key = "verify_message in process"
    print(f"{key + ' (dkim)':38} {med(key):8.0f}/s  (CPU: {med(key + ' cpu'):.0f} per CPU second)")
    for name in trees:
        one, two = f"{name} verify-eml 1j", f"{name} verify-eml 2j"
        print(f"{one:38} {med(one):8.0f}/s  {ratio(one, key)} of in-process (goal >= 0.8); per CPU second "
              f"{ratio(one + ' cpu', key + ' cpu')}")  # fmt: skip
        print(f"{two:38} {med(two):8.0f}/s  {ratio(two, one)} x 1 job (goal >= 1.8); CPU per message "
              f"{ratio(one + ' cpu', two + ' cpu')} x 1 job's")  # fmt: skip
        single = f"{name} verify-eml one message"
        if single in rounds[0]:
            # Amdahl: the 1-job run is S serial (start-up, exit: the one-message run) + W parallelisable work;
            # 2 jobs can at best take S + W/2
            ceilings = [two_job_ceiling(r, name) for r in rounds]
            print(f"{name + ' verify-eml, 1 message':38} {med(single) * 1000:8.0f} ms  the serial part S; 2 jobs "
                  f"at most {statistics.median(ceilings):.2f}x 1 job ({min(ceilings):.2f}-{max(ceilings):.2f}) "
                  f"with no cost of their own")  # fmt: skip
        if name == "after" and "after verify-eml halves together" in rounds[0]:
            pair, half = "after verify-eml halves together", "after verify-eml half alone"
            as_fast = [r["count"] / r[one] / r[pair] for r in rounds]
            slower = [r[pair] / r[half] for r in rounds]
            print(f"{'two 1-job commands, half each':38} {med(pair) * 1000:8.0f} ms  {_spread(as_fast)}x 1 job: "
                  "two independent processes at once, no pool (the control)")  # fmt: skip
            print(f"{'  the same two / one of them alone':38} {_spread(slower):>8}  "
                  "how much slower a process runs while the other core is busy")  # fmt: skip
            best = [floor_ceiling(r) for r in rounds]
            print(f"{'python3 + cryptography + dns.zone':38} {med('import floor') * 1000:8.0f} ms  the serial "
                  f"part's floor; were S only that, with the slowdown above, 2 jobs: {_spread(best)}x")  # fmt: skip
    for name in trees:
        for command, core in (("sign-eml", "sign in process"), ("verify-eml", "verify_message in process")):
            key = f"{name} {command} 1j"
            if key in rounds[0]:
                extra = statistics.median((1 / r[key] - 1 / r[core]) * 1e6 for r in rounds)
                print(f"{key + ' overhead':38} {extra:8.0f} us per message beyond the in-process core (wall; "
                      f"start-up, reading, writing)")  # fmt: skip


def floor_ceiling(row: dict) -> float:
    """2 jobs at best if the command's serial part were only the interpreter and the libraries it needs (the import
    floor) and the two processes were slowed as two independent ones were in the same round: (F + W) / (F + k W / 2),
    W = the 1-job run minus its serial part."""
    single, whole = row["after verify-eml one message"], row["count"] / row["after verify-eml 1j"]
    work, floor = whole - single, row["import floor"]
    slowdown = row["after verify-eml halves together"] / row["after verify-eml half alone"]
    return (floor + work) / (floor + slowdown * work / 2)


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main(argv: list[str] | None = None) -> list[dict]:
    """Measure, print the table, and return the rounds (bench/throughput.py builds the issue-14 table from them)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another source tree to run the same commands from")
    args = parser.parse_args(argv)
    trees = {"after": ROOT}
    if args.before:
        trees = {"before": args.before.resolve(), **trees}
    with tempfile.TemporaryDirectory(prefix="emlauth-bench-batch-") as tmp:
        work = Path(tmp)
        ENV.update({k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
        ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        data = build(work, args.messages)
        warm_up(data, trees, work)
        rounds = [one_round(data, trees, work, number) for number in range(args.rounds)]
    report(rounds, trees, args.messages)
    return rounds


if __name__ == "__main__":
    main()

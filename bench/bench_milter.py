"""Messages per second through a private Postfix with our milter, with OpenDKIM's milter, and with no milter.

    python3 bench/bench_milter.py [--messages 200] [--concurrency 8]

Needs root and the Debian packages postfix, opendkim and knot (the same setup as tests/mail/test_postfix.py).
Both milters run as separate processes. Ours asks knotd (127.0.0.1, the test zones) over UDP with --nameserver;
OpenDKIM reads the two DKIM keys from TestPublicKeys (`--opendkim-dns unbound` uses libunbound stub zones at the
same knotd instead, but Debian's OpenDKIM 2.11 crashes there under concurrent verification, its issue #56).
Two workloads, each `--messages` long:
- verify: inbound mail from example.org (RSA-2048 DKIM, SPF pass) -> both add Authentication-Results;
- sign: outbound mail from example.com from an internal IP -> both add an RSA-2048 DKIM-Signature
  (ours also verifies it inbound-style: SPF/DKIM/DMARC and an A-R; OpenDKIM only signs internal mail).
Throughput = messages / (first send .. last file delivered). Bounded: a run stops after --deadline seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support.knot import start_knot  # noqa: E402
from support.mailworld import AUTHSERV_ID, OUR_IP, SENDER_IP, MailWorld, make_message  # noqa: E402
from support.postfix import free_port, smtp_send, start_postfix, wait_for_port  # noqa: E402

from toolkit.core.dkim.keys import generate_key  # noqa: E402

EMLAUTH = {  # filter name -> (processes, DNS and checks)
    "emlauth": (1, "full"),  # one process: the shape before issue 14
    "emlauth-2p": (2, "full"),  # SPF + DKIM + DMARC, DNS from knot, 2 pre-forked workers
    "emlauth-dkim": (1, "dkim"),  # like OpenDKIM here: DKIM only, keys from a file (zone files), 1 process
    "emlauth-dkim-2p": (2, "dkim"),  # the same with 2 workers
    "emlauth-unix": (1, "full"),  # as "emlauth", over a unix: socket (no TCP between Postfix and the milter)
}


BEFORE_TREE: list[Path | None] = [None]  # --before
FILTER_CPUS: set[int] = set()  # --pin: the cores the filter runs on (everything else runs on the others)


def filter_process(command: list[str], **kwargs) -> subprocess.Popen:
    """Start a filter (milter) process, on FILTER_CPUS when --pin is given (set before exec: its workers too)."""
    if FILTER_CPUS:
        kwargs["preexec_fn"] = lambda: os.sched_setaffinity(0, FILTER_CPUS)
    return subprocess.Popen(command, **kwargs)


def start_emlauth(work: Path, knot_port: int, table: Path, name: str) -> tuple[subprocess.Popen, str]:
    processes, mode = EMLAUTH[name]
    port = free_port()
    listen = f"inet:127.0.0.1:{port}"
    if name.endswith("-unix"):  # a folder Postfix's smtpd (user postfix) may pass through; the work folder is 0700
        folder = Path(tempfile.mkdtemp(prefix="emlauth-sock-", dir="/tmp"))
        folder.chmod(0o711)
        listen = f"unix:{folder / 'milter.sock'}"
    dns = (["--nameserver", f"127.0.0.1:{knot_port}", "--dns-timeout", "2"] if mode == "full"
           else ["--zones", str(work / "zones"), "--checks", "dkim"])  # fmt: skip
    command = [sys.executable, "-m", "toolkit", "milter", "--listen", listen, *dns,
               "--authserv-id", AUTHSERV_ID, "--sign-table", str(table),
               "--internal-hosts", "192.0.2.0/24"]  # fmt: skip
    tree = BEFORE_TREE[0] if name == "before" else ROOT
    if name != "before":
        command += ["--processes", str(processes)]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    process = filter_process(command, cwd=tree, env=env, stderr=open(work / f"{name}.log", "w"))  # noqa: SIM115
    if listen.startswith("unix:"):
        socket_path = Path(listen.removeprefix("unix:"))
        deadline = time.monotonic() + 30
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        socket_path.chmod(0o666)  # Postfix's smtpd runs as postfix; the admin's part (README: guard the folder)
        return process, listen
    wait_for_port(port)
    if processes > 1:  # the workers start after the parent binds the port
        time.sleep(1.0)
    return process, f"inet:127.0.0.1:{port}"


def start_opendkim(
    work: Path, knot_port: int, key_path: Path, world: MailWorld, dns: str
) -> tuple[subprocess.Popen, str]:
    """dns="file": keys from TestPublicKeys (the default: Debian's OpenDKIM 2.11 with libunbound crashes under
    concurrent verification, OpenDKIM issue #56); dns="unbound": libunbound stub zones pointing at knot."""
    port = free_port()
    keys = work / "opendkim-keys.txt"
    keys.write_text(
        f"s1._domainkey.example.org {world.sender_key.dns_record_value()}\n"
        f"out._domainkey.example.com {world.our_key.dns_record_value()}\n"
    )
    unbound = work / "unbound.conf"
    stubs = "".join(
        f'stub-zone:\n\tname: "{zone}"\n\tstub-addr: 127.0.0.1@{knot_port}\n'
        for zone in ("example.org", "example.com", "example.net")
    )
    unbound.write_text('server:\n\tdo-not-query-localhost: no\n\tmodule-config: "iterator"\n' + stubs)
    config = work / "opendkim.conf"
    config.write_text(
        "\n".join(
            [
                "Syslog no",
                "Background no",
                "Mode sv",
                f"Socket inet:{port}@127.0.0.1",
                "Domain example.com",
                "Selector out",
                f"KeyFile {key_path}",
                "Canonicalization relaxed/relaxed",
                "SignatureAlgorithm rsa-sha256",
                f"AuthservID {AUTHSERV_ID}",
                "InternalHosts 192.0.2.0/24",
                f"ResolverConfiguration {unbound}" if dns == "unbound" else f"TestPublicKeys {keys}",
                f"PidFile {work / 'opendkim.pid'}",
                "RequireSafeKeys no",
                "QueryCache yes",
                "",
            ]
        )
    )
    process = filter_process(["opendkim", "-f", "-x", str(config)], stderr=open(work / "opendkim.log", "w"))  # noqa: SIM115
    wait_for_port(port)
    return process, f"inet:127.0.0.1:{port}"


def process_cpu(process) -> float:
    """CPU seconds (user + system) of a filter process and its worker children so far."""
    if process is None:
        return 0.0
    pids = [process.pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()]
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> float:
    """CPU seconds the whole machine spent busy (every core, every process) so far: /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_workload(postfix, items, concurrency: int, deadline: float, process=None) -> dict:
    before = len(postfix.delivered_files())
    cpu_before, machine_before = process_cpu(process), machine_cpu()
    started = time.monotonic()
    codes: dict[int, int] = {}
    latencies: list[float] = []

    def send(item) -> None:
        raw, mail_from, ip, helo = item
        for _ in range(10):
            if process is not None and process.poll() is not None:
                return
            sent = time.perf_counter()
            code, _ = smtp_send(postfix.port, raw, mail_from=mail_from, rcpts=["bob@example.net"], helo=helo,
                                xclient_addr=ip)  # fmt: skip
            latencies.append(time.perf_counter() - sent)
            codes[code] = codes.get(code, 0) + 1
            if code == 250:
                return
            time.sleep(0.2)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(send, items))
    target = before + len(items)
    while len(postfix.delivered_files()) < target and time.monotonic() - started < deadline:
        if process is not None and process.poll() is not None:
            codes[-1] = process.returncode  # the filter died: report it instead of waiting
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    delivered = len(postfix.delivered_files()) - before
    per_message = 1000 / max(delivered, 1)
    return {"messages": len(items), "delivered": delivered, "seconds": round(elapsed, 2),
            "msgs_per_s": round(delivered / elapsed, 1), "smtp_codes": codes,
            "filter_cpu_ms": round((process_cpu(process) - cpu_before) * per_message, 2),
            "machine_cpu_ms": round((machine_cpu() - machine_before) * per_message, 2),
            **percentiles("smtp", latencies)}  # fmt: skip


def percentiles(prefix: str, seconds: list[float]) -> dict:
    """p50 and p99 in milliseconds (nearest rank)."""
    if not seconds:
        return {f"{prefix}_p50_ms": None, f"{prefix}_p99_ms": None}
    ordered = sorted(seconds)
    rank = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {f"{prefix}_p50_ms": round(rank(0.50) * 1000, 1), f"{prefix}_p99_ms": round(rank(0.99) * 1000, 1)}


def milter_latency(address: str, items, count: int) -> dict:
    """Per-message milter time without Postfix: one message at a time over one connection, from the MAIL
    command to the end-of-message answer (what a message waits for the milter when nothing else is queued)."""
    import socket

    from support.milter_client import ALL_PROTOCOL, MilterClient

    if address.startswith("unix:"):
        client = MilterClient(address.removeprefix("unix:"))
    else:
        host, port = address.removeprefix("inet:").rsplit(":", 1)
        client = MilterClient((host, int(port)))
        client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as Postfix: no Nagle delay per packet
    client.negotiate(protocol=ALL_PROTOCOL)  # everything Postfix offers, the no-reply flags too
    raw, mail_from, ip, helo = items[0]
    client.connect(ip=ip, hostname=helo)
    times = []
    for index in range(count + 5):
        raw, mail_from, ip, helo = items[index % len(items)]
        start = time.perf_counter()
        outcome = client.transaction(raw, mail_from, ["bob@example.net"], helo=None)
        if index >= 5:  # the first ones warm the DNS cache
            times.append(time.perf_counter() - start)
        assert outcome.code in (b"c", b"a"), outcome
    client.quit()
    return percentiles("milter", times)


def check_sample(postfix, filter_name: str) -> dict:
    """Sanity: the last delivered messages carry what the filter should add."""
    from toolkit.core.message import parse_message

    files = postfix.delivered_files()
    ar = sum(1 for p in files if b"Authentication-Results: " + AUTHSERV_ID.encode() in p.read_bytes())
    signed = sum(
        1
        for p in files
        if any(
            h.lname == "dkim-signature" and b"d=example.com" in h.raw for h in parse_message(p.read_bytes()).headers
        )  # fmt: skip
    )
    dkim_pass = sum(1 for p in files if b"dkim=pass" in p.read_bytes())
    return {"filter": filter_name, "files": len(files), "with_our_or_their_ar": ar, "signed_example_com": signed,
            "dkim_pass_in_ar": dkim_pass}  # fmt: skip


NULL_MILTER = """
import asyncio, sys
from toolkit.shells.hooks import Handler
from toolkit.shells.milter import serve

class Null(Handler):
    wants = frozenset({"connect", "helo", "mail_from", "rcpt", "header", "body"})  # sees all a verifier sees

    def end_of_message(self, session, envelope):
        return []  # and checks nothing, changes nothing

asyncio.run(serve(Null(), sys.argv[1]))
"""


def start_null(work: Path) -> tuple[subprocess.Popen, str]:
    """Our milter shell with a handler that takes every stage's data and does nothing with it: what any milter
    that reads whole messages costs Postfix and the machine, the ceiling for a milter that verifies."""
    port = free_port()
    command = [sys.executable, "-c", NULL_MILTER, f"inet:127.0.0.1:{port}"]
    process = filter_process(command, cwd=ROOT, stderr=open(work / "null.log", "w"))  # noqa: SIM115
    wait_for_port(port)
    return process, f"inet:127.0.0.1:{port}"


def start_c_null(work: Path, unix: bool = False) -> tuple[subprocess.Popen, str]:
    """bench/null_milter.c (libmilter, compiled here): the null milter with no Python in it. Over TCP it is not a
    CPU ceiling: libmilter does not set TCP_QUICKACK, so the packets Postfix writes without awaiting an answer wait
    for our delayed ACK against Postfix's Nagle (~40 ms; smtp p50 ~50 ms, 8 clients -> ~160 msg/s whatever the CPU,
    2026-12-03). Over a unix: socket (`c-null-unix`) there is neither, and what it loses is the protocol's cost."""
    binary = work / "null_milter"
    if not binary.exists():
        subprocess.run(["gcc", "-O2", "-o", str(binary), str(Path(__file__).with_name("null_milter.c")), "-lmilter",
                        "-lpthread"], check=True)  # fmt: skip
    if unix:
        folder = Path(tempfile.mkdtemp(prefix="c-null-sock-", dir="/tmp"))
        folder.chmod(0o711)  # Postfix's smtpd (user postfix) must pass through; the work folder is 0700
        socket_path = folder / "milter.sock"
        log = open(work / "c-null-unix.log", "w")  # noqa: SIM115
        process = filter_process([str(binary), f"unix:{socket_path}"], stderr=log)
        deadline = time.monotonic() + 30
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        socket_path.chmod(0o666)
        return process, f"unix:{socket_path}"
    port = free_port()
    process = filter_process([str(binary), f"inet:{port}@127.0.0.1"], stderr=open(work / "c-null.log", "w"))  # noqa: SIM115
    wait_for_port(port)
    return process, f"inet:127.0.0.1:{port}"


def measure_filter(name, args, work, knot_port, table, key_path, world, workloads) -> list[dict]:
    process = None
    milter = None
    if name in EMLAUTH:
        process, milter = start_emlauth(work, knot_port, table, name)
    elif name == "null":
        process, milter = start_null(work)
    elif name in ("c-null", "c-null-unix"):
        process, milter = start_c_null(work, unix=name == "c-null-unix")
    elif name == "opendkim":
        process, milter = start_opendkim(work, knot_port, key_path, world, args.opendkim_dns)
    postfix = start_postfix(milter)
    results = []
    try:
        postfix.start()
        smtp_send(postfix.port, workloads["verify"][0][0], mail_from="alice@example.org", rcpts=["bob@example.net"],
                  helo="mail.example.org", xclient_addr=SENDER_IP)  # warm-up (not counted)  # fmt: skip
        postfix.wait_for_files(1)
        for workload, items in workloads.items():
            runs = [run_workload(postfix, items, args.concurrency, args.deadline, process) for _ in range(args.runs)]
            best = max(runs, key=lambda r: r["msgs_per_s"])
            if milter is not None and args.latency:
                best.update(milter_latency(milter, items, args.latency))
            results.append({"filter": name, "workload": workload, **best})
        print(json.dumps(check_sample(postfix, name)), flush=True)
    finally:
        postfix.cleanup()
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
    return results


def print_table(results: list[dict], args) -> None:
    print()
    print(f"{args.concurrency} SMTP clients, {args.messages} messages per row, {args.rounds} rounds, wall clock "
          f"(not CPU), load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print("msg/s: median over the rounds; ratio: msg/s over Postfix with no milter in the same round, median (min-max)")
    print("smtp p50/p99: one SMTP transaction at the client, through Postfix, under the load (last round);")
    print("milter p50/p99: one message at a time straight to the milter (no Postfix), MAIL to end-of-message answer")
    print("CPU ms/msg: the filter's processes, then the whole machine (Postfix, the SMTP clients, knot, the filter),")
    print("  per delivered message, median over the rounds: where the ratio goes on a machine Postfix alone saturates")
    print(f"{'filter':16} {'workload':8} {'msg/s':>7} {'ratio':>17} {'smtp p50/p99 ms':>16} {'milter p50/p99 ms':>18}"
          f" {'CPU ms/msg':>12}")  # fmt: skip
    bare = {(r["round"], r["workload"]): r["msgs_per_s"] for r in results if r["filter"] == "none"}
    keys = list(dict.fromkeys((r["filter"], r["workload"]) for r in results))
    for name, workload in keys:
        rows = [r for r in results if r["filter"] == name and r["workload"] == workload]
        ratios = [r["msgs_per_s"] / bare[(r["round"], workload)] for r in rows if bare.get((r["round"], workload))]
        ratio = f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})" if ratios else "-"
        last = rows[-1]
        smtp = f"{last['smtp_p50_ms']}/{last['smtp_p99_ms']}"
        milter = f"{last['milter_p50_ms']}/{last['milter_p99_ms']}" if "milter_p50_ms" in last else "-"
        rate = statistics.median(r["msgs_per_s"] for r in rows)
        cpu = (f"{statistics.median(r['filter_cpu_ms'] for r in rows):.2f}/"
               f"{statistics.median(r['machine_cpu_ms'] for r in rows):.2f}")  # fmt: skip
        print(f"{name:16} {workload:8} {rate:>7.1f} {ratio:>17} {smtp:>16} {milter:>18} {cpu:>12}")
    if FILTER_CPUS:  # the budget is arithmetic for a machine Postfix alone saturates: not this one
        print(f"--pin: the milter ran on core(s) {sorted(FILTER_CPUS)}, everything else on the other(s)")
    else:
        print_budget(results, keys)


def cpu_pairs(results: list[dict], name: str, workload: str) -> list[tuple[float, float]]:
    """(the filter's machine CPU per message, Postfix alone's) for each round that measured both."""
    alone = {r["round"]: r["machine_cpu_ms"] for r in results if (r["filter"], r["workload"]) == ("none", workload)}
    return [(r["machine_cpu_ms"], alone[r["round"]]) for r in results
            if r["filter"] == name and r["workload"] == workload and r["round"] in alone]  # fmt: skip


def print_budget(results: list[dict], keys: list[tuple[str, str]]) -> None:
    """The ratio as CPU arithmetic. Postfix alone keeps both cores busy, so with a milter the machine does the same
    work plus the milter's extra per message, and the ratio is (Postfix alone's CPU per message) / (the same with
    the milter). 0.75 then leaves the milter one third of Postfix's own CPU per message, the protocol's cost to
    Postfix included. A filter's extra is its machine CPU per message minus Postfix alone's in the same round."""
    if not any(r["filter"] == "none" for r in results):
        return
    print("CPU budget at 0.75: one third of Postfix alone's machine CPU per message; each filter's extra machine CPU")
    print("  per message over Postfix alone in the same round, and the ratio that CPU alone predicts (median)")
    for workload in dict.fromkeys(w for _, w in keys):
        budget = statistics.median(alone / 3 for _, alone in cpu_pairs(results, "none", workload))
        parts = []
        for name in [n for n, w in keys if w == workload and n != "none"]:
            pairs = cpu_pairs(results, name, workload)
            if pairs:
                extra = statistics.median(mine - alone for mine, alone in pairs)
                predicted = statistics.median(alone / mine for mine, alone in pairs)
                parts.append(f"{name} +{extra:.2f} ms ({predicted:.2f})")
        print(f"  {workload}: budget {budget:.2f} ms; " + "; ".join(parts))


def main(argv: list[str] | None = None) -> list[dict]:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally blocks stop Postfix and knot
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--deadline", type=float, default=300.0, help="seconds per workload at most")
    parser.add_argument(
        "--filters",
        default="none,c-null,c-null-unix,null,emlauth,emlauth-unix,emlauth-2p,emlauth-dkim,emlauth-dkim-2p,opendkim",
        help="comma-separated: none, c-null and c-null-unix (gcc, libmilter-dev), null, opendkim, the emlauth rows",
    )
    parser.add_argument("--latency", type=int, default=100, help="messages for the per-message milter time")
    parser.add_argument("--opendkim-dns", choices=("file", "unbound"), default="file")
    parser.add_argument("--runs", type=int, default=1, help="repeat each workload, report the best (bench/run)")
    parser.add_argument("--rounds", type=int, default=3, help="measure every filter this many times, in turn")
    parser.add_argument("--before", type=Path, help="another source tree: adds its milter as the filter 'before'")
    parser.add_argument("--pin", action="store_true",
                        help="the milter on the last core, Postfix, knot and the SMTP clients on the others: as if "
                        "the milter had cores of its own (its own host), which Postfix alone does not use")  # fmt: skip
    args = parser.parse_args(argv)
    if args.pin:
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) < 2:
            parser.error("--pin needs 2 cores")
        FILTER_CPUS.update(cores[-1:])
        os.sched_setaffinity(0, cores[:-1])  # this process: the SMTP clients, and Postfix and knot, started from here
    if args.before:
        EMLAUTH["before"] = (1, "full")  # the other tree's milter, as it was: 1 process, SPF + DKIM + DMARC
        BEFORE_TREE[0] = args.before.resolve()
        if "before" not in args.filters.split(","):
            args.filters = args.filters.replace("none,", "none,before,", 1)
    unknown = set(args.filters.split(",")) - {"none", "null", "c-null", "c-null-unix", "opendkim", *EMLAUTH}
    if unknown:  # an unknown name used to run as Postfix with no milter at all, under that name
        parser.error(f"unknown filter(s): {', '.join(sorted(unknown))}")

    world = MailWorld(sender_key=generate_key("rsa", 2048), our_key=generate_key("rsa", 2048))
    work = Path(tempfile.mkdtemp(prefix="emlauth-bench-", dir="/tmp"))
    zones = world.write_zones(work / "zones")
    table = world.write_sign_table(work / "keys")
    key_path = work / "keys" / "out.example.com.pem"
    os.chmod(key_path, 0o600)
    workloads = {
        "verify": [
            (world.sign_as_sender(make_message()), "alice@example.org", SENDER_IP, "mail.example.org")
            for _ in range(args.messages)
        ],
        "sign": [
            (make_message(from_addr="carol@example.com"), "carol@example.com", OUR_IP, "relay.example.com")
            for _ in range(args.messages)
        ],
    }
    results = []
    with start_knot(zones, work / "knot") as knot:
        for round_ in range(1, args.rounds + 1):  # every filter once per round: the ratios compare like load
            for name in args.filters.split(","):
                for result in measure_filter(name, args, work, knot.port, table, key_path, world, workloads):
                    results.append({"round": round_, **result})
                    print(json.dumps(results[-1]), flush=True)
    shutil.rmtree(work, ignore_errors=True)
    print_table(results, args)
    return results


if __name__ == "__main__":
    main()

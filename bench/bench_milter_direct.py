"""The milter's own CPU per message, with no Postfix: where the milter's time goes besides the verifier (issue 14).

    python3 bench/bench_milter_direct.py [--messages 1500] [--clients 4] [--rounds 3] [--before DIR]

A test MTA client (tests/support/milter_client.py, which negotiates what Postfix offers, the no-reply flags too)
sends each message over a new milter connection, as Postfix's smtpd does for each SMTP session, from --clients
threads; `--reuse` sends them all over one connection per client. The milter runs as `emlauth milter
--processes 1 --zones DIR` (SPF + DKIM + DMARC, RSA-2048, DNS from zone files) in its own process, and its CPU time
(user + system, /proc) is divided by the messages. The first row is the floor: `verify_message` in this process
on the same messages and answers. Every row is measured once per round, in turn; the table gives the medians.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support.mailworld import AUTHSERV_ID, OUR_IP, SENDER_IP, MailWorld, make_message  # noqa: E402
from support.milter_client import ALL_PROTOCOL, MilterClient  # noqa: E402
from support.postfix import free_port, wait_for_port  # noqa: E402

from toolkit.core.dkim.keys import generate_key  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_milter(tree: Path, zones: Path, table: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, "-m", "toolkit", "milter", "--listen", f"inet:127.0.0.1:{port}",
               "--zones", str(zones), "--authserv-id", AUTHSERV_ID, "--sign-table", str(table),
               "--internal-hosts", "192.0.2.0/24"]  # fmt: skip
    if (tree / "toolkit" / "shells" / "prefork.py").exists():
        command += ["--processes", "1"]
    process = subprocess.Popen(command, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
                               stderr=subprocess.DEVNULL)  # fmt: skip
    wait_for_port(port)
    return process, port


def milter_row(tree: Path, zones: Path, table: Path, items: list, args) -> float:
    """Microseconds of milter CPU per message."""
    process, port = start_milter(tree, zones, table)
    kept: dict[int, MilterClient] = {}

    def one(index: int) -> None:
        raw, mail_from, ip, helo = items[index % len(items)]
        client = kept.get(threading.get_ident()) if args.reuse else None
        if client is None:
            client = MilterClient(("127.0.0.1", port))
            client.negotiate(protocol=ALL_PROTOCOL)
            client.connect(ip=ip, hostname=helo)
            if args.reuse:
                kept[threading.get_ident()] = client
        outcome = client.transaction(raw, mail_from, ["bob@example.net"], helo=helo)
        assert outcome.code in (b"a", b"c"), outcome
        if not args.reuse:
            client.quit()

    def clients(count: int, offset: int) -> None:
        threads = [threading.Thread(target=lambda k=k: [one(i) for i in range(k, count, args.clients)])
                   for k in range(args.clients)]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    try:
        clients(40, 0)  # warm-up: imports, caches
        before = cpu_seconds(process.pid)
        clients(args.messages, 40)
        return (cpu_seconds(process.pid) - before) / args.messages * 1e6
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def in_process_row(world: MailWorld, items: list) -> float:
    from toolkit.core.verify import ALL_CHECKS, SmtpContext, VerifyOptions, verify_message
    from toolkit.resolvers import CachingResolver

    resolver = CachingResolver(world.resolver())
    options = VerifyOptions(authserv_id=AUTHSERV_ID, clock=time.monotonic, checks=ALL_CHECKS)
    contexts = [SmtpContext(ip=ip, helo=helo, mail_from=mail_from) for _, mail_from, ip, helo in items]
    for (raw, *_), context in zip(items, contexts, strict=True):
        verify_message(raw, context, resolver, int(time.time()), options)
    start, count = time.process_time(), 0
    for _ in range(20):
        for (raw, *_), context in zip(items, contexts, strict=True):
            _ = verify_message(raw, context, resolver, int(time.time()), options).ar_field
            count += 1
    return (time.process_time() - start) / count * 1e6


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="one milter connection per client for all messages")
    parser.add_argument("--before", type=Path, help="another source tree: its milter is a row too")
    args = parser.parse_args(argv)
    world = MailWorld(sender_key=generate_key("rsa", 2048), our_key=generate_key("rsa", 2048))
    work = Path(tempfile.mkdtemp(prefix="emlauth-milter-direct-"))
    zones, table = world.write_zones(work / "zones"), world.write_sign_table(work / "keys")
    workloads = {
        "verify": [
            (world.sign_as_sender(make_message()), "alice@example.org", SENDER_IP, "mail.example.org")
            for _ in range(50)
        ],  # fmt: skip
        "sign": [
            (make_message(from_addr="carol@example.com"), "carol@example.com", OUR_IP, "relay.example.com")
            for _ in range(50)
        ],  # fmt: skip
    }
    rows: dict[str, list[float]] = {}
    trees = [("after", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    for _ in range(args.rounds):
        rows.setdefault("verify_message in process (verify)", []).append(in_process_row(world, workloads["verify"]))
        for workload, items in workloads.items():
            for label, tree in trees:
                name = f"{label}: milter CPU ({workload})"
                rows.setdefault(name, []).append(milter_row(tree, zones, table, items, args))
    connection = "one connection per client" if args.reuse else "a new connection per message"
    print(f"{args.rounds} rounds, {args.messages} messages, {args.clients} clients, {connection}; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"{'row':44} {'us/msg':>8}  (min-max)")
    for name, values in rows.items():
        print(f"{name:44} {statistics.median(values):8.0f}  ({min(values):.0f}-{max(values):.0f})")
    return rows


if __name__ == "__main__":
    main()

"""Issue 14 §3: `emlauth milter --processes N` runs N pre-forked workers behind one listening socket, and asks
the MTA for no answer at the stages it has no hook for (SMFIP_NR_*), keeping the body's answer.

Catches: workers that do not all serve the shared socket, a dead worker not replaced (connections would pile on
the survivor or be refused), a parent that leaves workers behind on SIGTERM, answers that differ from the
one-process milter (every message still gets our A-R with dkim=pass).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support.mailworld import AUTHSERV_ID, SENDER_IP, make_message
from support.milter_client import ALL_PROTOCOL, NO_REPLY, MilterClient
from support.postfix import free_port, wait_for_port

from toolkit.core.message import parse_message
from toolkit.shells import milter_protocol as mp

ROOT = Path(__file__).resolve().parents[2]


def children(pid: int) -> set[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return set()
    return {int(p) for p in text.split()}


def wait_until(condition, seconds: float = 10.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def prefork_milter(world, tmp_path: Path):
    zones = world.write_zones(tmp_path / "zones")
    port = free_port()
    command = [sys.executable, "-m", "toolkit", "milter", "--listen", f"inet:127.0.0.1:{port}", "--zones",
               str(zones), "--authserv-id", AUTHSERV_ID, "--processes", "2"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port)
        assert wait_until(lambda: len(children(process.pid)) == 2)
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def one_message(world, port: int, index: int) -> str:
    raw = world.sign_as_sender(make_message(subject=f"prefork {index}"))
    client = MilterClient(("127.0.0.1", port))
    reply = client.negotiate(protocol=ALL_PROTOCOL)  # as Postfix offers: the no-reply flags too
    assert reply.protocol & NO_REPLY == NO_REPLY & ~(mp.Proto.NR_DATA | mp.Proto.NR_UNKN)
    assert client.connect(ip=SENDER_IP).code == b"c"
    outcome = client.transaction(raw, "alice@example.org", ["bob@example.net"])
    client.quit()
    return parse_message(outcome.apply(raw)).headers[0].unfolded()


def test_workers_share_the_socket_and_a_dead_one_is_replaced(world, prefork_milter) -> None:
    process, port = prefork_milter
    with ThreadPoolExecutor(6) as pool:
        tops = list(pool.map(lambda i: one_message(world, port, i), range(12)))
    assert all(AUTHSERV_ID in top and "dkim=pass" in top and "dmarc=pass" in top for top in tops), tops[0]
    first = children(process.pid)
    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    assert wait_until(lambda: len(children(process.pid)) == 2 and victim not in children(process.pid))
    assert "dkim=pass" in one_message(world, port, 99)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    workers = first - {victim}
    assert wait_until(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), 5)


def test_bad_process_count_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "toolkit", "milter", "--listen", "inet:127.0.0.1:1", "--zones", str(tmp_path),
         "--authserv-id", AUTHSERV_ID, "--processes", "-1"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "--processes" in result.stderr


@pytest.mark.parametrize("where", ["headers", "body"])
def test_an_oversized_message_at_no_reply_stages_is_answered_at_its_end(world, where: str) -> None:
    """With SMFIP_NR_HDR, NR_EOH and NR_BODY negotiated, the milter must not answer a header or a body chunk past
    --max-message-size (the MTA reads no answer there: the stream would shift by one packet); the end of message
    carries the policy, and the next message on the connection is served normally."""
    from toolkit.shells.hooks import VerifyHandler
    from toolkit.shells.milter import BackgroundMilter

    if where == "headers":
        big = make_message(extra_headers=tuple(f"X-Filler-{i}: {'y' * 900}" for i in range(40)))  # ~36 KB
    else:
        big = make_message(body=("z" * 998 + "\r\n") * 150)  # 150 KB: three body chunks, all past the 8 KB
    with BackgroundMilter(VerifyHandler(world.resolver(), AUTHSERV_ID), max_message_size=8 * 1024) as milter:
        client = MilterClient((milter.host, milter.port), timeout=10)
        reply = client.negotiate(protocol=ALL_PROTOCOL)
        assert reply.protocol & mp.Proto.NR_HDR and reply.protocol & mp.Proto.NR_BODY
        client.connect(ip=SENDER_IP)
        outcome = client.transaction(big, "alice@example.org", ["bob@example.net"])
        assert outcome.code == b"y" and outcome.modifications == []  # tempfail, at the end of message
        client.abort()
        small = client.transaction(world.sign_as_sender(make_message()), "alice@example.org", ["bob@example.net"])
        assert small.code == b"c" and any(isinstance(m, mp.InsHeader) for m in small.modifications)
        client.quit()
        assert milter.server.stats["oversized"] == 1

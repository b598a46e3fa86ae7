"""Issue 15 resource limits on the milter: message size, idle connections, connection count, log lines, memory.

The attacks: a 512 MB message grew RSS by 512 MB for good; 1,100 idle connections exhausted the file handles
(locking the MTA out) and wrote 90,000 log lines in 12 s. The memory and log tests run the milter command in a
subprocess (its RSS and stderr are what is measured; its file limit is lowered with resource.setrlimit).
"""

from __future__ import annotations

import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.mailworld import AUTHSERV_ID, SENDER_IP, make_message, make_world
from support.milter_client import MilterClient
from support.postfix import free_port, wait_for_port

from toolkit.shells import milter_protocol as mp
from toolkit.shells.hooks import VerifyHandler
from toolkit.shells.milter import BackgroundMilter
from toolkit.shells.server_limits import FD_HEADROOM, IN_FLIGHT, RateLimitFilter, connection_cap, parse_size

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
LINE = b"x" * 998 + b"\r\n"


@pytest.fixture(scope="module")
def world():
    return make_world()


def big_message(size: int) -> bytes:
    return make_message(body="") + LINE * (size // len(LINE))


def send(address: tuple[str, int], raw: bytes):
    with MilterClient(address, timeout=120) as client:
        client.negotiate()
        client.connect(ip=SENDER_IP)
        outcome = client.transaction(raw, "alice@example.org", ["bob@example.net"])
        client.quit()
    return outcome


@pytest.mark.parametrize(("policy", "code"), [("tempfail", b"y"), ("accept", b"a")])
def test_oversized_message_is_answered_by_the_policy(world, policy, code):
    handler = VerifyHandler(world.resolver(), AUTHSERV_ID)
    with BackgroundMilter(handler, max_message_size=1 * MB, on_error=policy) as milter:
        with MilterClient((milter.host, milter.port), timeout=60) as client:
            client.negotiate()
            client.connect(ip=SENDER_IP)
            outcome = client.transaction(big_message(8 * MB), "alice@example.org", ["bob@example.net"])
            assert outcome.code == code and outcome.modifications == []  # answered at the chunk past 1 MB
            if policy == "tempfail":
                client.abort()  # what the MTA does after a tempfail; the next message starts from zero
            small = client.transaction(make_message(), "alice@example.org", ["bob@example.net"])
            assert small.code == b"c" and any(isinstance(m, mp.InsHeader) for m in small.modifications)
            client.quit()
        assert milter.server.stats["oversized"] == 1


def test_a_large_message_gives_its_memory_back_and_the_connection_goes_on(world, monkeypatch):
    """After a message of RELEASE_AFTER bytes or more, the milter hands its freed memory back to the OS (in a
    thread, between packets) and then serves the next message on the same connection."""
    import toolkit.shells.milter_connection as connection

    released = []
    monkeypatch.setattr(connection, "release_memory", lambda: released.append(True))
    with BackgroundMilter(VerifyHandler(world.resolver(), AUTHSERV_ID)) as milter:
        with MilterClient((milter.host, milter.port), timeout=60) as client:
            client.negotiate()
            client.connect(ip=SENDER_IP)
            large = client.transaction(
                big_message(connection.RELEASE_AFTER + MB), "alice@example.org", ["bob@example.net"]
            )
            assert large.code == b"c"
            small = client.transaction(make_message(), "alice@example.org", ["bob@example.net"])
            assert small.code == b"c" and any(isinstance(m, mp.InsHeader) for m in small.modifications)
            assert released == [True]  # done before the next packet was read; the small message released nothing
            client.quit()
        assert milter.server.stats["messages"] == 2


def test_idle_connection_is_closed(world):
    with BackgroundMilter(VerifyHandler(world.resolver(), AUTHSERV_ID), idle_timeout=0.5) as milter:
        with MilterClient((milter.host, milter.port), timeout=10) as client:
            client.negotiate()
            time.sleep(1.2)
            assert client.closed_by_peer()
        assert milter.server.stats["idle_closed"] == 1


def test_connections_past_the_cap_are_refused_and_the_rest_served(world):
    with BackgroundMilter(VerifyHandler(world.resolver(), AUTHSERV_ID), max_connections=3) as milter:
        clients = [MilterClient((milter.host, milter.port), timeout=10) for _ in range(3)]
        for client in clients:
            client.negotiate()  # answered: the connection counts
        with MilterClient((milter.host, milter.port), timeout=10) as extra:
            assert extra.closed_by_peer()
        assert milter.server.stats["busy"] == 1
        clients.pop().quit()
        deadline = time.time() + 5
        while milter.server.active > 2 and time.time() < deadline:
            time.sleep(0.05)
        assert send((milter.host, milter.port), make_message()).code == b"c"
        for client in clients:
            client.quit()


def test_the_cap_fits_the_file_limit():
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_NOFILE, (300, 300));"
        "from toolkit.shells.server_limits import connection_cap; print(connection_cap(500), connection_cap(10))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == [str(300 - FD_HEADROOM - IN_FLIGHT), "10"]
    assert connection_cap(7) == 7


def test_rate_limit_filter_counts_what_it_drops():
    now = [0.0]
    limiter = RateLimitFilter(burst=3, period=10.0, clock=lambda: now[0])
    import logging

    records = [logging.LogRecord("emlauth.milter", 30, "", 0, "refused %s", ("x",), None) for _ in range(50)]
    assert sum(limiter.filter(r) for r in records) == 3
    now[0] = 11.0
    late = logging.LogRecord("emlauth.milter", 30, "", 0, "refused %s", ("x",), None)
    assert limiter.filter(late) and "47 more like this" in late.getMessage()


def test_sizes_parse():
    assert parse_size("64M") == 64 * MB and parse_size("512k") == 512 * 1024 and parse_size("100") == 100
    with pytest.raises(Exception, match="want a size"):
        parse_size("-1M")


def _limited_files(soft: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, soft))

    return apply


def start_milter(tmp_path: Path, world, *extra: str, files: int | None = None) -> tuple[subprocess.Popen, int]:
    zones = world.write_zones(tmp_path / "zones")
    port = free_port()
    command = [sys.executable, "-m", "toolkit", "milter", "--listen", f"inet:127.0.0.1:{port}", "--zones",
               str(zones), "--authserv-id", AUTHSERV_ID, *extra]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_limited_files(files) if files else None)  # fmt: skip
    wait_for_port(port, process)
    return process, port


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    return process.communicate(timeout=20)[1]


def test_a_thousand_idle_connections_neither_lock_out_the_mta_nor_flood_the_log(world, tmp_path):
    """The issue's flood, with the milter's file limit at 256: 1,100 idle connections, then a real message."""
    process, port = start_milter(tmp_path, world, files=256)
    sockets = []
    outcome = None
    try:
        for _ in range(1100):  # all at once, as a flood comes (non-blocking connects)
            sock = socket.socket()
            sock.setblocking(False)
            sock.connect_ex(("127.0.0.1", port))
            sockets.append(sock)
        time.sleep(3.0)
        assert process.poll() is None
        for sock in sockets:
            sock.close()
        sockets.clear()
        time.sleep(0.5)
        outcome = send(("127.0.0.1", port), make_message())  # served again once the flood is gone
    finally:
        for sock in sockets:
            sock.close()
        err = stop(process)
    assert outcome is not None and outcome.code == b"c"
    lines = err.splitlines()
    assert len(lines) < 40, lines[:50]  # 10 refusals logged, then one summary at most, plus start-up
    assert any("--max-connections" in line for line in lines)
    assert "Traceback" not in err and "out of system resource" not in err


def _rss_mb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    raise AssertionError(field)


@pytest.mark.slow
def test_memory_returns_after_a_large_message(world, tmp_path):
    """RSS after a 128 MB message is back near where it started (it stayed at +message size before)."""
    process, port = start_milter(tmp_path, world, "--max-message-size", "512M")
    try:
        before = _rss_mb(process.pid)
        outcome = send(("127.0.0.1", port), big_message(128 * MB))
        time.sleep(0.5)
        after = _rss_mb(process.pid)
        peak = _rss_mb(process.pid, "VmHWM")
    finally:
        stop(process)
    assert outcome.code == b"c" and any(isinstance(m, mp.InsHeader) for m in outcome.modifications)
    assert peak - before > 128  # the message was really held and verified
    assert after - before < 32, (before, after, peak)


def test_an_oversized_message_is_not_buffered(world, tmp_path):
    """Past --max-message-size nothing more is kept: peak RSS stays far below the 96 MB sent."""
    process, port = start_milter(tmp_path, world, "--max-message-size", "1M")
    try:
        before = _rss_mb(process.pid, "VmHWM")
        with MilterClient(("127.0.0.1", port), timeout=120) as client:
            client.negotiate()
            client.connect(ip=SENDER_IP)
            client.transaction(make_message(), "alice@example.org", ["bob@example.net"])  # warm up
            outcome = client.transaction(big_message(96 * MB), "alice@example.org", ["bob@example.net"])
            for _ in range(200):  # an MTA that keeps sending anyway is answered without keeping anything
                client.send(mp.Body(LINE * 60))
                assert client.until_final().code == b"y"  # 451 4.7.1
            client.abort()
        peak = _rss_mb(process.pid, "VmHWM")
    finally:
        err = stop(process)
    assert outcome.code == b"y"
    assert peak - before < 24, (before, peak)
    assert "over --max-message-size" in err

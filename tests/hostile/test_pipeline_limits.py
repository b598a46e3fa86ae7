"""Issue 15 resource limits on the SMTP pipeline: message size, idle connections, connection count, memory."""

from __future__ import annotations

import smtplib
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.mailworld import AUTHSERV_ID, SENDER_IP, make_message, make_world
from support.postfix import free_port, wait_for_port

from toolkit.shells.hooks import Handler, VerifyHandler
from toolkit.shells.smtp import Pipeline

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
LINE = b"x" * 998 + b"\r\n"


def test_a_message_past_the_size_cap_is_refused_and_not_delivered(tmp_path):
    with Pipeline(Handler(), maildir=tmp_path / "M", max_message_size=1 * MB) as pipeline:
        with smtplib.SMTP(pipeline.host, pipeline.port, timeout=30) as client:
            client.ehlo("x.example.com")
            assert "1048576" in client.esmtp_features.get("size", "")
            with pytest.raises(smtplib.SMTPSenderRefused) as declared:  # SIZE= said in MAIL FROM
                client.sendmail("a@example.org", ["b@example.net"], make_message(body="") + LINE * 2048)
            assert declared.value.smtp_code == 552
            client.rset()
            client.mail("a@example.org")  # a client that does not declare it: refused after DATA
            client.rcpt("b@example.net")
            code, _ = client.data(make_message(body="") + LINE * 2048)
            assert code == 552
            client.sendmail("a@example.org", ["b@example.net"], make_message())  # the session goes on
        assert len(pipeline.messages()) == 1


def test_an_idle_connection_is_closed(tmp_path):
    with (
        Pipeline(Handler(), maildir=tmp_path / "M", idle_timeout=0.5) as pipeline,
        socket.create_connection((pipeline.host, pipeline.port), timeout=10) as sock,
    ):
        assert sock.recv(100).startswith(b"220")
        started = time.perf_counter()
        while sock.recv(100):  # nothing said: the server closes the connection
            pass
        assert time.perf_counter() - started < 5.0


def test_connections_past_the_cap_get_421(tmp_path):
    with Pipeline(Handler(), maildir=tmp_path / "M", max_connections=2) as pipeline:
        held = [socket.create_connection((pipeline.host, pipeline.port), timeout=10) for _ in range(2)]
        for sock in held:
            assert sock.recv(100).startswith(b"220")
        with socket.create_connection((pipeline.host, pipeline.port), timeout=10) as extra:
            assert extra.recv(100).startswith(b"421 4.7.0")
            assert extra.recv(100) == b""
        assert pipeline.stats["busy"] == 1
        held.pop().close()
        deadline = time.time() + 5
        while pipeline.bridge.active > 1 and time.time() < deadline:
            time.sleep(0.05)
        with smtplib.SMTP(pipeline.host, pipeline.port, timeout=10) as client:
            client.sendmail("a@example.org", ["b@example.net"], make_message())
        for sock in held:
            sock.close()
    assert len(pipeline.messages()) == 1


def test_the_event_loop_answers_while_a_large_message_is_verified(tmp_path):
    """Parsing and verification run in the executor: a second client is served meanwhile.

    Not a timing benchmark: the bound (2 s) only separates "served meanwhile" from "served after the big message".
    """
    world = make_world()
    handler = VerifyHandler(world.resolver(), AUTHSERV_ID)
    with Pipeline(handler, maildir=tmp_path / "M", max_message_size=512 * MB) as pipeline:
        big = make_message(body="") + LINE * (96 * MB // len(LINE))
        sender = socket.create_connection((pipeline.host, pipeline.port), timeout=120)
        sender.recv(100)
        for line in (b"EHLO big.example.org", f"XCLIENT ADDR={SENDER_IP}".encode(), b"EHLO big.example.org",
                     b"MAIL FROM:<alice@example.org>", b"RCPT TO:<bob@example.net>", b"DATA"):  # fmt: skip
            sender.sendall(line + b"\r\n")
            time.sleep(0.05)
            sender.recv(4096)
        sender.sendall(big + b".\r\n")
        time.sleep(0.3)  # the pipeline is now parsing/verifying 96 MB
        started = time.perf_counter()
        with smtplib.SMTP(pipeline.host, pipeline.port, timeout=30) as client:
            client.ehlo("small.example.org")
        answered = time.perf_counter() - started
        sender.settimeout(120)
        reply = sender.recv(4096)
        finished = time.perf_counter() - started
        sender.close()
    assert reply.startswith(b"250"), reply
    assert answered < 2.0 and finished > answered, (answered, finished)


def _rss_mb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("VmRSS")


@pytest.mark.slow
def test_pipeline_memory_returns_after_a_large_message(tmp_path):
    world = make_world()
    zones = world.write_zones(tmp_path / "zones")
    port = free_port()
    command = [sys.executable, "-m", "toolkit", "pipeline", "--listen", f"127.0.0.1:{port}", "--maildir",
               str(tmp_path / "M"), "--zones", str(zones), "--authserv-id", AUTHSERV_ID,
               "--max-message-size", "512M"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, process)
        before = _rss_mb(process.pid)
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
            client.sendmail("alice@example.org", ["bob@example.net"], make_message(body="") + LINE * (64 * MB // 1000))
        time.sleep(2.0)  # the release runs a second after the reply
        after = _rss_mb(process.pid)
    finally:
        process.terminate()
        process.communicate(timeout=20)
    assert after - before < 48, (before, after)

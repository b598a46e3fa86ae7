"""Issue 15 hole 3: our DKIM signature must not be reachable by remote clients.

Reproductions (from the issue, main at ba50810):
- pipeline with PROXY: `PROXY TCP4 203.0.113.5 ...` then `XCLIENT ADDR=127.0.0.1` got the message signed (XCLIENT
  was authorized by the socket peer, the loopback proxy);
- `PROXY TCP4 10.9.9.9 ...` with `--internal-hosts 10.0.0.0/8` got it signed (PROXY was taken from any peer);
- the milter signed for whatever client address its Connect packet named, for anyone who reached its port.

Every 127.x.y.z address is loopback on Linux, so peers are played by binding the client socket to 127.0.0.2/3:
the pipeline and milter listen on 127.0.0.1 and see those as different peers.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.mailworld import AUTHSERV_ID, make_message, make_world
from support.milter_client import MilterClient
from support.postfix import free_port, wait_for_port

from toolkit.core.dkim.signtable import SigningTable
from toolkit.core.message import parse_message
from toolkit.shells import milter_protocol as mp
from toolkit.shells.hooks import ChainHandler, Handler, SignHandler, VerifyHandler
from toolkit.shells.milter import BackgroundMilter
from toolkit.shells.smtp import Pipeline

ROOT = Path(__file__).resolve().parents[2]
PROXY = "127.0.0.2"  # the host that runs our proxy
OTHER = "127.0.0.3"  # any other host on the network
REMOTE = "203.0.113.5"
INTERNAL_NET = "10.0.0.0/8"


@pytest.fixture(scope="module")
def world():
    return make_world()


@pytest.fixture(scope="module")
def table(world, tmp_path_factory):
    keys = tmp_path_factory.mktemp("keys")
    return SigningTable.parse(world.write_sign_table(keys).read_text(), base_dir=keys)


def signer(world, table, internal=(INTERNAL_NET, "127.0.0.0/8")) -> Handler:
    return ChainHandler([VerifyHandler(world.resolver(), AUTHSERV_ID), SignHandler(table, internal_hosts=internal)])


class Dialogue:
    """A raw SMTP client: a PROXY line first if asked, from a chosen source address; replies as (code, text)."""

    def __init__(self, port: int, source: str = "127.0.0.1", proxy: str | None = None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20, source_address=(source, 0))
        if proxy:
            self.sock.sendall(proxy.encode() + b"\r\n")
        self.banner = self.reply()

    def reply(self) -> tuple[int, str]:
        data = b""
        while chunk := self.sock.recv(4096):
            data += chunk
            lines = data.split(b"\r\n")
            if len(lines) > 1 and lines[-2][3:4] == b" ":
                break
        if not data:
            return 0, "closed"
        return int(data[:3]), data.decode(errors="replace")

    def command(self, line: str) -> tuple[int, str]:
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    def send_mail(self, raw: bytes) -> tuple[int, str]:
        for line in ("MAIL FROM:<ceo@example.com>", "RCPT TO:<bob@example.net>", "DATA"):
            code, text = self.command(line)
            if code >= 400:
                return code, text
        self.sock.sendall(raw + b".\r\n")
        return self.reply()

    def close(self) -> None:
        self.sock.close()


def message() -> bytes:
    return make_message(from_addr="ceo@example.com", subject="pay this invoice")


def signed(delivered: bytes) -> bool:
    return any(b"d=example.com" in h.raw for h in parse_message(delivered).get_all("DKIM-Signature"))


def client_ip(delivered: bytes) -> str:
    """The address SPF was checked for, as our A-R tells it: spf=fail for REMOTE, pass for ours."""
    return parse_message(delivered).headers[0].unfolded()


# ---------------------------------------------------------------- the pipeline


def test_reproduction_proxy_then_xclient_loopback_is_not_signed(world, table, tmp_path):
    with Pipeline(signer(world, table), maildir=tmp_path / "M", proxy_from=[PROXY]) as pipeline:
        talk = Dialogue(pipeline.port, source=PROXY, proxy=f"PROXY TCP4 {REMOTE} 192.0.2.1 40000 25")
        assert talk.banner[0] == 220
        assert "XCLIENT" not in talk.command("EHLO attacker.example.net")[1]
        assert talk.command("XCLIENT ADDR=127.0.0.1")[0] == 550
        assert talk.send_mail(message())[0] == 250
        talk.close()
        (delivered,) = pipeline.messages()
    assert not signed(delivered)
    assert "spf=fail" in client_ip(delivered)  # judged as 203.0.113.5, the address the proxy saw


def test_reproduction_proxy_header_from_a_stranger_is_refused(world, table, tmp_path):
    with Pipeline(signer(world, table), maildir=tmp_path / "M", proxy_from=[PROXY]) as pipeline:
        talk = Dialogue(pipeline.port, source=OTHER, proxy="PROXY TCP4 10.9.9.9 192.0.2.1 40000 25")
        assert talk.banner == (0, "closed")  # no banner: the connection is closed
        talk.close()
        assert pipeline.messages() == []


def test_proxy_header_from_our_proxy_names_the_client(world, table, tmp_path):
    """Internal status is decided on the address the proxy gave: 10.9.9.9 is ours, 203.0.113.5 is not."""
    with Pipeline(signer(world, table), maildir=tmp_path / "M", proxy_from=[PROXY]) as pipeline:
        for address in ("10.9.9.9", REMOTE):
            talk = Dialogue(pipeline.port, source=PROXY, proxy=f"PROXY TCP4 {address} 192.0.2.1 40000 25")
            talk.command("EHLO client.example.com")
            assert talk.send_mail(make_message(from_addr="ceo@example.com", subject=address))[0] == 250
            talk.close()
        by_client = {parse_message(m).get_first("subject").unfolded(): m for m in pipeline.messages()}
    assert signed(by_client["10.9.9.9"]) and not signed(by_client[REMOTE])


def test_without_a_proxy_header_the_proxy_mode_drops_the_connection(world, table, tmp_path):
    with Pipeline(signer(world, table), maildir=tmp_path / "M", proxy_from=[PROXY]) as pipeline:
        talk = Dialogue(pipeline.port, source=PROXY)
        talk.sock.sendall(b"EHLO x\r\n")
        assert talk.banner == (0, "closed") or talk.reply() == (0, "closed")
        talk.close()


def test_xclient_only_from_configured_peers(world, table, tmp_path):
    with Pipeline(signer(world, table), maildir=tmp_path / "M", xclient_from=[f"{PROXY}/32"]) as pipeline:
        stranger = Dialogue(pipeline.port, source=OTHER)  # loopback, but not in --xclient-from
        assert "XCLIENT" not in stranger.command("EHLO x.example.com")[1]
        assert stranger.command("XCLIENT ADDR=10.9.9.9")[0] == 550
        stranger.close()
        trusted = Dialogue(pipeline.port, source=PROXY)
        assert "XCLIENT" in trusted.command("EHLO x.example.com")[1]
        assert trusted.command("XCLIENT ADDR=10.9.9.9 HELO=client.example.com")[0] == 220
        trusted.command("EHLO client.example.com")
        assert trusted.send_mail(message())[0] == 250
        trusted.close()
        (delivered,) = pipeline.messages()
    assert signed(delivered)


def test_xclient_address_decides_even_from_loopback(world, table, tmp_path):
    """The socket peer is loopback (internal), but the client XCLIENT names is remote: not signed."""
    with Pipeline(signer(world, table), maildir=tmp_path / "M") as pipeline:
        talk = Dialogue(pipeline.port)
        talk.command("EHLO x.example.com")
        assert talk.command(f"XCLIENT ADDR={REMOTE} HELO=mx.example.org")[0] == 220
        talk.command("EHLO mx.example.org")
        assert talk.send_mail(message())[0] == 250
        talk.close()
        (delivered,) = pipeline.messages()
    assert not signed(delivered) and "spf=fail" in client_ip(delivered)


def test_xclient_rejects_a_bad_address_and_can_be_off(world, table, tmp_path):
    with Pipeline(signer(world, table), maildir=tmp_path / "M", xclient_from=[]) as pipeline:
        talk = Dialogue(pipeline.port)
        assert talk.command("XCLIENT ADDR=10.9.9.9")[0] == 550
        talk.close()
    with Pipeline(signer(world, table), maildir=tmp_path / "N") as pipeline:
        talk = Dialogue(pipeline.port)
        assert talk.command("XCLIENT ADDR=not-an-address")[0] == 501
        assert talk.command("XCLIENT ADDR=[UNAVAILABLE] HELO=x.example.com")[0] == 220
        talk.close()


def test_plain_loopback_submission_is_signed_and_a_stranger_is_not(world, table, tmp_path):
    with Pipeline(signer(world, table), maildir=tmp_path / "M") as pipeline:
        talk = Dialogue(pipeline.port, source=OTHER)
        talk.command("EHLO submit.example.com")
        assert talk.send_mail(message())[0] == 250
        talk.close()
        (delivered,) = pipeline.messages()
    assert signed(delivered)  # 127.0.0.3 is in the default internal hosts
    with Pipeline(signer(world, table, internal=(INTERNAL_NET,)), maildir=tmp_path / "N") as pipeline:
        talk = Dialogue(pipeline.port, source=OTHER)
        talk.command("EHLO submit.example.com")
        assert talk.send_mail(message())[0] == 250
        talk.close()
        (delivered,) = pipeline.messages()
    assert not signed(delivered)


# ---------------------------------------------------------------- the milter


def sign_request(milter: BackgroundMilter, source: str, ip: str) -> list[mp.Response] | None:
    """Play an MTA from `source` whose Connect names `ip`; the modifications, or None if the milter hung up."""
    try:
        client = MilterClient((milter.host, milter.port), timeout=10, source=source)
    except OSError:
        return None
    with client:
        try:
            client.negotiate()
        except ConnectionError:
            return None
        client.connect(ip=ip, hostname="client.example.com")
        outcome = client.transaction(message(), "ceo@example.com", ["bob@example.net"], helo="client.example.com")
        client.quit()
        return outcome.modifications


def test_milter_refuses_peers_outside_allow_before_reading(world, table):
    """The issue's milter reproduction: a stranger naming 127.0.0.1 in Connect must not get a signature."""
    with BackgroundMilter(signer(world, table), allow=[f"{PROXY}/32"]) as milter:
        assert sign_request(milter, OTHER, "127.0.0.1") is None
        assert milter.server.stats["refused"] == 1 and milter.server.stats["connections"] == 0
        allowed = sign_request(milter, PROXY, "127.0.0.1")
    assert allowed is not None and any(getattr(m, "name", "") == "DKIM-Signature" for m in allowed)


def test_milter_default_allows_loopback_only(world, table):
    with BackgroundMilter(signer(world, table)) as milter:
        assert milter.server.allow  # loopback by default
        assert sign_request(milter, OTHER, "127.0.0.1") is not None
    with BackgroundMilter(signer(world, table), allow=["192.0.2.0/24"]) as milter:
        assert sign_request(milter, "127.0.0.1", "127.0.0.1") is None


def test_milter_command_allow_flag(world, tmp_path):
    zones = world.write_zones(tmp_path / "zones")
    port = free_port()
    command = [sys.executable, "-m", "toolkit", "milter", "--listen", f"inet:127.0.0.1:{port}", "--zones",
               str(zones), "--authserv-id", AUTHSERV_ID, "--allow", f"{PROXY}/32", "192.0.2.0/24"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, process)  # this probe from 127.0.0.1 is itself refused
        with MilterClient(("127.0.0.1", port), timeout=10, source=OTHER) as client:
            time.sleep(0.2)
            assert client.closed_by_peer()
        with MilterClient(("127.0.0.1", port), timeout=10, source=PROXY) as client:
            assert isinstance(client.negotiate(), mp.OptNeg)
    finally:
        process.terminate()
        err = process.communicate(timeout=10)[1]
    assert f"refused a milter connection from {OTHER} (not in --allow)" in err
    bad = subprocess.run([*command[:-3], "--allow", "10.0.0.300/8"], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and "--allow: '10.0.0.300/8' is not an address" in bad.stderr


def test_pipeline_command_trust_flags(world, tmp_path):
    zones = world.write_zones(tmp_path / "zones")
    keys = tmp_path / "keys"
    port = free_port()
    command = [sys.executable, "-m", "toolkit", "pipeline", "--listen", f"127.0.0.1:{port}", "--maildir",
               str(tmp_path / "M"), "--zones", str(zones), "--authserv-id", AUTHSERV_ID, "--sign-table",
               str(world.write_sign_table(keys)), "--internal-hosts", INTERNAL_NET, "--proxy-from", PROXY,
               "--xclient-from", "none"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, process)
        stranger = Dialogue(port, source=OTHER, proxy="PROXY TCP4 10.9.9.9 192.0.2.1 40000 25")
        assert stranger.banner == (0, "closed")
        stranger.close()
        proxied = Dialogue(port, source=PROXY, proxy=f"PROXY TCP4 {REMOTE} 192.0.2.1 40000 25")
        proxied.command("EHLO x.example.com")
        assert proxied.command("XCLIENT ADDR=10.9.9.9")[0] == 550
        assert proxied.send_mail(message())[0] == 250
        proxied.close()
    finally:
        process.terminate()
        err = process.communicate(timeout=10)[1]
    (path,) = (tmp_path / "M" / "new").iterdir()
    assert not signed(path.read_bytes())
    assert f"refused a PROXY header from {OTHER} (not in --proxy-from)" in err

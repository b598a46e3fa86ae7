"""The pipeline and milter as a mail admin expects them (issue 13 §5): trace fields at delivery, one log line per
message, sign-or-verify modes, the default authserv-id, and the signing table's OpenDKIM spellings."""

from __future__ import annotations

import smtplib
import subprocess
import sys
from pathlib import Path

import pytest
from support.mailworld import AUTHSERV_ID, OUR_IP, OUR_NETWORKS, SENDER_IP, make_message
from support.milter_client import MilterClient
from support.postfix import free_port, wait_for_port

from toolkit.core.dkim.signtable import SigningTable
from toolkit.core.errors import CallerError
from toolkit.core.message import parse_message
from toolkit.shells import milter_protocol as mp
from toolkit.shells.cli import verify_eml_main
from toolkit.shells.cmd_mail import default_authserv_id

ROOT = Path(__file__).resolve().parents[2]
NOW = "1795000000"


def start(kind: str, tmp_path: Path, world, *extra: str) -> tuple[subprocess.Popen, int]:
    zones = world.write_zones(tmp_path / "zones")
    port = free_port()
    listen = f"inet:127.0.0.1:{port}" if kind == "milter" else f"127.0.0.1:{port}"
    target = ["--maildir", str(tmp_path / "M")] if kind == "pipeline" else []
    command = [sys.executable, "-m", "toolkit", kind, "--listen", listen, *target, "--zones", str(zones), *extra]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    wait_for_port(port, process)
    return process, port


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    return process.communicate(timeout=20)[1]


def send(port: int, raw: bytes, addr: str, helo: str = "mail.example.org", mail_from: str = "alice@example.org"):
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.ehlo("localhost")
        assert client.docmd("XCLIENT", f"ADDR={addr} HELO={helo}")[0] == 220
        client.ehlo(helo)
        client.sendmail(mail_from, ["bob@example.net"], raw)


def delivered(tmp_path: Path) -> list[bytes]:
    return [p.read_bytes().replace(b"\n", b"\r\n") for p in sorted((tmp_path / "M" / "new").iterdir())]


def test_pipeline_adds_received_and_return_path_that_verify_eml_reads_back(world, tmp_path, capsysbinary):
    """RFC 5321 §4.4: the delivered message carries our trace field, so --trust-received 1 finds the client."""
    process, port = start("pipeline", tmp_path, world, "--authserv-id", AUTHSERV_ID)
    try:
        send(port, world.sign_as_sender(make_message()), SENDER_IP)
    finally:
        stop(process)
    (data,) = delivered(tmp_path)
    message = parse_message(data)
    assert [h.lname for h in message.headers[:3]] == ["return-path", "received", "authentication-results"]
    assert message.headers[0].unfolded() == "<alice@example.org>"
    received = " ".join(message.headers[1].unfolded().split())
    assert received.startswith(f"from mail.example.org (unknown [{SENDER_IP}]) by {AUTHSERV_ID} (emlauth) with ESMTP")
    assert "for <bob@example.net>;" in received
    eml = tmp_path / "delivered.eml"
    eml.write_bytes(data)
    code = verify_eml_main(["--zones", str(tmp_path / "zones"), "--trust-received", "1", "--header-only", str(eml)])
    out = capsysbinary.readouterr().out.decode()
    assert code == 0 and "spf=pass smtp.mailfrom=example.org" in " ".join(out.split())


def test_one_log_line_per_message_and_no_noise_on_quit(world, tmp_path):
    process, port = start("pipeline", tmp_path, world, "--authserv-id", AUTHSERV_ID)
    try:
        for _ in range(3):
            send(port, world.sign_as_sender(make_message()), SENDER_IP)
    finally:
        log = stop(process)
    lines = [line for line in log.splitlines() if "listening on" not in line]
    assert len(lines) == 3, lines
    for line in lines:
        assert f"client={SENDER_IP} helo=mail.example.org from=<alice@example.org> rcpts=1" in line
        assert "spf=pass,pass dkim=pass dmarc=pass actions=delivered" in line and "queue=" in line
    assert "onnection lost" not in log


def test_milter_logs_one_line_per_message(world, tmp_path):
    process, port = start("milter", tmp_path, world, "--authserv-id", AUTHSERV_ID)
    try:
        with MilterClient(("127.0.0.1", port), timeout=30) as client:
            client.negotiate()
            client.connect(ip=SENDER_IP)
            forged = "Authentication-Results: mx.example.net; dkim=pass"
            client.transaction(world.sign_as_sender(make_message(extra_headers=(forged,))), "alice@example.org",
                               ["bob@example.net"], queue_id="4QID1")  # fmt: skip
            client.quit()
    finally:
        log = stop(process)
    (line,) = [line for line in log.splitlines() if "queue=" in line]
    assert "queue=4QID1 client=198.51.100.7 helo=mail.example.org" in line
    assert "dmarc=pass actions=forged-ar-removed,accepted" in line


@pytest.mark.parametrize("kind", ["pipeline", "milter"])
def test_internal_mail_is_signed_not_verified_and_the_rest_verified_not_signed(world, tmp_path, kind):
    """Issue 13 §5: never dmarc=fail from our own host on top of our own signature (OpenDKIM's modes)."""
    table = world.write_sign_table(tmp_path / "keys")
    args = ("--authserv-id", AUTHSERV_ID, "--sign-table", str(table), "--internal-hosts", OUR_NETWORKS[0])
    ours = make_message(from_addr="carol@example.com")
    theirs = world.sign_as_sender(make_message())
    process, port = start(kind, tmp_path, world, *args)
    try:
        if kind == "pipeline":
            send(port, ours, OUR_IP, helo="relay.example.com", mail_from="carol@example.com")
            send(port, theirs, SENDER_IP)
            outbound, inbound = sorted(delivered(tmp_path), key=lambda d: b"carol@" not in d)
            inserted_out = [h.name for h in parse_message(outbound).headers]
            inserted_in = [h.name for h in parse_message(inbound).headers]
        else:
            inserted_out, inserted_in = [], []
            for raw, ip, sender in ((ours, OUR_IP, "carol@example.com"), (theirs, SENDER_IP, "alice@example.org")):
                with MilterClient(("127.0.0.1", port), timeout=30) as client:
                    client.negotiate()
                    client.connect(ip=ip)
                    outcome = client.transaction(raw, sender, ["bob@example.net"])
                    client.quit()
                names = [m.name for m in outcome.modifications if isinstance(m, mp.InsHeader)]
                (inserted_out if ip == OUR_IP else inserted_in).extend(names)
    finally:
        stop(process)
    assert "DKIM-Signature" in inserted_out and "Authentication-Results" not in inserted_out[:2]
    assert "Authentication-Results" in inserted_in and "DKIM-Signature" not in inserted_in[:2]


def test_pipeline_needs_no_authserv_id_and_defaults_to_the_host_name(world, tmp_path):
    process, port = start("pipeline", tmp_path, world)
    try:
        send(port, make_message(), SENDER_IP)
    finally:
        stop(process)
    (data,) = delivered(tmp_path)
    ar = parse_message(data).get_first("authentication-results").unfolded()
    assert ar.startswith(default_authserv_id() + ";")
    assert default_authserv_id() == default_authserv_id().lower() and " " not in default_authserv_id()


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("*@example.com", "example.com", "sub.example.com"),
        ("*@*.example.com", "sub.example.com", "example.com"),
        ("@example.com", "example.com", "example.org"),
        ("*@*", "anything.example.net", None),
    ],
)
def test_signing_table_takes_opendkim_spellings(pattern, matches, misses):
    table = SigningTable.parse(f"{pattern} d=example.com s1 k.pem\n", base_dir="/etc/emlauth")
    assert table.lookup(matches) and table.entries[0].key_path == "/etc/emlauth/k.pem"  # relative to the table
    if misses:
        assert not table.lookup(misses)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("alice@example.com d=example.com s1 k.pem", "names one address; patterns match the From domain"),
        ("bad_pattern! d=example.com s1 k.pem", "accepted: example.com, *.example.com, *"),
        ("example.com d=example.com", "expected <pattern> <d=domain> <selector> <key path>"),
    ],
)
def test_signing_table_errors_list_the_accepted_forms(line, says):
    with pytest.raises(CallerError) as caught:
        SigningTable.parse(line + "\n", source="signing.table")
    assert says in str(caught.value) and str(caught.value).startswith("signing.table:1: ")

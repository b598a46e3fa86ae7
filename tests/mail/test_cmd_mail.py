"""`emlauth milter` and `emlauth pipeline` from the command line."""

from __future__ import annotations

import argparse
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.mailworld import AUTHSERV_ID, SENDER_IP, make_message
from support.milter_client import MilterClient
from support.postfix import free_port, wait_for_port

from toolkit.shells import cmd_mail
from toolkit.shells.cli import main
from toolkit.shells.hooks import ChainHandler, DmarcAction, SignHandler, VerifyHandler

ROOT = Path(__file__).resolve().parents[2]


def emlauth(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "toolkit", *args], cwd=ROOT, stderr=subprocess.PIPE, text=True)


def test_pipeline_command_delivers_into_a_maildir(world, tmp_path):
    zones = world.write_zones(tmp_path / "zones")
    port = free_port()
    maildir = tmp_path / "Maildir"
    process = emlauth("pipeline", "--listen", f"127.0.0.1:{port}", "--maildir", str(maildir), "--zones", str(zones),
                      "--authserv-id", AUTHSERV_ID)  # fmt: skip
    try:
        wait_for_port(port, process)
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.ehlo("localhost")
            assert client.docmd("XCLIENT", f"ADDR={SENDER_IP} HELO=mail.example.org")[0] == 220
            client.ehlo("mail.example.org")
            client.sendmail("alice@example.org", ["bob@example.net"], world.sign_as_sender(make_message()))
    finally:
        process.terminate()
        process.wait(timeout=10)
    (path,) = list((maildir / "new").iterdir())
    text = path.read_text()
    assert text.startswith("Return-Path: <alice@example.org>\nReceived: from mail.example.org")
    assert f"\nAuthentication-Results: {AUTHSERV_ID};" in text
    assert "dkim=pass header.d=example.org" in text and "spf=pass smtp.mailfrom=example.org" in text


def test_milter_command_over_a_unix_socket(world, tmp_path):
    zones = world.write_zones(tmp_path / "zones")
    path = tmp_path / "milter.sock"
    process = emlauth("milter", "--listen", f"unix:{path}", "--zones", str(zones), "--authserv-id", AUTHSERV_ID)
    try:
        deadline = time.time() + 20
        while time.time() < deadline and process.poll() is None:
            try:  # the path appears at bind(), a moment before listen(): wait for a connection to work
                MilterClient(str(path), timeout=5).sock.close()
                break
            except (FileNotFoundError, ConnectionRefusedError):
                time.sleep(0.1)
        with MilterClient(str(path)) as client:
            client.negotiate()
            client.connect(ip=SENDER_IP)
            outcome = client.transaction(world.sign_as_sender(make_message()), "alice@example.org", ["b@example.net"])
        assert "dkim=pass" in outcome.modifications[-1].value
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["milter", "--listen", "bogus", "--authserv-id", "x", "--zones", "."], "bad listen address"),
        (["milter", "--listen", "inet:127.0.0.1:1", "--authserv-id", "x", "--no-verify", "--zones", "."],
         "--no-verify needs --sign-table"),
        (["pipeline", "--listen", "127.0.0.1:x", "--maildir", ".", "--authserv-id", "x"], "bad HOST:PORT"),
        (["milter", "--listen", "inet:127.0.0.1:1", "--authserv-id", "x", "--sign-table", "/nonexistent/table"],
         "cannot read signing table"),
        (["milter", "--listen", "inet:127.0.0.1:1", "--authserv-id", "x", "--zones", ".", "--sign-table", "TABLE",
          "--internal-hosts", "10.0.0.0/99"], "--internal-hosts: '10.0.0.0/99' is not an address"),
    ],
)  # fmt: skip
def test_caller_errors_are_one_line_exit_2(argv, message, capsys, world, tmp_path):
    table = str(world.write_sign_table(tmp_path))
    assert main([table if a == "TABLE" else a for a in argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cmd_mail.register(parser.add_subparsers())
    return parser.parse_args(argv)


def test_authserv_id_defaults_to_the_host_name(world, tmp_path):
    """Issue 13 §5: the same default everywhere, and not required (it was a required flag)."""
    zones = str(world.write_zones(tmp_path / "zones"))
    for command in (["milter", "--listen", "inet:127.0.0.1:1"], ["pipeline", "--maildir", str(tmp_path / "M")]):
        args = parse([*command, "--zones", zones])
        handler = cmd_mail.build_handler(args)
        assert handler.authserv_id == args.authserv_id == cmd_mail.default_authserv_id()


def test_build_handler_shapes(world, tmp_path):
    zones = str(world.write_zones(tmp_path / "zones"))
    table = str(world.write_sign_table(tmp_path / "keys"))
    base = ["milter", "--listen", "inet:127.0.0.1:1", "--authserv-id", AUTHSERV_ID, "--zones", zones]
    verify_only = cmd_mail.build_handler(parse(base))
    assert isinstance(verify_only, VerifyHandler) and verify_only.dmarc_action is DmarcAction.NONE
    both = cmd_mail.build_handler(parse([*base, "--sign-table", table, "--reject-on-dmarc", "--now", "1795000000"]))
    assert isinstance(both, ChainHandler)
    verify, sign = both.handlers
    assert verify.dmarc_action is DmarcAction.REJECT and verify.clock() == 1795000000
    assert isinstance(sign, SignHandler) and sign.is_internal("127.0.0.1") and not sign.is_internal("192.0.2.25")
    custom = cmd_mail.build_handler(
        parse([*base, "--sign-table", table, "--no-verify", "--internal-hosts", "192.0.2.0/24"])
    )
    assert custom.is_internal("192.0.2.25")
    quarantine = cmd_mail.build_handler(parse([*base, "--quarantine-on-dmarc", "--keep-forged"]))
    assert quarantine.dmarc_action is DmarcAction.QUARANTINE and not quarantine.strip_forged
    sign_only = cmd_mail.build_handler(parse([*base, "--sign-table", table, "--no-verify"]))
    assert isinstance(sign_only, SignHandler)

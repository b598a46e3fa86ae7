"""Integration with a real Postfix (Debian `postfix` + `swaks`): smtpd_milters points at our milter.

Never skipped: CI installs postfix and swaks and runs as root (see tests/support/postfix.py).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.mailworld import AUTHSERV_ID, OUR_IP, OUR_NETWORKS, SENDER_IP, STRANGER_IP, make_message
from support.postfix import free_port, start_postfix, swaks, wait_for_port

from toolkit.core.dkim import verify as dkim_verify
from toolkit.core.dkim.signtable import SigningTable
from toolkit.core.message import parse_message
from toolkit.core.results import Verdict
from toolkit.shells.hooks import ChainHandler, Handler, SignHandler, VerifyHandler
from toolkit.shells.milter import BackgroundMilter

pytestmark = pytest.mark.peers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mta(world, tmp_path_factory):
    keys = tmp_path_factory.mktemp("keys")
    table = SigningTable.parse(world.write_sign_table(keys).read_text(), base_dir=keys)
    handler = ChainHandler(
        [VerifyHandler(world.resolver(), AUTHSERV_ID), SignHandler(table, internal_hosts=OUR_NETWORKS)]
    )
    with BackgroundMilter(handler) as milter:  # listening before Postfix's first connection
        postfix = start_postfix(milter.address)
        try:
            yield postfix.start()
        finally:
            postfix.cleanup()


def delivered_with(postfix, message_id: str, timeout: float = 60.0) -> bytes:
    deadline = time.time() + timeout
    while time.time() < deadline:
        for path in postfix.delivered_files():
            data = path.read_bytes()
            if message_id.encode() in data:
                return data
        time.sleep(0.1)
    raise AssertionError(f"{message_id} not delivered\n{postfix.log_text()[-3000:]}")


def header_ar(data: bytes) -> str:
    fields = parse_message(data).get_all("Authentication-Results")
    assert len(fields) == 1, [f.unfolded() for f in fields]
    return fields[0].unfolded()


def test_signed_inbound_mail_gets_a_passing_ar(world, mta):
    forged = "Authentication-Results: mx.example.net; dkim=pass header.d=example.org; dmarc=pass"
    raw = world.sign_as_sender(make_message(message_id="<pf-signed@example.org>", extra_headers=(forged,)))
    sent = swaks(mta.port, raw, mail_from="alice@example.org", to="bob@example.net", helo="mail.example.org",
                 xclient_addr=SENDER_IP)  # fmt: skip
    assert sent.returncode == 0, sent.stdout
    data = delivered_with(mta, "<pf-signed@example.org>")
    ar = header_ar(data)  # AR-7: the forged field with our id is gone, ours is the only one
    assert ar.startswith(AUTHSERV_ID + ";")
    assert "spf=pass smtp.mailfrom=example.org" in ar and "spf=pass smtp.helo=mail.example.org" in ar
    assert "dkim=pass header.d=example.org" in ar and "dmarc=pass" in ar
    names = [h.lname for h in parse_message(data).headers]
    # AR-6: ours sits above Postfix's Received and the DKIM-Signature (only virtual(8)'s delivery fields are above)
    assert names.index("authentication-results") < names.index("received") < names.index("dkim-signature")


def test_unsigned_mail_from_a_stranger_is_delivered_with_failures_reported(mta):
    raw = make_message(message_id="<pf-unsigned@example.org>")
    sent = swaks(mta.port, raw, mail_from="alice@example.org", to="bob@example.net", helo="mail.example.org",
                 xclient_addr=STRANGER_IP)  # fmt: skip
    assert sent.returncode == 0, sent.stdout
    ar = header_ar(delivered_with(mta, "<pf-unsigned@example.org>"))
    assert "spf=fail smtp.mailfrom=example.org" in ar and "dkim=none" in ar and "dmarc=fail" in ar  # DMARC-11


def test_outbound_mail_is_signed_and_verifies(world, mta):
    raw = make_message(from_addr="carol@example.com", to="bob@example.net", message_id="<pf-out@example.com>")
    sent = swaks(mta.port, raw, mail_from="carol@example.com", to="bob@example.net", helo="relay.example.com",
                 xclient_addr=OUR_IP)  # fmt: skip
    assert sent.returncode == 0, sent.stdout
    data = delivered_with(mta, "<pf-out@example.com>")
    message = parse_message(data)
    results = dkim_verify(message, world.resolver(), int(time.time()))
    assert [(r.verdict, r.domain, r.selector) for r in results] == [(Verdict.PASS, "example.com", "out")]
    assert "spf=pass smtp.mailfrom=example.com" in header_ar(data)


class Exploding(Handler):
    def end_of_message(self, session, envelope):
        raise RuntimeError("boom")


def test_internal_error_makes_postfix_tempfail_and_nothing_is_delivered():
    with BackgroundMilter(Exploding(), on_error="tempfail") as milter:
        postfix = start_postfix(milter.address)
        try:
            postfix.start()
            sent = swaks(postfix.port, make_message(), mail_from="alice@example.org", to="bob@example.net",
                         helo="mail.example.org", xclient_addr=SENDER_IP)  # fmt: skip
            assert sent.returncode != 0 and "451 4.7.1" in sent.stdout
            assert postfix.delivered_files() == [] and postfix.queue_is_empty()
        finally:
            postfix.cleanup()


def test_milter_down_means_tempfail_not_loss():
    postfix = start_postfix(f"inet:127.0.0.1:{free_port()}")  # nobody listens there
    try:
        postfix.start()
        sent = swaks(postfix.port, make_message(), mail_from="alice@example.org", to="bob@example.net",
                     helo="mail.example.org", xclient_addr=SENDER_IP)  # fmt: skip
        assert sent.returncode != 0 and "451" in sent.stdout  # milter_default_action = tempfail
        assert postfix.delivered_files() == []
    finally:
        postfix.cleanup()


def test_the_emlauth_milter_command_with_zone_files(world, tmp_path):
    zones = world.write_zones(tmp_path / "zones")
    table = world.write_sign_table(tmp_path / "keys")
    port = free_port()
    command = [sys.executable, "-m", "toolkit", "milter", "--listen", f"inet:127.0.0.1:{port}", "--zones",
               str(zones), "--authserv-id", AUTHSERV_ID, "--sign-table", str(table),
               "--internal-hosts", "192.0.2.0/24"]  # fmt: skip
    milter = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    postfix = start_postfix(f"inet:127.0.0.1:{port}")
    try:
        wait_for_port(port)  # the milter must listen before Postfix's first connection
        postfix.start()
        inbound = world.sign_as_sender(make_message(message_id="<cli-in@example.org>"))
        outbound = make_message(from_addr="carol@example.com", message_id="<cli-out@example.com>")
        assert swaks(postfix.port, inbound, mail_from="alice@example.org", to="bob@example.net",
                     helo="mail.example.org", xclient_addr=SENDER_IP).returncode == 0  # fmt: skip
        assert swaks(postfix.port, outbound, mail_from="carol@example.com", to="bob@example.net",
                     helo="relay.example.com", xclient_addr=OUR_IP).returncode == 0  # fmt: skip
        ar = header_ar(delivered_with(postfix, "<cli-in@example.org>"))
        assert "dkim=pass header.d=example.org" in ar and "dmarc=pass" in ar and "spf=pass" in ar
        out = parse_message(delivered_with(postfix, "<cli-out@example.com>"))
        assert [r.verdict for r in dkim_verify(out, world.resolver(), int(time.time()))] == [Verdict.PASS]
    finally:
        postfix.cleanup()
        milter.terminate()
        milter.wait(timeout=10)


def test_simple_canonicalization_survives_postfix_byte_for_byte(world, mta):
    # simple/simple breaks on any change of whitespace or folding: HDR_LEADSPC gives us the exact field bytes
    from toolkit.core.dkim import SignerConfig, sign

    raw = make_message(
        message_id="<pf-simple@example.org>",
        subject="odd  spacing\r\n\t folded   twice\r\n  and again ",
        extra_headers=("X-Tabs:\tleading tab", "X-Empty:", "X-Nospace:value"),
    )
    names = ("from", "to", "subject", "x-tabs", "x-empty", "x-nospace", "message-id")
    config = SignerConfig(
        domain="example.org", selector="s1", key=world.sender_key, canon="simple/simple", headers=names
    )
    signed = sign(raw, [config], int(time.time()))
    sent = swaks(mta.port, signed, mail_from="alice@example.org", to="bob@example.net", helo="mail.example.org",
                 xclient_addr=SENDER_IP)  # fmt: skip
    assert sent.returncode == 0, sent.stdout
    ar = header_ar(delivered_with(mta, "<pf-simple@example.org>"))
    assert "dkim=pass header.d=example.org" in ar


def test_dmarc_reject_and_quarantine_when_configured(world):
    from toolkit.shells.hooks import DmarcAction

    handler = VerifyHandler(world.resolver(), AUTHSERV_ID, dmarc_action=DmarcAction.REJECT)
    with BackgroundMilter(handler) as milter:
        postfix = start_postfix(milter.address)
        try:
            postfix.start()
            rejected = swaks(postfix.port, make_message(), mail_from="alice@example.org", to="bob@example.net",
                             helo="mail.example.org", xclient_addr=STRANGER_IP)  # fmt: skip
            assert rejected.returncode != 0 and "550 5.7.1 DMARC policy of example.org" in rejected.stdout
            held = swaks(postfix.port, make_message(from_addr="carol@example.com"), mail_from="carol@example.com",
                         to="bob@example.net", helo="mail.example.org", xclient_addr=STRANGER_IP)  # fmt: skip
            assert held.returncode == 0  # p=quarantine: accepted, then held by Postfix (SMFIR_QUARANTINE)
            deadline = time.time() + 20
            hold = postfix.root / "queue" / "hold"
            while not any(hold.glob("*")) and time.time() < deadline:
                time.sleep(0.1)
            assert len(list(hold.glob("*"))) == 1 and postfix.delivered_files() == []
        finally:
            postfix.cleanup()

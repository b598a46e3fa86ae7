"""The embedded SMTP pipeline: smtplib sends, the same hooks run, the Maildir shows the result."""

from __future__ import annotations

import smtplib
import socket
import time

import pytest
from support.mailworld import AUTHSERV_ID, OUR_IP, OUR_NETWORKS, SENDER_IP, STRANGER_IP, make_message

from toolkit.core.dkim import verify as dkim_verify
from toolkit.core.dkim.signtable import SigningTable
from toolkit.core.message import parse_message
from toolkit.core.results import Verdict
from toolkit.shells import hooks
from toolkit.shells.hooks import ChainHandler, DmarcAction, Handler, SignHandler, VerifyHandler
from toolkit.shells.smtp import Pipeline
from toolkit.shells.smtp_text import xtext_decode


def send(pipeline: Pipeline, raw: bytes, mail_from: str, rcpts: list[str], *, addr=None, helo="mail.example.org"):
    with smtplib.SMTP(pipeline.host, pipeline.port, timeout=30) as client:
        client.ehlo("localhost")
        if addr:
            assert client.has_extn("xclient")
            code, _ = client.docmd("XCLIENT", f"ADDR={addr} NAME=mail.example.org HELO={helo}")
            assert code == 220
        client.ehlo(helo)
        return client.sendmail(mail_from, rcpts, raw)


def top_ar(raw: bytes) -> str:
    first = parse_message(raw).headers[0]
    assert first.lname == "authentication-results"
    return first.unfolded()


@pytest.fixture
def verifying(world, tmp_path):
    with Pipeline(VerifyHandler(world.resolver(), AUTHSERV_ID), maildir=tmp_path / "Maildir") as pipeline:
        yield pipeline


def test_signed_mail_via_xclient_gets_a_passing_ar(world, verifying):
    forged = "Authentication-Results: mx.example.net; dmarc=pass header.from=example.org"
    raw = world.sign_as_sender(make_message(extra_headers=(forged,)))
    send(verifying, raw, "alice@example.org", ["bob@example.net"], addr=SENDER_IP)
    (delivered,) = verifying.messages()
    ar = top_ar(delivered)
    assert ar.startswith(AUTHSERV_ID + ";")
    assert "spf=pass smtp.mailfrom=example.org" in ar and "spf=pass smtp.helo=mail.example.org" in ar
    assert "dkim=pass header.d=example.org" in ar and "dmarc=pass" in ar
    assert len(parse_message(delivered).get_all("Authentication-Results")) == 1  # AR-7: the forged one is gone
    # everything but the forged field arrives unchanged (Maildir stores LF line endings)
    assert delivered.replace(b"\n", b"\r\n").endswith(raw.replace(forged.encode() + b"\r\n", b""))


def test_unsigned_mail_from_a_stranger_fails_spf_and_dmarc(verifying):
    send(verifying, make_message(), "alice@example.org", ["bob@example.net"], addr=STRANGER_IP)
    ar = top_ar(verifying.messages()[0])
    assert "spf=fail" in ar and "dkim=none" in ar and "dmarc=fail" in ar


def test_without_xclient_the_peer_address_is_used(verifying):
    send(verifying, make_message(), "alice@example.org", ["bob@example.net"])
    ar = top_ar(verifying.messages()[0])
    assert "spf=fail" in ar  # 127.0.0.1 is not in example.org's SPF
    assert verifying.stats["delivered"] == 1


def test_xclient_is_refused_to_non_loopback_and_checks_attributes(verifying):
    with smtplib.SMTP(verifying.host, verifying.port, timeout=30) as client:
        client.ehlo("localhost")
        assert client.docmd("XCLIENT", "FOO=bar")[0] == 501
        assert client.docmd("XCLIENT")[0] == 501
        assert client.docmd("XCLIENT", "ADDR=192.0.2.1")[0] == 220
        assert client.docmd("MAIL", "FROM:<a@example.org>")[0] == 503  # must say EHLO again after XCLIENT
    assert xtext_decode("a+3Db+2Bc") == "a=b+c"


def test_dmarc_reject_becomes_a_550(world, tmp_path):
    handler = VerifyHandler(world.resolver(), AUTHSERV_ID, dmarc_action=DmarcAction.REJECT)
    with Pipeline(handler, maildir=tmp_path / "Maildir") as pipeline:
        with pytest.raises(smtplib.SMTPDataError) as caught:
            send(pipeline, make_message(), "alice@example.org", ["bob@example.net"], addr=STRANGER_IP)
        assert caught.value.smtp_code == 550 and b"DMARC" in caught.value.smtp_error
        assert pipeline.messages() == [] and pipeline.stats["rejected"] == 1


def test_quarantine_goes_to_the_quarantine_folder(world, tmp_path):
    handler = VerifyHandler(world.resolver(), AUTHSERV_ID, dmarc_action=DmarcAction.QUARANTINE)
    with Pipeline(handler, maildir=tmp_path / "Maildir") as pipeline:
        send(pipeline, make_message(), "alice@example.org", ["bob@example.net"], addr=STRANGER_IP)
        assert pipeline.messages() == []
        (held,) = pipeline.messages("Quarantine")
        assert "dmarc=fail" in top_ar(held)


def test_outbound_mail_is_signed_and_verifies(world, tmp_path):
    table = SigningTable.parse(world.write_sign_table(tmp_path / "keys").read_text(), base_dir=tmp_path / "keys")
    chain = ChainHandler(
        [VerifyHandler(world.resolver(), AUTHSERV_ID), SignHandler(table, internal_hosts=OUR_NETWORKS)]
    )
    raw = make_message(from_addr="carol@example.com", to="dave@example.org")
    with Pipeline(chain, maildir=tmp_path / "Maildir") as pipeline:
        send(pipeline, raw, "carol@example.com", ["dave@example.org"], addr=OUR_IP, helo="relay.example.com")
        (delivered,) = pipeline.messages()
    message = parse_message(delivered)
    assert [h.lname for h in message.headers[:2]] == ["dkim-signature", "authentication-results"]
    results = dkim_verify(message, world.resolver(), int(time.time()))
    assert [(r.verdict, r.domain, r.selector) for r in results] == [(Verdict.PASS, "example.com", "out")]
    assert "spf=pass smtp.mailfrom=example.com" in message.headers[1].unfolded()


class Exploding(Handler):
    def end_of_message(self, session, envelope):
        raise RuntimeError("boom")


@pytest.mark.parametrize("on_error", ["tempfail", "accept"])
def test_internal_error_policy(tmp_path, on_error):
    with Pipeline(Exploding(), maildir=tmp_path / "Maildir", on_error=on_error) as pipeline:
        raw = make_message()
        if on_error == "tempfail":
            with pytest.raises(smtplib.SMTPDataError) as caught:
                send(pipeline, raw, "alice@example.org", ["bob@example.net"])
            assert caught.value.smtp_code == 451
            assert pipeline.messages() == []
        else:
            send(pipeline, raw, "alice@example.org", ["bob@example.net"])
            (delivered,) = pipeline.messages()
            assert delivered.replace(b"\n", b"\r\n") == raw  # unmodified, never half-modified


def test_early_refusals_become_smtp_replies(tmp_path):
    class Picky(Handler):
        def mail_from(self, session, envelope):
            if envelope.mail_from.endswith("@spam.example.org"):
                return hooks.reject(550, "5.7.1 sender refused")

        def rcpt(self, session, envelope, address):
            if address.startswith("busy@"):
                return hooks.tempfail(450, "4.2.1 busy")

    with (
        Pipeline(Picky(), maildir=tmp_path / "Maildir") as pipeline,
        smtplib.SMTP(pipeline.host, pipeline.port) as client,
    ):
        client.ehlo("mail.example.org")
        assert client.mail("x@spam.example.org")[0] == 550
        client.rset()
        assert client.mail("alice@example.org")[0] == 250
        assert client.rcpt("busy@example.net")[0] == 450
        assert client.rcpt("bob@example.net")[0] == 250


def test_discard_and_replace_body(tmp_path):
    class Rewriter(Handler):
        def end_of_message(self, session, envelope):
            if b"discard me" in envelope.body:
                return hooks.discard()
            return [hooks.replace_body(b"replaced\r\n"), hooks.add_header("X-Seen", "yes")]

    with Pipeline(Rewriter(), maildir=tmp_path / "Maildir") as pipeline:
        send(pipeline, make_message(body="discard me\r\n"), "alice@example.org", ["bob@example.net"])
        send(pipeline, make_message(), "alice@example.org", ["bob@example.net"])
        (kept,) = pipeline.messages()
    assert kept.endswith(b"X-Seen: yes\n\nreplaced\n")
    assert pipeline.stats["discarded"] == 1


class ProxySMTP(smtplib.SMTP):
    """smtplib with a PROXY protocol v1 line sent before the greeting."""

    proxy_line = b"PROXY TCP4 198.51.100.7 203.0.113.1 40000 25\r\n"

    def _get_socket(self, host, port, timeout):
        sock = socket.create_connection((host, port), timeout)
        sock.sendall(self.proxy_line)
        return sock


def test_proxy_protocol_sets_the_client_address(world, tmp_path):
    handler = VerifyHandler(world.resolver(), AUTHSERV_ID)
    with Pipeline(handler, maildir=tmp_path / "Maildir", proxy_from=["127.0.0.0/8"]) as pipeline:
        raw = world.sign_as_sender(make_message())
        with ProxySMTP(pipeline.host, pipeline.port, timeout=30) as client:
            client.ehlo("mail.example.org")
            client.sendmail("alice@example.org", ["bob@example.net"], raw)
        ar = top_ar(pipeline.messages()[0])
        assert "spf=pass smtp.mailfrom=example.org" in ar  # SPF judged 198.51.100.7, not 127.0.0.1
        with pytest.raises(smtplib.SMTPServerDisconnected):  # no PROXY header: the connection is dropped
            smtplib.SMTP(pipeline.host, pipeline.port, timeout=10)


def test_relay_to_a_next_hop(world, tmp_path):
    with Pipeline(Handler(), maildir=tmp_path / "final") as next_hop:
        handler = VerifyHandler(world.resolver(), AUTHSERV_ID)
        with Pipeline(handler, relay=(next_hop.host, next_hop.port)) as front:
            send(front, world.sign_as_sender(make_message()), "alice@example.org", ["bob@example.net"], addr=SENDER_IP)
        (delivered,) = next_hop.messages()
    assert "dkim=pass" in top_ar(delivered)


def test_pipeline_needs_exactly_one_destination(tmp_path):
    with pytest.raises(ValueError):
        Pipeline(Handler())
    with pytest.raises(ValueError):
        Pipeline(Handler(), maildir=tmp_path, relay=("127.0.0.1", 25))


def test_header_hook_refusal_in_the_pipeline(tmp_path):
    class NoSpam(Handler):
        def header(self, session, envelope, name, raw):
            if name.lower() == "x-spam":
                return hooks.reject(554, "5.7.1 spam header")

    with Pipeline(NoSpam(), maildir=tmp_path / "Maildir") as pipeline:
        with pytest.raises(smtplib.SMTPDataError) as caught:
            send(pipeline, make_message(extra_headers=("X-Spam: yes",)), "alice@example.org", ["bob@example.net"])
        assert caught.value.smtp_code == 554
        send(pipeline, make_message(), "alice@example.org", ["bob@example.net"])
        assert len(pipeline.messages()) == 1

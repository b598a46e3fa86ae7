"""Issue 15 hole 1: `--trust-received` must take the client IP from where the MTA wrote it, never from the HELO.

The attack: a client at 203.0.113.99 (allowed by nobody) says HELO with text that names 198.51.100.7, an address
example.org's SPF authorizes, and sends mail From example.org (DMARC p=reject). Reading the HELO's address gave
spf=pass, dmarc=pass, exit 0. Each MTA format we claim is played with hostile HELOs (and hostile addresses, which are
client text too); the parser must find the real address or, when unsure, none (SPF-2 [ours]).
"""

from __future__ import annotations

import json
import socket

import pytest
from support.mailworld import make_world
from support.postfix import running_postfix

from toolkit.core.message import parse_message
from toolkit.core.received import parse_trace, trace_facts
from toolkit.core.verify import SmtpContext, VerifyOptions, context_from_received, verify_message
from toolkit.shells.cli import verify_eml_main

REAL = "203.0.113.99"  # the connecting client: in nobody's SPF
FORGED = "198.51.100.7"  # what the attacker wants us to read: example.org's SPF passes it
NOW = 1772442120

# How each MTA writes the connecting address ({r}) next to the client's HELO ({h}). Client text is written as is:
# the worst case (Postfix turns spaces and parentheses into '?', but keeps brackets; see the Postfix test below).
FORMATS = {
    "postfix": "from {h} (unknown [{r}]) by mx.example.net (Postfix) with ESMTP id 4ZxQ for <b@example.net>; {d}",
    "postfix-rdns-port": "from {h} (mail.example.org [{r}]:41234) by mx.example.net (Postfix) with ESMTPS id 4Z; {d}",
    "exim": "from [{r}] (helo={h}) by mx.example.net with esmtp (Exim 4.96) (envelope-from <a@example.org>) id 1t; {d}",
    "exim-port": "from [{r}] (port=41234 helo={h}) by mx.example.net with esmtp (Exim 4.96) id 1tQ; {d}",
    "exim-rdns": (
        "from mail.example.org ([{r}]:41234 helo={h}) by mx.example.net with esmtps (TLS1.3) "
        "tls TLS_AES_256_GCM_SHA384 (Exim 4.96) (envelope-from <a@example.org>) id 1tQ for b@example.net; {d}"
    ),
    "sendmail": "from {h} (mail.example.org [{r}]) by mx.example.net (8.17.1.9/8.17.1.9/Debian-2) with ESMTP id 5; {d}",
    "sendmail-forged": "from {h} ([{r}] (may be forged)) by mx.example.net (8.15.2/8.15.2) with ESMTP id 5B2; {d}",
    "microsoft": (
        "from {h} ({r}) by AM0PR01MB1234.eurprd01.prod.exchangelabs.com (2603:10a6:208:5::1) with Microsoft SMTP "
        "Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7544.11; {d}"
    ),
    "microsoft-eop": (
        "from {h} (mail.example.org [{r}]) by AM0EUR01FT001.mail.protection.outlook.com (10.152.0.1) with "
        "Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7544.11 via "
        "Frontend Transport; {d}"
    ),
    "gmail": (
        "from {h} (mail.example.org. [{r}]) by mx.google.com with ESMTPS id a1si1.2026.12.02.05.11.41 for "
        "<b@example.net> (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256); {d}"
    ),
    "rfc5321": "from {h} (mail.example.org [{r}]) by mx.example.net with ESMTP id 42; {d}",
    "rfc5321-literal": "from {h} ([{r}]) by mx.example.net with ESMTP id 42; {d}",
}
DATE = "Wed, 2 Dec 2026 05:11:41 +0000"

HOSTILE_HELOS = [
    f"[{FORGED}]",  # the issue's Exim reproduction: an address literal
    f"[IPv6:::ffff:{FORGED}]",
    f"x.example.org ([{FORGED}])",
    f"x (y [{FORGED}]) by z",
    f"[{FORGED}] (helo=[{FORGED}])",
    f"x ({FORGED}) by y",
    f"[{FORGED}] by x with esmtp (Exim 4.96)",
    f"[{FORGED}] (Postfix)",
    f"a(b [{FORGED}]",  # unbalanced
    f"x)(unknown [{FORGED}]",
]


def field(mta: str, helo: str, real: str = REAL) -> str:
    return FORMATS[mta].format(h=helo, r=real, d=DATE)


@pytest.mark.parametrize("mta", sorted(FORMATS))
def test_each_format_reads_the_connecting_address(mta):
    """The benign case: a host-name HELO. The parser must find the address, so the hostile tests below can fail."""
    facts = parse_trace(field(mta, "mail.example.org"))
    assert facts.ip == REAL, facts
    assert facts.reason == ""
    ipv6 = parse_trace(field(mta, "mail.example.org", real="2001:db8::99").replace("[2001", "[IPv6:2001"))
    assert ipv6.ip == "2001:db8::99", ipv6


@pytest.mark.parametrize("helo", HOSTILE_HELOS)
@pytest.mark.parametrize("mta", sorted(FORMATS))
def test_hostile_helo_never_becomes_the_client_ip(mta, helo):
    """SPF-2 [ours]: the IP is the real one or unknown (SPF none), never an address the client wrote."""
    facts = parse_trace(field(mta, helo))
    assert facts.ip in (REAL, None), facts
    if facts.ip is None:
        assert facts.problem and facts.reason in ("ambiguous", "several_mtas", "no_address"), facts


@pytest.mark.parametrize("mta", [m for m in FORMATS if not m.startswith("rfc5321")])
def test_an_address_literal_helo_does_not_hide_the_real_address(mta):
    """Where the MTA's mark says which grammar applies, a literal HELO (common from NATed clients) is no obstacle."""
    assert parse_trace(field(mta, f"[{FORGED}]")).ip == REAL


@pytest.mark.parametrize(
    "text",
    [
        # client text after the MTA's own: Exim's envelope-from and the RCPT address are the client's too
        f'from [{REAL}] (helo=x) by mx.example.net with esmtp (Exim 4.96) (envelope-from <"(y [{FORGED}])"@a.test>)',
        f'from x (unknown [{REAL}]) by mx.example.net (Postfix) with ESMTP id 4Z for <"(u [{FORGED}])"@b.test>; x',
        f'from x ({REAL}) by mx (10.0.0.1) with Microsoft SMTP Server id 15; for <"({FORGED}) by "@b.test>',
        # the Exim reading of "from [IP]" with a second MTA's mark slipped into client text: several MTAs, no IP
        f'from [{FORGED}] (helo=x) by mx.example.net with esmtp (Exim 4.96) (envelope-from <"(Postfix)"@a.test>)',
    ],
)
def test_client_text_anywhere_in_the_field_only_makes_it_unsure(text):
    facts = parse_trace(text)
    assert facts.ip in (REAL, None) and facts.ip != FORGED, facts


def test_the_issue_reproduction_through_verify_eml(tmp_path, capsysbinary):
    """Issue 15: `from [203.0.113.5] (helo=[198.51.100.17]) by mx...` gave spf=pass and dmarc=pass, exit 0."""
    world = make_world()
    world.extra = {"example.org": {"TXT": ["v=spf1 ip4:198.51.100.17 -all"]}}
    zones = world.write_zones(tmp_path / "zones")
    message = (
        b"Received: from [203.0.113.5] (helo=[198.51.100.17])\r\n"
        b"\tby mx.example.net with esmtp (Exim 4.96)\r\n\t(envelope-from <ceo@example.org>)\r\n"
        b"\tid 1tQxyz-000abc-1A for b@example.net; Wed, 02 Dec 2026 05:11:41 +0000\r\n"
        b"From: CEO <ceo@example.org>\r\nTo: b@example.net\r\nSubject: wire transfer\r\n"
        b"Date: Wed, 02 Dec 2026 05:11:40 +0000\r\nMessage-ID: <x@example.org>\r\n\r\nPay now.\r\n"
    )
    eml = tmp_path / "exim.eml"
    eml.write_bytes(message)
    code = verify_eml_main(["--zones", str(zones), "--now", str(NOW), "--trust-received", "1", "--json", str(eml)])
    report = json.loads(capsysbinary.readouterr().out)
    assert report["context"]["ip"] == "203.0.113.5"
    assert report["spf"]["result"] == "fail" and report["dmarc"]["result"] == "fail"
    assert code == 1


def test_unsure_is_spf_none_with_a_warning_never_a_pass(tmp_path, capsysbinary):
    world = make_world()  # example.org: SPF ip4:198.51.100.0/24 -all (FORGED is in it), DMARC p=reject
    zones = world.write_zones(tmp_path / "zones")
    hostile = f"Received: from x (y [{FORGED}]) z (unknown [{REAL}])\r\n\tby mx.example.net (Postfix); {DATE}\r\n"
    message = hostile.encode() + b"Return-Path: <a@example.org>\r\nFrom: a@example.org\r\nSubject: s\r\n\r\nb\r\n"
    eml = tmp_path / "h.eml"
    eml.write_bytes(message)
    argv = ["--zones", str(zones), "--now", str(NOW), "--trust-received", "1"]
    code = verify_eml_main([*argv, "--json", str(eml)])
    out, err = capsysbinary.readouterr()
    report = json.loads(out)
    assert report["spf"]["result"] == "none" and report["spf"]["reason"] == "client_ip_unknown"
    assert "several client addresses" in report["spf"]["detail"] and "several client addresses" in err.decode()
    assert report["dmarc"]["result"] == "fail" and code == 1
    verify_eml_main([*argv, "--explain", str(eml)])  # the walkthrough shows why
    assert b"several client addresses" in capsysbinary.readouterr().out


def test_a_field_without_from_is_explained_with_the_n_that_works():
    """Issue 13 §4: `by mx with local` has no client; say so and which field names one, not a silent skip."""
    message = parse_message(
        b"Received: by mx.example.net (Postfix, from userid 1000) id 1; " + DATE.encode() + b"\r\n"
        b"Received: from mail.example.org (mail.example.org [" + REAL.encode() + b"])\r\n"
        b"\tby mx.example.net (Postfix) with ESMTP id 2; " + DATE.encode() + b"\r\n"
        b"From: a@example.org\r\n\r\nb\r\n"
    )
    first = trace_facts(message, 1)
    assert first.ip is None and first.reason == "no_from_clause"
    assert "Received #1: it has no 'from' clause" in first.problem and "--trust-received 2" in first.problem
    assert trace_facts(message, 2).ip == REAL
    report = verify_message(
        message, context_from_received(message, 1).context, make_world().resolver(), NOW, VerifyOptions()
    )
    assert report.spf is not None and report.spf.verdict.value == "none" and "no 'from' clause" in report.spf.detail
    assert any("no 'from' clause" in note for note in report.notes)
    assert SmtpContext().ip_problem == ""  # a context without --trust-received is unchanged


def _smtp(sock: socket.socket, line: str | None) -> str:
    if line is not None:
        sock.sendall(line.encode() + b"\r\n")
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
        lines = data.split(b"\r\n")
        if len(lines) > 1 and lines[-2][3:4] == b" ":  # the last line of a reply: "250 ok", not "250-..."
            break
    return data.decode(errors="replace")


@pytest.mark.peers
def test_real_postfix_received_fields_with_hostile_helos():
    """The fields a real Postfix writes for hostile HELOs (XCLIENT plays the remote client) read as the real IP."""
    helos = [f"[{FORGED}]", f"x (y [{FORGED}]) by z", f"[{FORGED}] (helo=[{FORGED}])", f"a ({FORGED}) by b"]
    with running_postfix(None) as postfix:
        for number, helo in enumerate(helos):
            with socket.create_connection(("127.0.0.1", postfix.port), timeout=30) as sock:
                _smtp(sock, None)
                _smtp(sock, "EHLO tester.example.net")
                assert _smtp(sock, f"XCLIENT ADDR={REAL} NAME=[UNAVAILABLE]").startswith("220")
                _smtp(sock, f"EHLO {helo}")
                _smtp(sock, "MAIL FROM:<a@example.org>")
                assert _smtp(sock, "RCPT TO:<b@example.net>").startswith("250")
                _smtp(sock, "DATA")
                assert _smtp(sock, f"Subject: hostile {number}\r\nFrom: a@example.org\r\n\r\nhi\r\n.").startswith("250")
        postfix.wait_for_files(len(helos))
        delivered = postfix.delivered()
    assert len(delivered) == len(helos)
    for data in delivered:
        message = parse_message(data)
        facts = trace_facts(message, 1)
        assert facts.ip == REAL and facts.mta == "postfix", (facts, message.get_first("received").unfolded())

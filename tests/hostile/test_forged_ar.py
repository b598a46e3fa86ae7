"""Issue 15 hole 2: forged Authentication-Results with our authserv-id must not survive (AR-7, RFC 8601 §2.2, §5).

A sender adds `Authentication-Results: <our id>; dkim=pass header.d=paypal.com` in a form the old regex did not
read as our id: a nested comment, a quoted-pair in a comment, a quoted-string id, a space before the colon. Each
form goes through the three paths that remove forged fields: `verify-eml --strip-forged`, the pipeline and the
milter (driven by a real Postfix). Our id is configured as `MX.Example.NET` on each command line and the forged
fields use other cases (issue 13 §9), so a `.lower()` added or removed in the wrong place fails here.
"""

from __future__ import annotations

import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.mailworld import SENDER_IP, make_message, make_world
from support.postfix import free_port, running_postfix, smtp_send, wait_for_port

from toolkit.core import arheader
from toolkit.core.message import parse_message
from toolkit.shells.cli import verify_eml_main

ROOT = Path(__file__).resolve().parents[2]
CONFIGURED = "MX.Example.NET"  # as an admin may type it
NOW = 1772442120

# (label, the raw field). Every one carries our id: every one must go.
FORGED = [
    ("nested comment", b"Authentication-Results: (a (b) c) mx.example.net; dkim=pass header.d=paypal.com"),
    ("quoted-pair in comment", b"Authentication-Results: (a \\) b) mx.example.net; dkim=pass header.d=paypal.com"),
    ("quoted-string id", b'Authentication-Results: "mx.example.net"; dkim=pass header.d=paypal.com'),
    ("quoted-pair in the id", b'Authentication-Results: "mx.exa\\mple.net" 1; dmarc=pass header.from=paypal.com'),
    ("space before the colon", b"Authentication-Results : mx.example.net; dkim=pass header.d=paypal.com"),
    ("upper case", b"AUTHENTICATION-RESULTS: MX.EXAMPLE.NET; spf=pass smtp.mailfrom=paypal.com"),
    ("lower case", b"authentication-results: mx.example.net; dkim=pass header.d=paypal.com"),
    ("folded with comments", b"Authentication-Results:\r\n\t(x\r\n (y)) mx.example.net\r\n 1; dkim=pass"),
    ("root dot", b"Authentication-Results: mx.example.net.; dkim=pass header.d=paypal.com"),
    ("comment after the id", b"Authentication-Results: mx.example.net(ok);dkim=pass header.d=paypal.com"),
]
# Fields that are not ours and must stay.
FOREIGN = [
    b"Authentication-Results: relay.example.org; dkim=pass header.d=example.org",
    b"Authentication-Results: (mx.example.net) relay.example.org; spf=pass smtp.mailfrom=example.org",
    b'Authentication-Results: "mx.example.net.example.org"; none',
]
MARK = b"paypal.com"


def forged_message(forged: bytes) -> bytes:
    extra = tuple(f.decode() for f in (forged, *FOREIGN))
    number = [f for _, f in FORGED].index(forged)
    return make_message(extra_headers=extra, subject=f"forged {number}")


def assert_removed(delivered: bytes, forged: bytes) -> None:
    message = parse_message(delivered.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    values = [h.raw for h in message.headers if h.lname == "authentication-results"]
    assert not any(MARK in v for v in values), (forged, values)
    kept = b"".join(values)
    for foreign in FOREIGN:
        assert foreign.split(b":", 1)[1].strip() in kept, (foreign, values)
    ours = [v for v in values if arheader.carries_id(v.split(b":", 1)[1], CONFIGURED)]
    assert len(ours) == 1 and ours[0].startswith(b"Authentication-Results: mx.example.net;"), values


@pytest.mark.parametrize(("label", "forged"), FORGED, ids=[f[0] for f in FORGED])
def test_the_core_parser_reads_each_form_as_ours(label, forged):
    name, _, value = forged.partition(b":")
    assert arheader.is_ar_name(name.decode())
    assert arheader.carries_id(value, CONFIGURED)
    assert arheader.carries_id(value, CONFIGURED.lower()) and arheader.carries_id(value, CONFIGURED.upper())


@pytest.mark.parametrize("foreign", FOREIGN)
def test_the_core_parser_leaves_other_ids(foreign):
    assert not arheader.carries_id(foreign.split(b":", 1)[1], CONFIGURED)


def test_deep_comments_are_read_in_one_pass():
    """The old reader peeled comments 10 levels deep; a deeper nest hid the id from it. Linear at any depth."""
    value = "(" * 50_000 + ")" * 50_000 + " mx.example.net; dkim=pass"
    started = time.perf_counter()
    assert arheader.carries_id(value, CONFIGURED)
    assert time.perf_counter() - started < 2.0
    assert not arheader.carries_id("(" * 1000 + " mx.example.net; dkim=pass", CONFIGURED)  # never closes


_NAME_CHARS = st.sampled_from(list("Authentication-Results") + [" ", "\t", "x", "A", "r"])


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(_NAME_CHARS, max_size=26).map("".join))
def test_name_matching_is_the_message_models(name):
    """A name is an A-R for the hooks exactly when the message model (verify-eml's path) says so."""
    if not name or name[0] in " \t":
        return  # a first line cannot start with WSP (that is a continuation)
    parsed = parse_message(name.encode() + b": x\r\n\r\n").headers[0]
    assert arheader.is_ar_name(name) == (parsed.lname == "authentication-results")


@pytest.mark.parametrize(("label", "forged"), FORGED, ids=[f[0] for f in FORGED])
def test_verify_eml_strip_forged(label, forged, tmp_path, capsysbinary):
    zones = make_world().write_zones(tmp_path / "zones")
    eml = tmp_path / "m.eml"
    eml.write_bytes(forged_message(forged))
    argv = ["--zones", str(zones), "--now", str(NOW), "--authserv-id", CONFIGURED, "--strip-forged", str(eml)]
    verify_eml_main(argv)
    out, err = capsysbinary.readouterr()
    assert b"1 Authentication-Results field(s) with our id, removed" in err
    assert_removed(out, forged)


def emlauth(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "toolkit", *args], cwd=ROOT, stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        return process.communicate(timeout=10)[1]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[1]


def test_pipeline_removes_each_form(tmp_path):
    world = make_world()
    zones = world.write_zones(tmp_path / "zones")
    port = free_port()
    maildir = tmp_path / "Maildir"
    process = emlauth("pipeline", "--listen", f"127.0.0.1:{port}", "--maildir", str(maildir), "--zones", str(zones),
                      "--authserv-id", CONFIGURED, "--now", str(NOW))  # fmt: skip
    try:
        wait_for_port(port, process)
        for _, forged in FORGED:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
                client.ehlo("localhost")
                assert client.docmd("XCLIENT", f"ADDR={SENDER_IP} HELO=mail.example.org")[0] == 220
                client.ehlo("mail.example.org")
                client.sendmail("alice@example.org", ["bob@example.net"], forged_message(forged))
    finally:
        log = stop(process)
    delivered = sorted((maildir / "new").iterdir(), key=lambda p: p.stat().st_mtime_ns)
    assert len(delivered) == len(FORGED), log
    by_subject = {parse_message(p.read_bytes()).get_first("subject").unfolded(): p.read_bytes() for p in delivered}
    for _, forged in FORGED:
        subject = parse_message(forged_message(forged)).get_first("subject").unfolded()
        assert_removed(by_subject[subject], forged)


@pytest.mark.peers
def test_milter_through_postfix_removes_each_form(tmp_path):
    """The milter deletes by index through a real Postfix: its count of A-R fields must be Postfix's."""
    world = make_world()
    zones = world.write_zones(tmp_path / "zones")
    port = free_port()
    process = emlauth("milter", "--listen", f"inet:127.0.0.1:{port}", "--zones", str(zones),
                      "--authserv-id", CONFIGURED, "--now", str(NOW))  # fmt: skip
    try:
        wait_for_port(port, process)
        with running_postfix(f"inet:127.0.0.1:{port}") as postfix:
            for _, forged in FORGED:
                envelope = {"mail_from": "alice@example.org", "rcpts": ["bob@example.net"], "helo": "mail.example.org"}
                code, text = smtp_send(postfix.port, forged_message(forged), **envelope, xclient_addr=SENDER_IP)
                assert code == 250, text
            postfix.wait_for_files(len(FORGED))
            delivered = postfix.delivered()
    finally:
        log = stop(process)
    by_subject = {parse_message(d).get_first("subject").unfolded(): d for d in delivered}
    assert len(by_subject) == len(FORGED), log
    for _, forged in FORGED:
        subject = parse_message(forged_message(forged)).get_first("subject").unfolded()
        assert_removed(by_subject[subject], forged)

"""A fuzz target over the SMTP pipeline (issue 15): hostile command sequences and message bytes get SMTP replies,
never an unhandled exception (aiosmtpd's `500 Error: (SomeError)`), a hook error or a stuck server.

Bounded: a fixed number of examples, socket timeouts on every read; derandomized when CI is set.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import socket

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.mailworld import AUTHSERV_ID, SENDER_IP, make_message, make_world

from toolkit.shells.hooks import VerifyHandler
from toolkit.shells.smtp import Pipeline

CI = bool(os.environ.get("CI"))
FUZZ = settings(
    max_examples=60, deadline=None, derandomize=CI, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_REPLY = re.compile(rb"^[2-5]\d\d[ -]")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    world = make_world()
    handler = VerifyHandler(world.resolver(), AUTHSERV_ID)
    with Pipeline(handler, maildir=tmp_path_factory.mktemp("fuzz") / "M", idle_timeout=5) as server:
        yield server


_word = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30)
_arg = st.one_of(_word, st.binary(max_size=30).map(lambda b: b.decode("latin-1")))
_command = st.one_of(
    st.builds(lambda a: f"EHLO {a}", _arg),
    st.builds(lambda a: f"HELO {a}", _arg),
    st.builds(lambda a: f"MAIL FROM:<{a}>", _arg),
    st.builds(lambda a: f"RCPT TO:<{a}>", _arg),
    st.builds(lambda a: f"XCLIENT {a}", _arg),
    st.builds(lambda a: f"XCLIENT ADDR={a} HELO={a}", _arg),
    st.sampled_from(["RSET", "NOOP", "DATA", "HELP", "VRFY x", "STARTTLS", "AUTH PLAIN", "BDAT 10"]),
    _arg,
)
_header = st.builds(lambda n, v: f"{n}:{v}".encode("latin-1"), _word.filter(bool), _arg)
_message = st.builds(
    lambda headers, body: b"\r\n".join(headers) + b"\r\n\r\n" + body,
    st.lists(st.one_of(_header, st.binary(max_size=60)), max_size=8),
    st.binary(max_size=300),
)


def _reply(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
        lines = data.split(b"\r\n")
        if len(lines) > 1 and lines[-2][3:4] == b" ":
            break
    return data


def _session(pipeline: Pipeline, commands: list[str], message: bytes) -> list[bytes]:
    replies = []
    with socket.create_connection((pipeline.host, pipeline.port), timeout=10) as sock:
        replies.append(_reply(sock))
        try:
            for command in [*commands, "EHLO x.example.org", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.net>"]:
                sock.sendall(command.encode("latin-1").replace(b"\r", b"").replace(b"\n", b"") + b"\r\n")
                replies.append(_reply(sock))
            sock.sendall(b"DATA\r\n")
            if _reply(sock).startswith(b"354"):
                sock.sendall(message.replace(b"\r\n.", b"\r\n..") + b"\r\n.\r\n")
                replies.append(_reply(sock))
            sock.sendall(b"QUIT\r\n")
            replies.append(_reply(sock))
        except OSError:
            pass  # the server may close on us (e.g. after a 421): that is an answer too
    return [r for r in replies if r]


@FUZZ
@given(st.lists(_command, max_size=8), _message)
@example(["XCLIENT ADDR=[UNAVAILABLE] HELO=\x80\xff"], b"From: \xff\r\n\r\nx")
@example(["MAIL FROM:<>", "RCPT TO:<>"], b"\r\n")
def test_any_session_gets_smtp_replies_and_no_crash(pipeline, caplog, commands, message):
    errors = pipeline.stats["errors"]
    # Earlier tests' event loops leave garbage whose collection logs asyncio's "Task was destroyed but it is
    # pending!": collect it now, so the records checked below can only come from this session.
    gc.collect()
    with caplog.at_level(logging.ERROR):
        replies = _session(pipeline, commands, message)
    assert all(_REPLY.match(r) for r in replies), replies
    assert not any(b"Error: (" in r for r in replies), replies  # aiosmtpd's answer to an unhandled exception
    assert pipeline.stats["errors"] == errors
    # "Task was destroyed": another test's stopped event loop being collected now, not this server
    crashes = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR and "Task was destroyed" not in r.getMessage()
    ]
    caplog.clear()
    assert not crashes, crashes


def test_after_the_fuzzing_mail_still_flows(pipeline):
    import smtplib

    with smtplib.SMTP(pipeline.host, pipeline.port, timeout=30) as client:
        client.ehlo("localhost")
        assert client.docmd("XCLIENT", f"ADDR={SENDER_IP} HELO=mail.example.org")[0] == 220
        client.ehlo("mail.example.org")
        client.sendmail("alice@example.org", ["bob@example.net"], make_message(subject="after the fuzz"))
    assert any(b"after the fuzz" in m for m in pipeline.messages())

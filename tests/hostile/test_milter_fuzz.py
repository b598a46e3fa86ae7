"""Fuzz targets over the milter codec and the milter server (issue 15): hostile bytes get a ProtocolError or a
closed connection, never a crash, a hook error or a server that stops answering.

Bounded: a fixed number of examples, socket timeouts on every read; derandomized when CI is set (the same
examples every run, so a failure is reproducible from the log).
"""

from __future__ import annotations

import logging
import os
import socket
import struct

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.mailworld import AUTHSERV_ID, SENDER_IP, make_message, make_world
from support.milter_client import MilterClient

from toolkit.shells import milter_protocol as mp
from toolkit.shells.hooks import VerifyHandler
from toolkit.shells.milter import BackgroundMilter

CI = bool(os.environ.get("CI"))
CODEC = settings(max_examples=400, deadline=None, derandomize=CI)
SERVER = settings(
    max_examples=60, deadline=None, derandomize=CI, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

_codes = st.one_of(st.sampled_from([c.value for c in mp.Cmd]), st.binary(min_size=1, max_size=1))
_text = st.text(st.characters(blacklist_characters="\0", blacklist_categories=["Cs"]), max_size=40)


@CODEC
@given(_codes, st.binary(max_size=300))
@example(b"C", b"host\x004\x00\x01")  # a CONNECT cut inside the port
@example(b"O", b"\x00\x00")  # OPTNEG shorter than its three integers
@example(b"L", b"no-nul")  # HEADER without the NUL after the name
def test_decode_never_raises_anything_but_protocol_error(code, payload):
    try:
        command = mp.decode_command(code, payload)
    except mp.ProtocolError:
        return
    assert command is not None


_commands = st.one_of(
    st.builds(mp.Helo, _text),
    st.builds(lambda a: mp.Mail((f"<{a}>",)), _text),
    st.builds(lambda a: mp.Rcpt((f"<{a}>",)), _text),
    st.builds(lambda n, v: mp.Header(n.encode(), v.encode()), _text.filter(bool), _text),
    st.builds(mp.Body, st.binary(max_size=200)),
    st.builds(lambda m: mp.Macro(b"C", m), st.dictionaries(_text.filter(bool), _text, max_size=4)),
    st.builds(
        lambda h, p, a: mp.Connect(h, mp.Family.INET, p, a), _text, st.integers(0, 65535), st.ip_addresses(v=4).map(str)
    ),  # fmt: skip
    st.sampled_from([mp.Simple(mp.Cmd.EOH), mp.Simple(mp.Cmd.ABORT), mp.Simple(mp.Cmd.DATA)]),
)


@CODEC
@given(st.lists(_commands, min_size=1, max_size=8), st.integers(1, 7))
def test_encode_then_read_in_any_chunks_gives_the_same_commands(commands, step):
    wire = b"".join(mp.encode_command(c) for c in commands)
    reader = mp.PacketReader()
    packets = [p for i in range(0, len(wire), step) for p in reader.feed(wire[i : i + step])]
    assert reader.pending == 0
    decoded = [mp.decode_command(code, payload) for code, payload in packets]
    assert decoded == commands


@pytest.fixture(scope="module")
def milter():
    world = make_world()
    with BackgroundMilter(VerifyHandler(world.resolver(), AUTHSERV_ID), timeout=5, idle_timeout=2) as server:
        yield server


_packet = st.one_of(
    _commands.map(mp.encode_command),
    st.tuples(_codes, st.binary(max_size=100)).map(lambda t: mp.encode_packet(*t)),
    st.binary(max_size=40),  # not even framed
    st.integers(0, 2**32 - 1).map(lambda n: struct.pack(">I", n)),  # a length and nothing after
)


def _talk(milter: BackgroundMilter, packets: list[bytes]) -> None:
    with socket.create_connection((milter.host, milter.port), timeout=3) as sock:
        try:
            sock.sendall(mp.encode_command(mp.OptNeg(6, mp.Action(0x1FF), mp.Proto(0x1FFFFF))))
            for packet in packets:
                sock.sendall(packet)
            sock.shutdown(socket.SHUT_WR)
            while sock.recv(65536):  # everything the milter answers, until it closes
                pass
        except OSError:
            pass  # it may close on us mid-send: that is an answer too


@SERVER
@given(st.lists(_packet, max_size=12))
def test_the_milter_survives_any_packet_sequence(milter, caplog, packets):
    errors = milter.server.stats["errors"]
    with caplog.at_level(logging.ERROR):
        _talk(milter, packets)
    assert milter.server.stats["errors"] == errors  # no hook raised on hostile input
    # "Task was destroyed": another test's stopped event loop being collected now, not this server
    crashes = [
        r for r in caplog.records if r.levelno >= logging.ERROR and "Task was destroyed" not in r.getMessage()
    ]  # e.g. "Unhandled exception in ..._cb"
    caplog.clear()
    assert not crashes, [r.getMessage() for r in crashes]


def test_after_the_fuzzing_a_real_transaction_still_works(milter):
    with MilterClient((milter.host, milter.port), timeout=10) as client:
        client.negotiate()
        client.connect(ip=SENDER_IP)
        outcome = client.transaction(make_message(), "alice@example.org", ["bob@example.net"])
        client.quit()
    assert outcome.code == b"c" and isinstance(outcome.modifications[-1], mp.InsHeader)

"""The milter v6 codec: every command and response encodes and decodes back; framing; malformed input."""

from __future__ import annotations

import struct

import pytest

from toolkit.shells import milter_protocol as mp

COMMANDS = [
    mp.OptNeg(6, mp.Action.ADDHDRS | mp.Action.CHGHDRS, mp.Proto.NOUNKNOWN | mp.Proto.HDR_LEADSPC),
    mp.Macro(b"C", {"j": "mx.example.net", "{daemon_name}": "smtpd", "{client_addr}": "192.0.2.1"}),
    mp.Macro(b"M", {}),
    mp.Connect("mail.example.org", mp.Family.INET, 40123, "192.0.2.1"),
    mp.Connect("mail.example.org", mp.Family.INET6, 25, "2001:db8::1"),
    mp.Connect("localhost", mp.Family.UNIX, 0, "/run/socket"),
    mp.Connect("unknown", mp.Family.UNKNOWN),
    mp.Helo("mail.example.org"),
    mp.Mail(("<alice@example.org>", "SIZE=100", "BODY=8BITMIME")),
    mp.Mail(("<>",)),
    mp.Rcpt(("<bob@example.net>",)),
    mp.Header(b"Subject", b" Hello\n\tworld"),
    mp.Body(b"line 1\r\nline 2\r\n"),
    mp.EndOfMessage(),
    mp.EndOfMessage(b"last chunk\r\n"),
    mp.Simple(mp.Cmd.ABORT),
    mp.Simple(mp.Cmd.DATA),
    mp.Simple(mp.Cmd.EOH),
    mp.Simple(mp.Cmd.QUIT),
    mp.Simple(mp.Cmd.QUIT_NC),
    mp.Unknown(b"VRFY bob"),
]

RESPONSES = [
    mp.OptNeg(6, mp.Action.ADDHDRS | mp.Action.QUARANTINE, mp.Proto.NOHELO),
    *(mp.Reply(r) for r in (mp.Resp.CONTINUE, mp.Resp.ACCEPT, mp.Resp.REJECT, mp.Resp.TEMPFAIL, mp.Resp.DISCARD)),
    mp.Reply(mp.Resp.PROGRESS),
    mp.Reply(mp.Resp.SKIP),
    mp.ReplyCode(550, "5.7.1 DMARC policy rejects this message"),
    mp.ReplyCode(451, "4.7.1 Try again"),
    mp.AddHeader("X-Test", "value"),
    mp.InsHeader(0, "Authentication-Results", " mx.example.net;\n\tspf=pass"),
    mp.ChgHeader(2, "Authentication-Results", ""),
    mp.ReplBody(b"new body\r\n"),
    mp.Quarantine("DMARC fail"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: type(c).__name__)
def test_command_round_trip(command):
    packet = mp.encode_command(command)
    (length,) = struct.unpack(">I", packet[:4])
    assert length == len(packet) - 4
    assert mp.decode_command(packet[4:5], packet[5:]) == command


@pytest.mark.parametrize("response", RESPONSES, ids=lambda r: type(r).__name__ + str(getattr(r, "resp", "")))
def test_response_round_trip(response):
    packet = mp.encode_response(response)
    assert mp.decode_response(packet[4:5], packet[5:]) == response


def test_wire_layouts_match_libmilter():
    # SMFIC_CONNECT: hostname NUL, family, port (network order), address NUL
    assert mp.encode_command(mp.Connect("h", mp.Family.INET, 25, "192.0.2.1")) == (
        b"\x00\x00\x00\x10Ch\x004\x00\x19192.0.2.1\x00"
    )
    # SMFIR_INSHEADER: index (uint32), name NUL, value NUL
    assert mp.encode_response(mp.InsHeader(0, "A", "b")) == b"\x00\x00\x00\x09i\x00\x00\x00\x00A\x00b\x00"
    assert mp.encode_response(mp.ReplyCode(550, "5.7.1 no")) == b"\x00\x00\x00\x0ey550 5.7.1 no\x00"
    assert mp.encode_response(mp.Reply(mp.Resp.CONTINUE)) == b"\x00\x00\x00\x01c"


def test_ipv6_prefix_from_sendmail_is_removed():
    payload = b"h\x006" + struct.pack(">H", 25) + b"IPv6:2001:db8::5\x00"
    assert mp.decode_command(b"C", payload).address == "2001:db8::5"


def test_mail_and_rcpt_addresses():
    assert mp.Mail(("<alice@example.org>", "SIZE=1")).address == "alice@example.org"
    assert mp.Mail(("<>",)).address == ""
    assert mp.Rcpt(("bob@example.net",)).address == "bob@example.net"


def test_packet_reader_handles_fragments_and_batches():
    stream = b"".join(mp.encode_command(c) for c in COMMANDS)
    reader = mp.PacketReader()
    packets = []
    for i in range(0, len(stream), 7):  # odd-sized pieces cut packets anywhere
        packets.extend(reader.feed(stream[i : i + 7]))
    assert [mp.decode_command(*p) for p in packets] == COMMANDS
    assert reader.pending == 0


@pytest.mark.parametrize("length", [0, mp.MAX_PACKET + 1])
def test_bad_lengths_are_protocol_errors(length):
    with pytest.raises(mp.ProtocolError):
        mp.PacketReader().feed(struct.pack(">I", length) + b"c")
    with pytest.raises(mp.ProtocolError):
        mp.check_length(length)


@pytest.mark.parametrize(
    ("code", "payload"),
    [
        (b"Z", b""),  # unknown command
        (b"O", b"\x00\x00"),  # short OPTNEG
        (b"C", b"no-nul-terminator"),
        (b"C", b"h\x00X"),  # unknown family
        (b"C", b"h\x004\x00"),  # port cut short
        (b"D", b""),  # macro without stage
        (b"L", b"no-nul"),
    ],
)
def test_malformed_commands(code, payload):
    with pytest.raises(mp.ProtocolError):
        mp.decode_command(code, payload)


def test_malformed_responses():
    with pytest.raises(mp.ProtocolError):
        mp.decode_response(b"?", b"")
    with pytest.raises(mp.ProtocolError):
        mp.decode_response(b"i", b"\x00")
    with pytest.raises(mp.ProtocolError):
        mp.decode_response(b"y", b"abc\x00")


def test_nul_inside_strings_is_refused():
    with pytest.raises(ValueError):
        mp.encode_command(mp.Helo("bad\0name"))


def test_header_values_between_our_form_and_the_wire():
    # ours: CRLF folding, no leading space; Postfix: LF folding, leading space only with HDR_LEADSPC
    assert mp.header_value_to_wire("a;\r\n\tb", leading_space=True) == " a;\n\tb"
    assert mp.header_value_to_wire("a;\r\n\tb", leading_space=False) == "a;\n\tb"
    assert mp.header_value_from_wire(b"  two spaces\n\tfold", leading_space=True) == b"  two spaces\r\n\tfold"
    assert mp.header_value_from_wire(b"x\r\n y", leading_space=False) == b" x\r\n y"


def test_macro_with_odd_strings_keeps_last_name():
    packet = mp.encode_packet(b"D", b"Ci\x00ABC\x00j\x00")
    assert mp.decode_command(packet[4:5], packet[5:]) == mp.Macro(b"C", {"i": "ABC", "j": ""})

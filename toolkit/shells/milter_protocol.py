"""Sendmail milter wire protocol, version 6: a pure codec (no sockets), shared by our milter and the test MTA client.

A packet is a 4-octet big-endian length (counting the command octet and the data), one command octet, then the
data. Strings are NUL-terminated. `PacketReader` turns a byte stream into (code, payload) packets; `decode_command`
/ `encode_command` handle the MTA -> milter direction and `decode_response` / `encode_response` the other one.
Like h11, nothing here does I/O, so the asyncio milter and the blocking test client share it.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, field

# framing lives in milter_framing.py; it is re-exported here, so callers keep one module for the protocol
from toolkit.shells.milter_framing import (  # noqa: F401
    MAX_PACKET,
    PacketReader,
    ProtocolError,
    check_length,
    encode_packet,
)

PROTOCOL_VERSION = 6
MAX_BODY_CHUNK = 65535  # default body chunk size (SMFIP_MDS_* raise it; we never ask)


class Cmd(bytes, enum.Enum):
    """MTA -> milter commands (SMFIC_*)."""

    ABORT = b"A"
    BODY = b"B"
    CONNECT = b"C"
    MACRO = b"D"
    BODYEOB = b"E"
    HELO = b"H"
    QUIT_NC = b"K"
    HEADER = b"L"
    MAIL = b"M"
    EOH = b"N"
    OPTNEG = b"O"
    QUIT = b"Q"
    RCPT = b"R"
    DATA = b"T"
    UNKNOWN = b"U"


class Resp(bytes, enum.Enum):
    """Milter -> MTA responses and modification requests (SMFIR_*)."""

    ADDRCPT = b"+"
    DELRCPT = b"-"
    ADDRCPT_PAR = b"2"
    SHUTDOWN = b"4"
    ACCEPT = b"a"
    REPLBODY = b"b"
    CONTINUE = b"c"
    DISCARD = b"d"
    CHGFROM = b"e"
    CONN_FAIL = b"f"
    ADDHEADER = b"h"
    INSHEADER = b"i"
    SETSYMLIST = b"l"
    CHGHEADER = b"m"
    PROGRESS = b"p"
    QUARANTINE = b"q"
    REJECT = b"r"
    SKIP = b"s"
    TEMPFAIL = b"t"
    REPLYCODE = b"y"
    OPTNEG = b"O"  # the negotiation answer reuses the command letter


class Action(enum.IntFlag):
    """SMFIF_*: modifications the milter may request (negotiated in OPTNEG)."""

    NONE = 0
    ADDHDRS = 0x01
    CHGBODY = 0x02
    ADDRCPT = 0x04
    DELRCPT = 0x08
    CHGHDRS = 0x10
    QUARANTINE = 0x20
    CHGFROM = 0x40
    ADDRCPT_PAR = 0x80
    SETSYMLIST = 0x100


class Proto(enum.IntFlag):
    """SMFIP_*: stages the milter does not want (NO*), stages it will not answer (NR_*), and options."""

    NONE = 0
    NOCONNECT = 0x01
    NOHELO = 0x02
    NOMAIL = 0x04
    NORCPT = 0x08
    NOBODY = 0x10
    NOHDRS = 0x20
    NOEOH = 0x40
    NR_HDR = 0x80
    NOUNKNOWN = 0x100
    NODATA = 0x200
    SKIP = 0x400
    RCPT_REJ = 0x800
    NR_CONN = 0x1000
    NR_HELO = 0x2000
    NR_MAIL = 0x4000
    NR_RCPT = 0x8000
    NR_DATA = 0x10000
    NR_UNKN = 0x20000
    NR_EOH = 0x40000
    NR_BODY = 0x80000
    HDR_LEADSPC = 0x100000
    MDS_256K = 0x10000000
    MDS_1M = 0x20000000


# ---------------------------------------------------------------- strings


def _split_strings(payload: bytes) -> list[bytes]:
    """NUL-terminated strings; a missing final NUL is tolerated (some MTAs omit it on the last string)."""
    if not payload:
        return []
    parts = payload.split(b"\0")
    if parts[-1] == b"":
        parts.pop()
    return parts


def _cstr(value: bytes | str) -> bytes:
    data = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
    if b"\0" in data:
        raise ValueError("milter strings cannot contain NUL")
    return data + b"\0"


# ---------------------------------------------------------------- MTA -> milter


@dataclass(frozen=True, slots=True)
class OptNeg:
    version: int
    actions: Action
    protocol: Proto
    extra: bytes = b""  # a milter may append a symbol list (SMFIR_SETSYMLIST data); kept raw


@dataclass(frozen=True, slots=True)
class Macro:
    stage: bytes  # the command letter the macros belong to (b"C", b"H", b"M", b"R", b"T", b"L", b"N", b"E")
    macros: dict[str, str] = field(default_factory=dict)


class Family(enum.StrEnum):
    UNKNOWN = "U"
    UNIX = "L"
    INET = "4"
    INET6 = "6"


@dataclass(frozen=True, slots=True)
class Connect:
    hostname: str
    family: Family
    port: int = 0
    address: str = ""  # IP text for inet/inet6 (an "IPv6:" prefix is removed), a path for unix


@dataclass(frozen=True, slots=True)
class Helo:
    name: str


@dataclass(frozen=True, slots=True)
class Mail:
    args: tuple[str, ...]  # args[0] is "<sender>", then ESMTP parameters

    @property
    def address(self) -> str:
        return _strip_angle(self.args[0]) if self.args else ""


@dataclass(frozen=True, slots=True)
class Rcpt:
    args: tuple[str, ...]

    @property
    def address(self) -> str:
        return _strip_angle(self.args[0]) if self.args else ""


@dataclass(frozen=True, slots=True)
class Header:
    name: bytes
    value: bytes  # as sent: folding as the MTA sends it (Postfix: LF), leading space only with HDR_LEADSPC


@dataclass(frozen=True, slots=True)
class Body:
    chunk: bytes


@dataclass(frozen=True, slots=True)
class EndOfMessage:
    chunk: bytes = b""  # Sendmail may carry a last body chunk here


@dataclass(frozen=True, slots=True)
class Simple:
    """Commands without data: ABORT, DATA, EOH, QUIT, QUIT_NC."""

    cmd: Cmd


@dataclass(frozen=True, slots=True)
class Unknown:
    command: bytes


Command = OptNeg | Macro | Connect | Helo | Mail | Rcpt | Header | Body | EndOfMessage | Simple | Unknown


def _strip_angle(text: str) -> str:
    text = text.strip()
    return text[1:-1] if text.startswith("<") and text.endswith(">") else text


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def decode_command(code: bytes, payload: bytes) -> Command:
    cmd = _COMMANDS.get(code)  # a dict lookup: Cmd(code) costs several Python calls per packet
    if cmd is None:
        raise ProtocolError(f"unknown command {code!r}")
    try:
        return _DECODERS[cmd](cmd, payload)
    except (struct.error, IndexError, ValueError) as exc:
        if isinstance(exc, ProtocolError):
            raise
        raise ProtocolError(f"malformed {cmd.name} packet: {exc}") from None


def _dec_optneg(cmd: Cmd, p: bytes) -> OptNeg:
    version, actions, protocol = struct.unpack(">III", p[:12])
    return OptNeg(version, Action(actions), Proto(protocol), p[12:])


def _dec_macro(cmd: Cmd, p: bytes) -> Macro:
    if not p:
        raise ProtocolError("empty MACRO packet")
    strings = _split_strings(p[1:])
    if len(strings) % 2:
        strings.append(b"")
    macros = {_text(strings[i]): _text(strings[i + 1]) for i in range(0, len(strings), 2)}
    return Macro(p[:1], macros)


def _dec_connect(cmd: Cmd, p: bytes) -> Connect:
    nul = p.index(b"\0")
    hostname = _text(p[:nul])
    rest = p[nul + 1 :]
    family = Family(rest[:1].decode("ascii"))
    if family is Family.UNKNOWN:
        return Connect(hostname, family)
    (port,) = struct.unpack(">H", rest[1:3])
    address = _text(rest[3:].split(b"\0", 1)[0])
    if family is Family.INET6 and address.lower().startswith("ipv6:"):
        address = address[5:]
    return Connect(hostname, family, port, address)


def _dec_strings(cls):
    def decode(cmd: Cmd, p: bytes):
        return cls(tuple(_text(s) for s in _split_strings(p)))

    return decode


def _dec_helo(cmd: Cmd, p: bytes) -> Helo:
    strings = _split_strings(p)
    return Helo(_text(strings[0]) if strings else "")


def _dec_header(cmd: Cmd, p: bytes) -> Header:
    nul = p.index(b"\0")
    value = p[nul + 1 :]
    if value.endswith(b"\0"):
        value = value[:-1]
    return Header(p[:nul], value)


def _dec_unknown(cmd: Cmd, p: bytes) -> Unknown:
    return Unknown(p[:-1] if p.endswith(b"\0") else p)


_DECODERS = {
    Cmd.OPTNEG: _dec_optneg,
    Cmd.MACRO: _dec_macro,
    Cmd.CONNECT: _dec_connect,
    Cmd.HELO: _dec_helo,
    Cmd.MAIL: _dec_strings(Mail),
    Cmd.RCPT: _dec_strings(Rcpt),
    Cmd.HEADER: _dec_header,
    Cmd.BODY: lambda cmd, p: Body(p),
    Cmd.BODYEOB: lambda cmd, p: EndOfMessage(p),
    Cmd.UNKNOWN: _dec_unknown,
    Cmd.ABORT: lambda cmd, p: Simple(cmd),
    Cmd.DATA: lambda cmd, p: Simple(cmd),
    Cmd.EOH: lambda cmd, p: Simple(cmd),
    Cmd.QUIT: lambda cmd, p: Simple(cmd),
    Cmd.QUIT_NC: lambda cmd, p: Simple(cmd),
}


def encode_command(command: Command) -> bytes:
    """The MTA side (used by tests/support/milter_client.py)."""
    match command:
        case OptNeg(version, actions, protocol, extra):
            return encode_packet(Cmd.OPTNEG.value, struct.pack(">III", version, actions, protocol) + extra)
        case Macro(stage, macros):
            data = b"".join(_cstr(k) + _cstr(v) for k, v in macros.items())
            return encode_packet(Cmd.MACRO.value, stage + data)
        case Connect(hostname, family, port, address):
            data = _cstr(hostname) + family.value.encode("ascii")
            if family is not Family.UNKNOWN:
                data += struct.pack(">H", port) + _cstr(address)
            return encode_packet(Cmd.CONNECT.value, data)
        case Helo(name):
            return encode_packet(Cmd.HELO.value, _cstr(name))
        case Mail(args):
            return encode_packet(Cmd.MAIL.value, b"".join(_cstr(a) for a in args))
        case Rcpt(args):
            return encode_packet(Cmd.RCPT.value, b"".join(_cstr(a) for a in args))
        case Header(name, value):
            return encode_packet(Cmd.HEADER.value, _cstr(name) + _cstr(value))
        case Body(chunk):
            return encode_packet(Cmd.BODY.value, chunk)
        case EndOfMessage(chunk):
            return encode_packet(Cmd.BODYEOB.value, chunk)
        case Unknown(text):
            return encode_packet(Cmd.UNKNOWN.value, _cstr(text))
        case Simple(cmd):
            return encode_packet(cmd.value)
    raise TypeError(f"not a milter command: {command!r}")


# ---------------------------------------------------------------- milter -> MTA


@dataclass(frozen=True, slots=True)
class Reply:
    """A response without data (CONTINUE, ACCEPT, REJECT, TEMPFAIL, DISCARD, PROGRESS, SKIP, ...)."""

    resp: Resp


@dataclass(frozen=True, slots=True)
class ReplyCode:
    """SMFIR_REPLYCODE: '550 5.7.1 text' (an SMTP reply instead of a bare reject/tempfail)."""

    code: int
    text: str

    @property
    def line(self) -> str:
        return f"{self.code} {self.text}".rstrip()


@dataclass(frozen=True, slots=True)
class AddHeader:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class InsHeader:
    index: int  # 0 = above every other field
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class ChgHeader:
    index: int  # 1-based occurrence among fields with this name; empty value deletes the field
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class ReplBody:
    chunk: bytes


@dataclass(frozen=True, slots=True)
class Quarantine:
    reason: str


Response = OptNeg | Reply | ReplyCode | AddHeader | InsHeader | ChgHeader | ReplBody | Quarantine

FINAL_RESPONSES = frozenset(
    {Resp.CONTINUE, Resp.ACCEPT, Resp.REJECT, Resp.TEMPFAIL, Resp.DISCARD, Resp.SKIP, Resp.REPLYCODE, Resp.OPTNEG}
)


def encode_response(response: Response) -> bytes:
    match response:
        case OptNeg(version, actions, protocol, extra):
            return encode_packet(Resp.OPTNEG.value, struct.pack(">III", version, actions, protocol) + extra)
        case Reply(resp):
            return encode_packet(resp.value)
        case ReplyCode():
            return encode_packet(Resp.REPLYCODE.value, _cstr(response.line))
        case AddHeader(name, value):
            return encode_packet(Resp.ADDHEADER.value, _cstr(name) + _cstr(value))
        case InsHeader(index, name, value):
            return encode_packet(Resp.INSHEADER.value, struct.pack(">I", index) + _cstr(name) + _cstr(value))
        case ChgHeader(index, name, value):
            return encode_packet(Resp.CHGHEADER.value, struct.pack(">I", index) + _cstr(name) + _cstr(value))
        case ReplBody(chunk):
            return encode_packet(Resp.REPLBODY.value, chunk)
        case Quarantine(reason):
            return encode_packet(Resp.QUARANTINE.value, _cstr(reason))
    raise TypeError(f"not a milter response: {response!r}")


def decode_response(code: bytes, payload: bytes) -> Response:
    try:
        resp = Resp(code)
    except ValueError:
        raise ProtocolError(f"unknown response {code!r}") from None
    try:
        if resp is Resp.OPTNEG:
            version, actions, protocol = struct.unpack(">III", payload[:12])
            return OptNeg(version, Action(actions), Proto(protocol), payload[12:])
        if resp is Resp.REPLYCODE:
            line = _text(_split_strings(payload)[0])
            code_text, _, text = line.partition(" ")
            return ReplyCode(int(code_text), text)
        if resp is Resp.ADDHEADER:
            name, value = (_text(s) for s in _pad(_split_strings(payload), 2))
            return AddHeader(name, value)
        if resp in (Resp.INSHEADER, Resp.CHGHEADER):
            (index,) = struct.unpack(">I", payload[:4])
            name, value = (_text(s) for s in _pad(_split_strings(payload[4:]), 2))
            return (InsHeader if resp is Resp.INSHEADER else ChgHeader)(index, name, value)
        if resp is Resp.REPLBODY:
            return ReplBody(payload)
        if resp is Resp.QUARANTINE:
            strings = _split_strings(payload)
            return Quarantine(_text(strings[0]) if strings else "")
    except (struct.error, IndexError, ValueError) as exc:
        raise ProtocolError(f"malformed {resp.name} response: {exc}") from None
    return Reply(resp)


def _pad(strings: list[bytes], n: int) -> list[bytes]:
    return (strings + [b""] * n)[:n]


def header_value_to_wire(value: str, leading_space: bool) -> str:
    """Our header values use CRLF folding and no leading space; the wire uses LF folding (as libmilter and Postfix
    do) and, when HDR_LEADSPC was negotiated, the exact leading whitespace."""
    wire = value.replace("\r\n", "\n")
    return (" " + wire) if leading_space else wire


def header_value_from_wire(value: bytes, leading_space: bool) -> bytes:
    """The raw field value (what follows the colon, CRLF folding) from what the MTA sent."""
    raw = value.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return raw if leading_space else b" " + raw


_COMMANDS = {cmd.value: cmd for cmd in Cmd}

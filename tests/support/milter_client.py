"""A blocking milter *client*: the MTA side of the Sendmail milter protocol, for driving our milter in tests.

It behaves like Postfix: it offers every action and protocol flag, honours the NO* flags the milter asks for,
sends header values with LF folding (and a leading space when HDR_LEADSPC was negotiated), skips PROGRESS
packets, and applies the modification requests the way an MTA does (`Outcome.apply`).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field

from toolkit.core.message import parse_message
from toolkit.shells import milter_protocol as mp

ALL_ACTIONS = mp.Action(0x1FF)
ALL_PROTOCOL = mp.Proto(0x1FFFFF)
NO_REPLY = (mp.Proto.NR_CONN | mp.Proto.NR_HELO | mp.Proto.NR_MAIL | mp.Proto.NR_RCPT | mp.Proto.NR_DATA
            | mp.Proto.NR_UNKN | mp.Proto.NR_EOH | mp.Proto.NR_BODY | mp.Proto.NR_HDR)  # fmt: skip
# what the tests offer unless they ask for more: every stage answered, so a test can send a command and read
# its answer; Postfix also offers NO_REPLY (tests/mail/test_fleet_prefork.py and bench_milter.py do too)
REPLY_EVERY_STAGE = ALL_PROTOCOL & ~NO_REPLY


@dataclass
class Outcome:
    final: mp.Response
    modifications: list[mp.Response] = field(default_factory=list)
    progress: int = 0

    @property
    def code(self) -> bytes:
        """The final response letter (b'c', b'a', b'r', b't', b'd', b'y')."""
        if isinstance(self.final, mp.ReplyCode):
            return mp.Resp.REPLYCODE.value
        return self.final.resp.value  # type: ignore[union-attr]

    def apply(self, raw: bytes) -> bytes:
        """The message after the modifications (header values come back in wire form: LF folding)."""
        message = parse_message(raw)
        fields: list[tuple[str, bytes]] = []
        for h in message.headers:
            colon = h.raw.find(b":")
            fields.append((h.raw[:colon].decode(), h.raw[colon + 1 :].removesuffix(b"\r\n")))
        body = bytes(message.body)
        new_body: list[bytes] | None = None
        for mod in self.modifications:
            if isinstance(mod, mp.ReplBody):
                new_body = (new_body or []) + [mod.chunk]
                continue
            if not isinstance(mod, mp.AddHeader | mp.InsHeader | mp.ChgHeader):
                continue
            value = mod.value.replace("\n", "\r\n").encode()
            if not value.startswith((b" ", b"\t")):
                value = b" " + value
            if isinstance(mod, mp.AddHeader):
                fields.append((mod.name, value))
            elif isinstance(mod, mp.InsHeader):
                fields.insert(mod.index, (mod.name, value))
            else:
                positions = [i for i, (n, _) in enumerate(fields) if n.lower() == mod.name.lower()]
                if 1 <= mod.index <= len(positions):
                    if mod.value:
                        fields[positions[mod.index - 1]] = (mod.name, value)
                    else:
                        del fields[positions[mod.index - 1]]
        if new_body is not None:
            body = b"".join(new_body)
        return b"".join(n.encode() + b":" + v + b"\r\n" for n, v in fields) + b"\r\n" + body


class MilterClient:
    def __init__(self, address: tuple[str, int] | str, timeout: float = 30.0, source: str | None = None) -> None:
        """`source`: the local address to connect from (any 127.x.y.z works on Linux), to play another peer."""
        if isinstance(address, str):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            if source:
                self.sock.bind((source, 0))
        self.sock.settimeout(timeout)
        self.sock.connect(address)
        self.negotiated: mp.OptNeg | None = None
        self.progress_seen = 0

    # -- framing

    def send(self, command: mp.Command) -> None:
        self.sock.sendall(mp.encode_command(command))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _read_exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("milter closed the connection")
            data += chunk
        return data

    def read_response(self) -> mp.Response:
        (length,) = struct.unpack(">I", self._read_exact(4))
        data = self._read_exact(length)
        return mp.decode_response(data[:1], data[1:])

    def closed_by_peer(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except (ConnectionError, TimeoutError):
            return True

    def until_final(self) -> Outcome:
        modifications: list[mp.Response] = []
        progress = 0
        while True:
            response = self.read_response()
            if isinstance(response, mp.Reply) and response.resp is mp.Resp.PROGRESS:
                progress += 1
                continue
            if isinstance(response, mp.ReplyCode) or (
                isinstance(response, mp.Reply | mp.OptNeg)
                and getattr(response, "resp", mp.Resp.OPTNEG) in mp.FINAL_RESPONSES
            ):
                self.progress_seen += progress
                return Outcome(response, modifications, progress)
            modifications.append(response)

    def command(self, command: mp.Command, no_reply: mp.Proto = mp.Proto.NONE) -> Outcome:
        """Send and wait for the answer, unless the milter negotiated `no_reply` (SMFIP_NR_*): then, like an
        MTA, expect none and go on as if it said continue."""
        self.send(command)
        if no_reply and self.negotiated and self.negotiated.protocol & no_reply:
            return Outcome(mp.Reply(mp.Resp.CONTINUE))
        return self.until_final()

    # -- the MTA's conversation

    def negotiate(self, actions: mp.Action = ALL_ACTIONS, protocol: mp.Proto = REPLY_EVERY_STAGE) -> mp.OptNeg:
        self.send(mp.OptNeg(6, actions, protocol))
        response = self.read_response()
        assert isinstance(response, mp.OptNeg), response
        self.negotiated = response
        return response

    def wants(self, flag: mp.Proto) -> bool:
        """False when the milter asked us to skip this stage."""
        return not (self.negotiated and self.negotiated.protocol & flag)

    @property
    def leading_space(self) -> bool:
        return bool(self.negotiated and self.negotiated.protocol & mp.Proto.HDR_LEADSPC)

    def connect(self, ip: str = "192.0.2.10", hostname: str = "mail.example.org", port: int = 40000) -> Outcome | None:
        self.send(mp.Macro(b"C", {"j": "mx.example.net", "{daemon_name}": "smtpd", "{client_addr}": ip}))
        if not self.wants(mp.Proto.NOCONNECT):
            return None
        family = mp.Family.INET6 if ":" in ip else mp.Family.INET
        return self.command(mp.Connect(hostname, family, port, ip), mp.Proto.NR_CONN)

    def transaction(
        self, raw: bytes, mail_from: str, rcpts: list[str], helo: str | None = "mail.example.org", queue_id="4ABCDEF"
    ) -> Outcome:
        """HELO (if given) .. end of message; returns the first non-continue outcome or the end-of-message one."""
        steps: list[tuple[mp.Proto, mp.Command, mp.Proto]] = []
        if helo is not None:
            steps.append((mp.Proto.NOHELO, mp.Helo(helo), mp.Proto.NR_HELO))
        steps.append((mp.Proto.NOMAIL, mp.Mail((f"<{mail_from}>",)), mp.Proto.NR_MAIL))
        steps.extend((mp.Proto.NORCPT, mp.Rcpt((f"<{r}>",)), mp.Proto.NR_RCPT) for r in rcpts)
        self.send(mp.Macro(b"M", {"{mail_addr}": mail_from}))
        for flag, command, no_reply in steps:
            if self.wants(flag):
                outcome = self.command(command, no_reply)
                if outcome.code != b"c":
                    return outcome
        self.send(mp.Macro(b"T", {"i": queue_id}))
        if self.wants(mp.Proto.NODATA):
            outcome = self.command(mp.Simple(mp.Cmd.DATA))
            if outcome.code != b"c":
                return outcome
        message = parse_message(raw)
        if self.wants(mp.Proto.NOHDRS):
            for h in message.headers:
                colon = h.raw.find(b":")
                value = h.raw[colon + 1 :].removesuffix(b"\r\n").replace(b"\r\n", b"\n")
                if not self.leading_space:
                    value = value.lstrip(b" \t")
                outcome = self.command(mp.Header(h.raw[:colon], value), mp.Proto.NR_HDR)
                if outcome.code != b"c":
                    return outcome
        if self.wants(mp.Proto.NOEOH):
            outcome = self.command(mp.Simple(mp.Cmd.EOH), mp.Proto.NR_EOH)
            if outcome.code != b"c":
                return outcome
        body = bytes(message.body)
        if self.wants(mp.Proto.NOBODY):
            for i in range(0, len(body), mp.MAX_BODY_CHUNK):
                outcome = self.command(mp.Body(body[i : i + mp.MAX_BODY_CHUNK]), mp.Proto.NR_BODY)
                if outcome.code != b"c":
                    return outcome
        return self.command(mp.EndOfMessage())

    def abort(self) -> None:
        self.send(mp.Simple(mp.Cmd.ABORT))

    def quit(self) -> None:
        try:
            self.send(mp.Simple(mp.Cmd.QUIT))
        finally:
            self.sock.close()

    def __enter__(self) -> MilterClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

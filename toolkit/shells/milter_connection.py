"""One milter connection: the MTA's packets in order, our hooks called at the stages, the answers written back.

milter.py holds the server (listening, the peer and connection limits) and this the protocol state of one
connection; see milter.py for the failure policy and the bounds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import TYPE_CHECKING, Any

from toolkit.shells import milter_protocol as mp
from toolkit.shells.hooks import ACCEPT, Action, Kind, Session, call_hook, decide, tempfail
from toolkit.shells.hooks.outcome import message_line
from toolkit.shells.server_limits import RELEASE_AFTER, release_memory

if TYPE_CHECKING:
    from toolkit.shells.milter import MilterServer

log = logging.getLogger("emlauth.milter")

CONTINUE_REPLY = mp.Reply(mp.Resp.CONTINUE)
READ_SIZE = 1 << 16  # bytes asked for per read; a body chunk (64 KiB at most) fits in one or two

OUR_ACTIONS = mp.Action.ADDHDRS | mp.Action.CHGHDRS | mp.Action.CHGBODY | mp.Action.QUARANTINE

# Stages the handler needs the data of but has no hook for: nothing there can answer anything but continue, so
# we ask the MTA not to wait for an answer (SMFIP_NR_*, protocol v6; Postfix >= 2.6). A 10-header message then
# costs 2 round trips instead of 14 (issue 14: the round trips, not the checks, were the milter's time).
# The body keeps its answer, so a message past max_message_size can still be refused while it arrives.
_NO_REPLY_FLAGS = {
    "connect": mp.Proto.NR_CONN,
    "helo": mp.Proto.NR_HELO,
    "mail_from": mp.Proto.NR_MAIL,
    "rcpt": mp.Proto.NR_RCPT,
    "header": mp.Proto.NR_HDR,
    "end_of_headers": mp.Proto.NR_EOH,
}

_NO_FLAGS = {
    "connect": mp.Proto.NOCONNECT,
    "helo": mp.Proto.NOHELO,
    "mail_from": mp.Proto.NOMAIL,
    "rcpt": mp.Proto.NORCPT,
    "header": mp.Proto.NOHDRS,
    "end_of_headers": mp.Proto.NOEOH,
    "body": mp.Proto.NOBODY,
}


class MilterConnection:
    """One MTA connection: a sequence of SMTP sessions (QUIT_NC starts a new one) with transactions inside."""

    def __init__(self, server: MilterServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.handler = server.handler
        self.reader = reader
        self.writer = writer
        self.session = Session()
        self.leading_space = False
        self.no_reply: frozenset[str] = frozenset()  # stages answered with nothing (SMFIP_NR_*)
        self.connected = False
        self.size = 0  # bytes of the current message seen so far (headers and body)
        self.oversized = False  # past max_message_size: nothing more is kept, every answer is the policy's
        self.release_pending = False  # a large message just ended: give its memory back to the OS
        self.buffer = bytearray()  # bytes read and not yet cut into packets, from `offset` on
        self.offset = 0
        sock = writer.get_extra_info("socket")
        self.tcp = sock if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6) else None

    def quick_ack(self) -> None:
        """ACK what arrives at once. The MTA writes packets the milter does not answer (macros, and the NR_*
        stages) one by one; with Nagle on its side and delayed ACKs on ours, each such write waited up to 40 ms
        for our ACK: 48 ms of the 51 ms a message took through Postfix (issue 14). Linux leaves quick-ACK mode
        on its own, so it is set again before each read."""
        if self.tcp is not None:
            with contextlib.suppress(OSError):
                self.tcp.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    async def read_packet(self) -> tuple[bytes, bytes] | None:
        """The next packet; None at a clean close; TimeoutError when the MTA says nothing for idle_timeout.

        Packets are cut from a buffer filled by reads of up to READ_SIZE: the MTA writes the unanswered packets
        (macros, NR_* stages, every header) back to back, so one read usually brings several. Reading each
        packet as two exact reads under two timeouts was most of the milter's CPU per message (issue 14)."""
        buffer = self.buffer
        while True:
            available = len(buffer) - self.offset
            if available >= 4:
                start = self.offset
                length = int.from_bytes(buffer[start : start + 4], "big")
                mp.check_length(length)
                if available >= 4 + length:
                    self.offset = start + 4 + length
                    return bytes(buffer[start + 4 : start + 5]), bytes(buffer[start + 5 : self.offset])
            if self.offset:  # keep only the unread tail
                del buffer[: self.offset]
                self.offset = 0
            self.quick_ack()
            async with asyncio.timeout(self.server.idle_timeout):  # no extra task per read, unlike wait_for
                data = await self.reader.read(READ_SIZE)
            if not data:
                if buffer:  # the MTA closed in the middle of a packet
                    raise asyncio.IncompleteReadError(bytes(buffer), None)
                return None  # a clean close between packets
            buffer += data

    def over_limit(self, added: int) -> bool:
        """Count `added` bytes of the message; past the cap, drop what was kept (once) and say so."""
        self.size += added
        if self.oversized or self.size <= self.server.max_message_size:
            return self.oversized
        self.oversized = True
        self.server.stats["oversized"] += 1
        envelope = self.session.envelope
        log.warning("message %s over --max-message-size (%d bytes): answered by --on-error %s",
                    envelope.queue_id or "-", self.server.max_message_size, self.server.on_error)  # fmt: skip
        envelope.headers.clear()
        envelope.body_chunks.clear()
        return True

    def new_message(self) -> None:
        self.size = 0
        self.oversized = False

    async def send(self, *responses: mp.Response) -> None:
        self.writer.write(b"".join(mp.encode_response(r) for r in responses))
        await self.writer.drain()

    async def run(self) -> None:
        while True:
            packet = await self.read_packet()
            if packet is None:
                await self._close_session()
                return
            command = mp.decode_command(*packet)
            if not await self.dispatch(command):
                return
            if self.release_pending:  # after a large message, once dispatch() has let go of its buffers
                self.release_pending = False
                del packet, command
                await asyncio.get_running_loop().run_in_executor(None, release_memory)

    async def dispatch(self, command: mp.Command) -> bool:
        """Handle one command; False ends the connection."""
        session = self.session
        envelope = session.envelope
        match command:
            case mp.OptNeg():
                await self.send(self.negotiate(command))
            case mp.Macro(stage, macros):
                if stage == mp.Cmd.CONNECT.value or stage == mp.Cmd.HELO.value:
                    session.macros.update(macros)
                else:
                    envelope.macros.update(macros)
                    envelope.queue_id = macros.get("i", envelope.queue_id)
            case mp.Connect(hostname, family, port, address):
                self.connected = True
                session.client_name = hostname
                session.client_port = port
                if family in (mp.Family.INET, mp.Family.INET6):
                    session.client_ip = address
                await self.stage("connect", session)
            case mp.Helo(name):
                session.helo = name
                await self.stage("helo", session)
            case mp.Mail(args):
                self.new_message()
                envelope.mail_from = command.address
                envelope.mail_args = args[1:]
                await self.stage("mail_from", session, envelope)
            case mp.Rcpt():
                envelope.rcpts.append(command.address)
                await self.stage("rcpt", session, envelope, command.address)
            # the guards below count the message's bytes (over_limit); past the cap they answer by the policy
            case mp.Header(name, value) if self.over_limit(len(name) + len(value) + 3):
                await self.refuse("header")
            case mp.Body(chunk) if self.over_limit(len(chunk)):
                await self.send(verdict_response(self.error_action()))
            case mp.EndOfMessage(chunk) if self.over_limit(len(chunk)):
                self.server.stats["messages"] += 1
                session.new_envelope()
                self.new_message()
                await self.send(verdict_response(self.error_action()))
            case mp.Simple(cmd=mp.Cmd.EOH) if self.oversized:
                await self.refuse("end_of_headers")
            case mp.Header(name, value):
                raw = mp.header_value_from_wire(value, self.leading_space)
                text_name = name.decode("utf-8", "surrogateescape")
                envelope.headers.append((text_name, raw))
                await self.stage("header", session, envelope, text_name, raw)
            case mp.Body(chunk):
                envelope.body_chunks.append(chunk)
                await self.stage("body", session, envelope, chunk)
            case mp.EndOfMessage(chunk):
                if chunk:
                    envelope.body_chunks.append(chunk)
                await self.end_of_message()
            case mp.Simple(cmd=mp.Cmd.EOH):
                await self.stage("end_of_headers", session, envelope)
            case mp.Simple(cmd=mp.Cmd.DATA):
                await self.send(mp.Reply(mp.Resp.CONTINUE))
            case mp.Simple(cmd=mp.Cmd.ABORT):
                await self.quiet("abort", session, envelope)
                session.new_envelope()
                self.new_message()
            case mp.Simple(cmd=mp.Cmd.QUIT):
                await self._close_session()
                return False
            case mp.Simple(cmd=mp.Cmd.QUIT_NC):
                await self._close_session()
                self.session = Session()
            case mp.Unknown():
                await self.send(mp.Reply(mp.Resp.CONTINUE))
        return True

    def negotiate(self, mta: mp.OptNeg) -> mp.OptNeg:
        if mta.version < 2:
            raise mp.ProtocolError(f"MTA speaks milter protocol {mta.version}, too old")
        wanted = mp.Proto.NOUNKNOWN | mp.Proto.NODATA | mp.Proto.HDR_LEADSPC
        for stage, flag in _NO_FLAGS.items():
            if not self.handler.needs(stage):
                wanted |= flag
        for stage, flag in _NO_REPLY_FLAGS.items():
            if not self.handler.implements(stage):
                wanted |= flag
        protocol = wanted & mta.protocol
        self.leading_space = bool(protocol & mp.Proto.HDR_LEADSPC)
        self.no_reply = frozenset(stage for stage, flag in _NO_REPLY_FLAGS.items() if protocol & flag)
        return mp.OptNeg(min(mp.PROTOCOL_VERSION, mta.version), OUR_ACTIONS & mta.actions, protocol)

    async def _close_session(self) -> None:
        if self.connected:
            self.connected = False
            await self.quiet("close", self.session)

    async def quiet(self, stage: str, *args: Any) -> None:
        """Hooks whose answer the MTA does not wait for (abort, close): errors are logged, never sent."""
        try:
            await asyncio.wait_for(call_hook(self.handler, stage, *args), self.server.timeout)
        except Exception:
            log.exception("%s hook failed", stage)

    async def run_hook(self, stage: str, *args: Any, progress: bool = False) -> tuple[Action, ...] | None:
        """The hook's actions, or None after an error or timeout (the caller applies on_error)."""
        if not progress:  # nothing to send while it runs: await it in this task, under one timeout
            try:
                async with asyncio.timeout(self.server.timeout):
                    return await call_hook(self.handler, stage, *args)
            except TimeoutError:
                self.server.stats["timeouts"] += 1
                log.warning("%s hook timed out after %.1fs", stage, self.server.timeout)
                return None
            except (ConnectionError, asyncio.CancelledError):
                raise
            except Exception:
                self.server.stats["errors"] += 1
                log.exception("%s hook failed", stage)
                return None
        task = asyncio.ensure_future(call_hook(self.handler, stage, *args))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.server.timeout
        interval = self.server.progress_interval if progress else self.server.timeout
        try:
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    task.cancel()
                    self.server.stats["timeouts"] += 1
                    log.warning("%s hook timed out after %.1fs", stage, self.server.timeout)
                    return None
                done, _ = await asyncio.wait({task}, timeout=min(interval, remaining))
                if done:
                    return task.result()
                if progress:
                    await self.send(mp.Reply(mp.Resp.PROGRESS))
        except (ConnectionError, asyncio.CancelledError):
            task.cancel()
            raise
        except Exception:
            self.server.stats["errors"] += 1
            log.exception("%s hook failed", stage)
            return None

    def error_action(self) -> Action:
        return ACCEPT if self.server.on_error == "accept" else tempfail(451, "4.7.1 Temporary authentication failure")

    async def refuse(self, stage: str) -> None:
        """The failure policy's answer, where the MTA waits for one; at a no-reply stage (SMFIP_NR_*) the answer
        would desynchronise the stream, so the policy answers at the body or end of message instead."""
        if stage not in self.no_reply:
            await self.send(verdict_response(self.error_action()))

    async def stage(self, stage: str, *args: Any) -> None:
        if stage in self.no_reply:
            return  # no hook here (negotiate checked) and the MTA waits for no answer
        if not self.handler.implements(stage):  # e.g. the body of a message only end_of_message looks at
            await self.send(CONTINUE_REPLY)
            return
        actions = await self.run_hook(stage, *args)
        verdict = self.error_action() if actions is None else decide(actions)[1]
        await self.send(verdict_response(verdict))

    async def end_of_message(self) -> None:
        session = self.session
        envelope = session.envelope
        actions = await self.run_hook("end_of_message", session, envelope, progress=True)
        data = None
        modifications: tuple[Action, ...] = ()
        verdict = self.error_action()
        if actions is not None:
            try:  # encode everything first: either all modifications go out, or none
                modifications, verdict = decide(actions)
                responses = [r for m in modifications for r in self.modification_responses(m)]
                responses.append(verdict_response(verdict))
                data = b"".join(mp.encode_response(r) for r in responses)
            except (ValueError, TypeError):  # a hook asked for something the protocol cannot carry
                self.server.stats["errors"] += 1
                log.exception("cannot encode the end-of-message answer")
                modifications, verdict = (), self.error_action()
        if data is None:
            data = mp.encode_response(verdict_response(verdict))
        log.info("%s", message_line(session, envelope, modifications, verdict))  # one line per message
        self.server.stats["messages"] += 1
        session.transactions += 1
        session.new_envelope()
        self.release_pending = self.size >= RELEASE_AFTER
        self.new_message()
        self.writer.write(data)
        await self.writer.drain()

    def modification_responses(self, action: Action) -> list[mp.Response]:
        def wire(value: str) -> str:
            return mp.header_value_to_wire(value, self.leading_space) if value else ""

        match action.kind:
            case Kind.ADD_HEADER:
                return [mp.AddHeader(action.name, wire(action.value))]
            case Kind.INSERT_HEADER:
                return [mp.InsHeader(action.index, action.name, wire(action.value))]
            case Kind.CHANGE_HEADER:
                return [mp.ChgHeader(action.index, action.name, wire(action.value))]
            case Kind.QUARANTINE:
                return [mp.Quarantine(action.text or "quarantined")]
            case Kind.REPLACE_BODY:
                body = action.body
                step = mp.MAX_BODY_CHUNK
                return [mp.ReplBody(body[i : i + step]) for i in range(0, max(len(body), 1), step)]
        raise ValueError(f"not a modification: {action.kind}")


def verdict_response(action: Action) -> mp.Response:
    match action.kind:
        case Kind.CONTINUE:
            return mp.Reply(mp.Resp.CONTINUE)
        case Kind.ACCEPT:
            return mp.Reply(mp.Resp.ACCEPT)
        case Kind.DISCARD:
            return mp.Reply(mp.Resp.DISCARD)
        case Kind.REJECT | Kind.TEMPFAIL:
            if action.code:
                return mp.ReplyCode(action.code, action.text)
            return mp.Reply(mp.Resp.REJECT if action.kind is Kind.REJECT else mp.Resp.TEMPFAIL)
    raise ValueError(f"not a verdict: {action.kind}")

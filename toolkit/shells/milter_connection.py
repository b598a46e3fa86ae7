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
from toolkit.shells.hooks import ACCEPT, Action, Session, call_hook, decide, tempfail
from toolkit.shells.hooks.outcome import message_line
from toolkit.shells.milter_answers import Ticker, answer_offer, modification_responses, verdict_response
from toolkit.shells.peers import address_in, peer_address
from toolkit.shells.server_limits import RELEASE_AFTER, release_memory

if TYPE_CHECKING:
    from toolkit.shells.milter import MilterServer

log = logging.getLogger("emlauth.milter")

CONTINUE_REPLY = mp.Reply(mp.Resp.CONTINUE)
PAUSE_ABOVE = 1 << 20  # bytes waiting in the buffer while a hook runs before reading pauses
PROGRESS_REPLY = mp.Reply(mp.Resp.PROGRESS)


class MilterConnection(asyncio.Protocol):
    """One MTA connection: a sequence of SMTP sessions (QUIT_NC starts a new one) with transactions inside.

    Packets are handled as they arrive (data_received), with no task or coroutine each: the state updates and
    the answers that need no hook happen at once. A packet whose hook must run (and every end of message)
    starts one task, and reading pauses until that task has answered, so packets are still handled one at a
    time and in order. With asyncio streams, a task per connection and two awaited exact reads per packet, the
    event loop's own work was most of the milter's CPU per message (issue 14).
    """

    def __init__(self, server: MilterServer) -> None:
        self.server = server
        self.handler = server.handler
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.session = Session()
        self.leading_space = False
        self.no_reply: frozenset[str] = frozenset()  # stages answered with nothing (SMFIP_NR_*)
        self.connected = False
        self.size = 0  # bytes of the current message seen so far (headers and body)
        self.oversized = False  # past max_message_size: nothing more is kept, every answer is the policy's
        self.release_pending = False  # a large message just ended: give its memory back to the OS
        self.packets = mp.PacketReader()  # bytes read and not yet handled
        self.task: asyncio.Task | None = None  # the one hook running; later packets wait in the buffer
        self.paused = False  # reading paused: a hook is running and more than PAUSE_ABOVE bytes wait
        self.counted = False  # in server.active
        self.closing = False
        self.eof = False  # the MTA closed its side; handled once the packets before it are
        self.last_read = 0.0
        self.idle_timer: asyncio.TimerHandle | None = None
        self.writable: asyncio.Future | None = None  # set while the transport's write buffer is full
        self.tcp: socket.socket | None = None

    # -- the transport's callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        server = self.server
        address = peer_address(transport.get_extra_info("peername"))
        if address is not None and not address_in(address, server.allow):
            # issue 15: whoever speaks milter names the client and gets mail signed; refuse before any packet
            server.stats["refused"] += 1
            log.warning("refused a milter connection from %s (not in --allow)", address)
            self.finish()
            return
        if server.active >= server.max_connections:
            server.stats["busy"] += 1  # the MTA applies milter_default_action; the others keep being served
            log.warning("refused a milter connection: %d open (--max-connections)", server.active)
            self.finish()
            return
        server.active += 1
        server.stats["connections"] += 1
        self.counted = True
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            self.tcp = sock
        self.last_read = self.loop.time()
        self.idle_timer = self.loop.call_later(server.idle_timeout, self.check_idle)
        self.quick_ack()

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        self.last_read = self.loop.time()
        self.packets.add(data)
        if self.task is None:
            self.process()
        elif self.packets.pending > PAUSE_ABOVE and not self.paused:
            # a hook is running and the MTA keeps writing: stop reading until it is done (backpressure). Not at
            # every task: pausing and resuming cost two epoll_ctl calls per message (issue 14).
            assert self.transport is not None
            self.transport.pause_reading()
            self.paused = True
            self.server.stats["paused"] += 1
        self.quick_ack()

    def eof_received(self) -> bool:
        self.eof = True
        if self.task is None:
            self.process()
        return True  # the transport stays open until finish(): the close hook may still be running

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        if self.idle_timer is not None:
            self.idle_timer.cancel()
        if self.task is not None:
            self.task.cancel()
        if self.writable is not None and not self.writable.done():
            self.writable.set_exception(ConnectionResetError("the MTA closed the connection"))
        if self.counted:
            self.counted = False
            self.server.active -= 1

    def pause_writing(self) -> None:
        self.writable = self.loop.create_future()

    def resume_writing(self) -> None:
        if self.writable is not None and not self.writable.done():
            self.writable.set_result(None)
        self.writable = None

    # -- reading

    def quick_ack(self) -> None:
        """ACK what arrives at once. The MTA writes packets the milter does not answer (macros, and the NR_*
        stages) one by one; with Nagle on its side and delayed ACKs on ours, each such write waited up to 40 ms
        for our ACK: 48 ms of the 51 ms a message took through Postfix (issue 14). Linux leaves quick-ACK mode
        on its own, so it is set again after each read."""
        if self.tcp is not None and not self.closing:
            with contextlib.suppress(OSError):
                self.tcp.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    def check_idle(self) -> None:
        """Close a connection on which the MTA said nothing for idle_timeout (a hook running is not idleness)."""
        if self.closing:
            return
        timeout = self.server.idle_timeout
        quiet_for = self.loop.time() - self.last_read
        if self.task is None and quiet_for >= timeout:
            self.server.stats["idle_closed"] += 1
            log.info("closed a milter connection idle for %.0f s", timeout)
            self.finish()
            return
        self.idle_timer = self.loop.call_later(timeout if self.task else timeout - quiet_for, self.check_idle)

    def process(self) -> None:
        """Handle the buffered packets in order until one needs a task; then what the MTA's close asks."""
        try:
            while self.task is None and not self.closing:
                packet = self.packets.next()
                if packet is None:
                    break
                self.handle(mp.decode_command(*packet))
        except (mp.ProtocolError, ConnectionError) as exc:  # a bad packet, or the MTA left
            self.end(exc)
            return
        except Exception:  # a bug here must cost this connection, never the server
            log.exception("milter connection failed")
            self.finish()
            return
        if self.eof and self.task is None and not self.closing:
            if self.packets.pending:
                self.end(f"the MTA closed in the middle of a packet ({self.packets.pending} bytes)")
            else:
                self.end_session(then_finish=True)  # a clean close between packets

    def start(self, work: Any, then_finish: bool = False) -> None:
        """Run `work` (a coroutine) as this connection's one task; the packets after it wait in the buffer."""
        self.task = self.loop.create_task(work)
        self.task.add_done_callback(lambda task: self.done(task, then_finish))

    def done(self, task: asyncio.Task, then_finish: bool) -> None:
        self.task = None
        if self.paused:
            self.paused = False
            if not self.closing and self.transport is not None:
                self.transport.resume_reading()
        if task.cancelled() or self.closing:
            return
        error = task.exception()
        if isinstance(error, (mp.ProtocolError, ConnectionError)):
            self.end(error)
            return
        if error is not None:
            log.error("milter connection failed", exc_info=error)
            self.finish()
            return
        if then_finish:
            self.finish()
            return
        if self.release_pending:  # after a large message, once its buffers are let go
            self.release_pending = False
            self.packets.shrink()
            self.start(self.release_memory())
            return
        self.process()

    async def release_memory(self) -> None:
        await self.loop.run_in_executor(None, release_memory)

    def end(self, reason: object) -> None:
        log.info("milter connection ended: %s", reason)
        self.finish()

    def finish(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.close()

    # -- writing

    def write(self, *responses: mp.Response) -> None:
        self.write_data(b"".join(mp.encode_response(r) for r in responses))

    def write_data(self, data: bytes) -> None:
        assert self.transport is not None
        if self.closing or self.transport.is_closing():
            raise ConnectionResetError("the milter connection is closed")
        self.transport.write(data)

    async def send(self, *responses: mp.Response) -> None:
        self.write(*responses)
        if self.writable is not None:  # the MTA is not reading: wait for it (the transport's flow control)
            await self.writable

    # -- the protocol

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

    def handle(self, command: mp.Command) -> None:
        """Update the state for one command and answer it, or start the task that will."""
        session = self.session
        envelope = session.envelope
        match command:
            case mp.OptNeg():
                self.write(self.negotiate(command))
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
                self.stage("connect", session)
            case mp.Helo(name):
                session.helo = name
                self.stage("helo", session)
            case mp.Mail(args):
                self.new_message()
                envelope.mail_from = command.address
                envelope.mail_args = args[1:]
                self.stage("mail_from", session, envelope)
            case mp.Rcpt():
                envelope.rcpts.append(command.address)
                self.stage("rcpt", session, envelope, command.address)
            # the guards below count the message's bytes (over_limit); past the cap they answer by the policy
            case mp.Header(name, value) if self.over_limit(len(name) + len(value) + 3):
                self.refuse("header")
            case mp.Body(chunk) if self.over_limit(len(chunk)):
                self.refuse("body")
            case mp.EndOfMessage(chunk) if self.over_limit(len(chunk)):
                self.server.stats["messages"] += 1
                session.new_envelope()
                self.new_message()
                self.write(verdict_response(self.error_action()))
            case mp.Simple(cmd=mp.Cmd.EOH) if self.oversized:
                self.refuse("end_of_headers")
            case mp.Header(name, value):
                raw = mp.header_value_from_wire(value, self.leading_space)
                text_name = name.decode("utf-8", "surrogateescape")
                envelope.headers.append((text_name, raw))
                self.stage("header", session, envelope, text_name, raw)
            case mp.Body(chunk):
                envelope.body_chunks.append(chunk)
                self.stage("body", session, envelope, chunk)
            case mp.EndOfMessage(chunk):
                if chunk:
                    envelope.body_chunks.append(chunk)
                self.start(self.end_of_message())
            case mp.Simple(cmd=mp.Cmd.EOH):
                self.stage("end_of_headers", session, envelope)
            case mp.Simple(cmd=mp.Cmd.DATA):
                self.write(CONTINUE_REPLY)
            case mp.Simple(cmd=mp.Cmd.ABORT):
                if self.handler.implements("abort"):
                    self.start(self.abort(session, envelope))
                else:
                    session.new_envelope()
                    self.new_message()
            case mp.Simple(cmd=mp.Cmd.QUIT):
                self.end_session(then_finish=True)
            case mp.Simple(cmd=mp.Cmd.QUIT_NC):
                self.end_session(new_session=True)
            case mp.Unknown():
                self.write(CONTINUE_REPLY)

    def negotiate(self, mta: mp.OptNeg) -> mp.OptNeg:
        """Our answer to the MTA's offer; the same offer comes on every connection, so it is worked out once."""
        key = (mta.version, mta.actions, mta.protocol)
        known = self.server.negotiated.get(key)
        if known is None:
            known = answer_offer(self.handler, mta)
            if len(self.server.negotiated) < 64:  # a peer cycling through offers must not grow it without end
                self.server.negotiated[key] = known
        answer, self.leading_space, self.no_reply = known
        return answer

    async def abort(self, session: Session, envelope: Any) -> None:
        await self.quiet("abort", session, envelope)
        session.new_envelope()
        self.new_message()

    def end_session(self, new_session: bool = False, then_finish: bool = False) -> None:
        """QUIT, QUIT_NC or the MTA's close: the close hook in a task if there is one, else at once."""
        if self.connected and self.handler.implements("close"):
            self.start(self.close_session(new_session), then_finish=then_finish)
            return
        self.connected = False
        if new_session:
            self.session = Session()
        if then_finish:
            self.finish()

    async def close_session(self, new_session: bool = False) -> None:
        if self.connected:
            self.connected = False
            await self.quiet("close", self.session)
        if new_session:
            self.session = Session()

    async def quiet(self, stage: str, *args: Any) -> None:
        """Hooks whose answer the MTA does not wait for (abort, close): errors are logged, never sent."""
        if not self.handler.implements(stage):
            return
        try:
            async with asyncio.timeout(self.server.timeout):
                await call_hook(self.handler, stage, *args)
        except Exception:
            log.exception("%s hook failed", stage)

    async def run_hook(self, stage: str, *args: Any, progress: bool = False) -> tuple[Action, ...] | None:
        """The hook's actions, or None after an error or timeout (the caller applies on_error).

        With `progress`, SMFIR_PROGRESS goes out every progress_interval while the hook runs, so the MTA keeps
        waiting; a timer sends it, so the hook is awaited right here, with no second task per message."""
        ticker = Ticker(self.loop, self.server.progress_interval, self.send_progress) if progress else None
        deadline = asyncio.timeout(self.server.timeout)
        try:
            async with deadline:
                return await call_hook(self.handler, stage, *args)
        except TimeoutError:
            if not deadline.expired():  # the hook's own TimeoutError is an error like any other
                self.server.stats["errors"] += 1
                log.exception("%s hook failed", stage)
                return None
            self.server.stats["timeouts"] += 1
            log.warning("%s hook timed out after %.1fs", stage, self.server.timeout)
            return None
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception:
            self.server.stats["errors"] += 1
            log.exception("%s hook failed", stage)
            return None
        finally:
            if ticker is not None:
                ticker.cancel()

    def send_progress(self) -> None:
        with contextlib.suppress(ConnectionError):  # the MTA left: the hook's task is cancelled next
            self.write(PROGRESS_REPLY)

    def error_action(self) -> Action:
        return ACCEPT if self.server.on_error == "accept" else tempfail(451, "4.7.1 Temporary authentication failure")

    def refuse(self, stage: str) -> None:
        """The failure policy's answer, where the MTA waits for one; at a no-reply stage (SMFIP_NR_*) the answer
        would desynchronise the stream, so the policy answers at the next stage that has one (the body, or the end
        of message when the body has none either)."""
        if stage not in self.no_reply:
            self.write(verdict_response(self.error_action()))

    def stage(self, stage: str, *args: Any) -> None:
        if stage in self.no_reply:
            return  # no hook here (negotiate checked) and the MTA waits for no answer
        if not self.handler.implements(stage):  # e.g. the body of a message only end_of_message looks at
            self.write(CONTINUE_REPLY)
            return
        self.start(self.hook_stage(stage, *args))

    async def hook_stage(self, stage: str, *args: Any) -> None:
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
                responses = [r for m in modifications for r in modification_responses(m, self.leading_space)]
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
        self.write_data(data)
        if self.writable is not None:
            await self.writable

"""Embedded SMTP pipeline (aiosmtpd): drives the same hooks as the milter and delivers the result.

    with Pipeline(handler, maildir=tmp_path / "Maildir") as p:
        smtplib.SMTP(p.host, p.port).sendmail(...)

The server calls connect/helo at the first HELO/EHLO, mail_from/rcpt at MAIL/RCPT, and header/end_of_headers/
body/end_of_message after DATA, applies the modifications exactly as an MTA applies milter requests
(hooks.apply_modifications), then stores the message in a Maildir (quarantined mail in its `.Quarantine` folder) or
relays it to a next hop. Reject and tempfail become 5xx/4xx replies.

Who the client is (issue 15: signing depends on it) is decided in this order, each step trusted only from the
peers configured for it:
- the socket peer;
- a PROXY protocol v1 header, with `proxy_from=` networks: every connection must start with one, and only a
  socket peer in those networks may send it; its source address becomes the client;
- XCLIENT (`XCLIENT ADDR=192.0.2.1 NAME=... HELO=...`, Postfix semantics: the session restarts and the client says
  EHLO again), only from socket peers in `xclient_from` (loopback by default) and never on a connection that began
  with PROXY: there the socket peer is the proxy, and the client is whoever the proxy relayed.
Hooks see only the final address (Session.client_ip), so SignHandler's internal-hosts test runs on it.

Bounds (issue 15): `max_message_size` (aiosmtpd answers 552 and keeps nothing past it), `idle_timeout` per
connection, `max_connections` open at once (421 past it), and parsing, verifying and rebuilding a message run in
the executor, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP

from toolkit.shells.hooks import (
    ACCEPT,
    Action,
    Envelope,
    Handler,
    Kind,
    Session,
    apply_modifications,
    call_hook,
    decide,
    tempfail,
)
from toolkit.shells.hooks.outcome import message_line
from toolkit.shells.peers import LOOPBACK, Network, address_in, parse_networks, peer_address
from toolkit.shells.server_limits import (
    BACKLOG,
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_MESSAGE_SIZE,
    RELEASE_AFTER,
    connection_cap,
    release_memory,
)
from toolkit.shells.smtp_delivery import MaildirDelivery, RelayDelivery
from toolkit.shells.smtp_text import received_field, smtp_reply, split_content, xclient_attributes

log = logging.getLogger("emlauth.pipeline")

BODY_CHUNK = 65536


# ---------------------------------------------------------------- the aiosmtpd side


@dataclass(slots=True)
class ConnectionState:
    session: Session = field(default_factory=Session)
    connected: bool = False  # connect hook has run
    skip: bool = False  # an ACCEPT at connect/helo: no more hooks on this connection
    skip_transaction: bool = False  # an ACCEPT at mail/rcpt: no more hooks for this transaction
    refusal: str | None = None  # a reject at connect/helo: every later command gets this reply
    xclient: dict[str, str] = field(default_factory=dict)
    esmtp: bool = False  # the client said EHLO (for the Received field's "with ESMTP")


class HookBridge:
    """aiosmtpd handler object translating SMTP events into our hooks."""

    def __init__(
        self,
        handler: Handler,
        delivery: MaildirDelivery | RelayDelivery,
        *,
        on_error: str = "tempfail",
        timeout: float = 60.0,
        hostname: str = "localhost",
        trace: bool = False,
        proxy_from: Sequence[Network] = (),
        xclient_from: Sequence[Network] = (),
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        self.handler = handler
        self.delivery = delivery
        self.hostname = hostname
        self.trace = trace
        self.on_error = on_error
        self.timeout = timeout
        self.proxy_from = tuple(proxy_from)
        self.xclient_from = tuple(xclient_from)
        self.max_connections = connection_cap(max_connections)
        self.active = 0
        self.stats = {
            "delivered": 0,
            "rejected": 0,
            "tempfailed": 0,
            "discarded": 0,
            "quarantined": 0,
            "errors": 0,
            "busy": 0,
        }

    @staticmethod
    def state(session: Any) -> ConnectionState:
        state = getattr(session, "emlauth", None)
        if state is None:
            state = ConnectionState()
            session.emlauth = state
        return state

    async def run(self, stage: str, *args: Any) -> tuple[Action, ...]:
        try:
            return await asyncio.wait_for(call_hook(self.handler, stage, *args), self.timeout)
        except Exception:
            self.stats["errors"] += 1
            log.exception("%s hook failed", stage)
            return (ACCEPT if self.on_error == "accept" else tempfail(451, "4.7.1 Temporary authentication failure"),)

    async def ensure_connected(self, smtp_session: Any) -> str | None:
        state = self.state(smtp_session)
        if state.connected:
            return state.refusal
        state.connected = True
        ours = state.session
        peer = smtp_session.peer
        ip = peer[0] if isinstance(peer, tuple) else None
        proxy = getattr(smtp_session, "proxy_data", None)
        if proxy is not None and getattr(proxy, "src_addr", None):
            ip = str(proxy.src_addr)
        addr = state.xclient.get("ADDR")
        if addr and not addr.startswith("["):
            ip = addr[5:] if addr.upper().startswith("IPV6:") else addr
        ours.client_ip = ip
        ours.client_name = state.xclient.get("NAME", "") if state.xclient.get("NAME", "")[:1] != "[" else ""
        if state.xclient.get("HELO") and not state.xclient["HELO"].startswith("["):
            ours.helo = state.xclient["HELO"]
        return await self.verdict_reply(state, await self.run("connect", ours), connection_level=True)

    async def verdict_reply(self, state: ConnectionState, actions: Sequence[Action], *, connection_level=False):
        """None to go on, or the SMTP reply that ends this stage."""
        _, verdict = decide(actions)
        if verdict.kind is Kind.CONTINUE:
            return None
        if verdict.kind is Kind.ACCEPT:
            if connection_level:
                state.skip = True
            else:
                state.skip_transaction = True
            return None
        reply = smtp_reply(verdict)
        if connection_level:
            state.refusal = reply
        return reply

    # aiosmtpd hooks ------------------------------------------------

    async def handle_PROXY(self, server: SMTP, session: Any, envelope: Any, proxy_data: Any) -> bool:
        """A PROXY header counts only from a configured proxy; anyone else's closes the connection."""
        if not address_in(peer_address(session.peer), self.proxy_from):
            log.warning("refused a PROXY header from %s (not in --proxy-from)", peer_address(session.peer))
            return False
        return bool(proxy_data and proxy_data.valid)

    def xclient_allowed(self, session: Any) -> bool:
        """XCLIENT from a configured peer, never on a proxied connection (its socket peer is the proxy)."""
        if getattr(session, "proxy_data", None) is not None:
            return False
        return address_in(peer_address(session.peer), self.xclient_from)

    async def handle_EHLO(self, server, session, envelope, hostname: str, responses: list[str]) -> list[str]:
        refusal = await self.hello(session, hostname)
        if refusal:
            return [refusal]
        session.host_name = hostname
        self.state(session).esmtp = True
        if self.xclient_allowed(session):
            responses.insert(-1, "250-XCLIENT ADDR NAME HELO PROTO")
        return responses

    async def handle_HELO(self, server, session, envelope, hostname: str) -> str:
        refusal = await self.hello(session, hostname)
        if refusal:
            return refusal
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def hello(self, session: Any, hostname: str) -> str | None:
        refusal = await self.ensure_connected(session)
        state = self.state(session)
        if refusal or state.skip:
            return refusal
        state.session.helo = hostname
        return await self.verdict_reply(state, await self.run("helo", state.session), connection_level=True)

    async def handle_MAIL(self, server, session, envelope, address: str, mail_options: list[str]) -> str:
        state = self.state(session)
        if state.refusal:
            return state.refusal
        state.skip_transaction = False
        ours = state.session.new_envelope()
        ours.mail_from = address
        ours.mail_args = tuple(mail_options)
        if not state.skip:
            reply = await self.verdict_reply(state, await self.run("mail_from", state.session, ours))
            if reply:
                return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options: list[str]) -> str:
        state = self.state(session)
        if state.refusal:
            return state.refusal
        ours = state.session.envelope
        if not (state.skip or state.skip_transaction):
            reply = await self.verdict_reply(state, await self.run("rcpt", state.session, ours, address))
            if reply:
                return reply
        ours.rcpts.append(address)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_RSET(self, server, session, envelope) -> str:
        state = self.state(session)
        if state.session.envelope.mail_from is not None and not state.skip:
            with contextlib.suppress(Exception):
                await call_hook(self.handler, "abort", state.session, state.session.envelope)
        state.session.new_envelope()
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        state = self.state(session)
        ours = state.session.envelope
        try:
            reply = await self.filter_and_deliver(state, ours, envelope.original_content or b"")
        finally:
            state.session.transactions += 1
            state.session.new_envelope()
        return reply

    async def filter_and_deliver(self, state: ConnectionState, ours: Envelope, content: bytes) -> str:
        loop = asyncio.get_running_loop()
        ours.queue_id = ours.queue_id or secrets.token_hex(5).upper()
        try:
            reply, actions, verdict = await self._filter_and_deliver(state, ours, content, loop)
            delivery = "delivered" if reply.startswith("250") else f"failed:{reply[:3]}"
            log.info("%s", message_line(state.session, ours, actions, verdict, delivery))  # one line per message
            return reply
        finally:
            if len(content) >= RELEASE_AFTER:
                # give the pages back to the OS once aiosmtpd has dropped its copies (its DATA frame and
                # envelope hold them until the reply is sent); later is harmless, sooner would free nothing
                loop.call_later(1.0, loop.run_in_executor, None, release_memory)

    async def _filter_and_deliver(
        self, state: ConnectionState, ours: Envelope, content: bytes, loop: asyncio.AbstractEventLoop
    ) -> tuple[str, tuple[Action, ...], Action]:
        raw, headers, body = await loop.run_in_executor(None, split_content, content)  # CPU work: off the loop
        ours.headers.extend(headers)
        ours.body_chunks = [body[i : i + BODY_CHUNK] for i in range(0, len(body), BODY_CHUNK)]
        modifications: tuple[Action, ...] = ()
        verdict = ACCEPT
        if not (state.skip or state.skip_transaction):
            verdict, modifications = await self.content_hooks(state.session, ours)
        if verdict.kind in (Kind.REJECT, Kind.TEMPFAIL):
            self.stats["rejected" if verdict.kind is Kind.REJECT else "tempfailed"] += 1
            return smtp_reply(verdict), modifications, verdict
        if verdict.kind is Kind.DISCARD:
            self.stats["discarded"] += 1
            return "250 2.0.0 OK (discarded)", modifications, verdict
        try:
            output = await loop.run_in_executor(None, apply_modifications, ours.headers, body, modifications)
        except (ValueError, TypeError, UnicodeError):
            log.exception("cannot apply the modifications")
            self.stats["errors"] += 1
            if self.on_error != "accept":
                return "451 4.7.1 Temporary authentication failure", (), tempfail()
            output, modifications = raw, ()
        if self.trace:  # RFC 5321 §4.4: our trace field on top, so --trust-received 1 can check it again
            output = received_field(state.session, ours, self.hostname, state.esmtp) + output
        quarantine = next((m.text for m in modifications if m.kind is Kind.QUARANTINE), None)
        try:
            where = await loop.run_in_executor(
                None, self.delivery.deliver, ours.mail_from or "", list(ours.rcpts), output, quarantine
            )
        except Exception as exc:
            log.exception("delivery failed")
            self.stats["errors"] += 1
            return f"451 4.3.0 Delivery failed: {type(exc).__name__}", modifications, verdict
        self.stats["quarantined" if quarantine is not None else "delivered"] += 1
        return f"250 2.0.0 OK {where}", modifications, verdict

    async def content_hooks(self, session: Session, ours: Envelope) -> tuple[Action, tuple[Action, ...]]:
        for stage, args in (
            *(("header", (session, ours, name, value)) for name, value in ours.headers),
            ("end_of_headers", (session, ours)),
            *(("body", (session, ours, chunk)) for chunk in ours.body_chunks),
        ):
            if not self.handler.implements(stage):
                continue
            _, verdict = decide(await self.run(stage, *args))
            if verdict.kind is Kind.ACCEPT:
                return ACCEPT, ()
            if verdict.kind is not Kind.CONTINUE:
                return verdict, ()
        modifications, verdict = decide(await self.run("end_of_message", session, ours))
        if verdict.kind is Kind.CONTINUE:
            verdict = ACCEPT
        return verdict, modifications

    async def close(self, session: Any) -> None:
        state = self.state(session)
        if state.connected:
            state.connected = False
            with contextlib.suppress(Exception):
                await call_hook(self.handler, "close", state.session)


class PipelineSMTP(SMTP):
    """aiosmtpd's SMTP plus XCLIENT and a close hook."""

    async def smtp_XCLIENT(self, arg: str | None) -> None:
        bridge: HookBridge = self.event_handler
        if not bridge.xclient_allowed(self.session):
            await self.push("550 5.7.0 Error: insufficient authorization")
            return
        if not arg:
            await self.push("501 5.5.4 Syntax: XCLIENT attribute=value...")
            return
        attrs = xclient_attributes(arg)
        if isinstance(attrs, str):
            await self.push(attrs)
            return
        await bridge.close(self.session)  # the old identity ends; a new one starts at the next EHLO
        state = bridge.state(self.session)
        state.xclient.update(attrs)
        state.session = Session()
        state.refusal = None
        state.skip = False
        self._set_rset_state()
        self.session.host_name = None
        self.session.extended_smtp = False
        await self.push(f"220 {self.hostname} ESMTP emlauth pipeline")

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        bridge: HookBridge = self.event_handler
        if bridge.active >= bridge.max_connections:  # refused before aiosmtpd starts a session for it
            bridge.stats["busy"] += 1
            log.warning("refused an SMTP connection: %d open (--max-connections)", bridge.active)
            self.refused = True
            transport.write(b"421 4.7.0 Too many connections, try again later\r\n")  # type: ignore[attr-defined]
            transport.close()
            return
        bridge.active += 1
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if getattr(self, "refused", False):
            return
        bridge: HookBridge = self.event_handler
        bridge.active -= 1
        if self.session is not None and getattr(self.session, "emlauth", None) is not None:
            self.loop.create_task(bridge.close(self.session))
        super().connection_lost(error)


# ---------------------------------------------------------------- the server, in a thread or in the foreground


class Pipeline:
    """The embedded SMTP server. Context manager (runs in a thread) or `serve_forever()` in the foreground."""

    def __init__(
        self,
        handler: Handler,
        *,
        maildir: Path | str | None = None,
        relay: tuple[str, int] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        proxy_from: Sequence[str] = (),
        xclient_from: Sequence[str] = LOOPBACK,
        on_error: str = "tempfail",
        timeout: float = 60.0,
        hostname: str = "pipeline.emlauth.test",
        trace: bool = False,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        if (maildir is None) == (relay is None):
            raise ValueError("give exactly one of maildir= or relay=")
        self.delivery = MaildirDelivery(maildir, trace) if maildir is not None else RelayDelivery(*relay)  # type: ignore[misc]
        self.bridge = HookBridge(
            handler,
            self.delivery,
            on_error=on_error,
            timeout=timeout,
            hostname=hostname,
            trace=trace,
            proxy_from=parse_networks(proxy_from, "--proxy-from"),
            xclient_from=parse_networks(xclient_from, "--xclient-from"),
            max_connections=max_connections,
        )
        self.host = host
        self.port = port
        self.proxy_protocol = bool(self.bridge.proxy_from)  # a PROXY header is then required on every connection
        self.hostname = hostname
        self.max_message_size = max_message_size
        self.idle_timeout = idle_timeout
        self.loop: asyncio.AbstractEventLoop | None = None
        self.server: asyncio.AbstractServer | None = None
        self.thread: threading.Thread | None = None

    @property
    def stats(self) -> dict[str, int]:
        return self.bridge.stats

    def messages(self, folder: str | None = None) -> list[bytes]:
        if not isinstance(self.delivery, MaildirDelivery):
            raise TypeError("messages() needs a Maildir pipeline")
        return self.delivery.messages(folder)

    def _factory(self) -> SMTP:
        return PipelineSMTP(
            self.bridge,
            hostname=self.hostname,
            data_size_limit=self.max_message_size,
            timeout=self.idle_timeout,
            proxy_protocol_timeout=5.0 if self.proxy_protocol else None,
            loop=self.loop,
        )

    async def start_async(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.server = await self.loop.create_server(
            self._factory, self.host, self.port, reuse_address=True, backlog=BACKLOG
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def serve_forever(self) -> None:
        await self.start_async()
        log.warning("emlauth pipeline listening on %s:%d", self.host, self.port)
        assert self.server is not None
        async with self.server:
            await self.server.serve_forever()

    def start(self) -> Pipeline:
        loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=loop.run_forever, name="emlauth-pipeline", daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.start_async(), loop).result(timeout=10)
        return self

    def stop(self) -> None:
        if self.thread is None or self.loop is None:
            return
        loop = self.loop

        async def shutdown() -> None:
            assert self.server is not None
            self.server.close()
            await self.server.wait_closed()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        self.thread.join(timeout=10)
        self.thread = None

    def __enter__(self) -> Pipeline:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

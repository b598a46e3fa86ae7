"""A milter (Sendmail mail filter protocol v6) that lets Postfix or Sendmail drive our hooks (hooks.py).

Why pure asyncio and not pymilter: pymilter wraps libmilter (a C library plus a compiler at install time) and runs
one OS thread per connection with callbacks that block; our hooks may be coroutines. The wire protocol is small and
well documented (libmilter's mfapi.h/mfdef.h, Postfix milter8.c behaviour), so a sans-IO codec
(milter_protocol.py) plus this asyncio shell gives us no C dependency, one process serving many connections, and a
codec we can test packet by packet and reuse in the test MTA client. Each connection is an asyncio.Protocol
(milter_connection.py); CPU parallelism comes from pre-forked processes (prefork.py), since under the GIL threads
give verification none.

Failure policy: an exception in a hook or a hook running past `timeout` answers with `on_error` (tempfail by
default, or accept). Modifications are only sent after the end-of-message hook has finished, so a failure never
sends half of them: the message is either changed as a whole, left as it was, or tempfailed. While a slow
end-of-message hook runs we send SMFIR_PROGRESS every `progress_interval` seconds so the MTA keeps waiting.

Bounds (issue 15): only peers in `allow` are served; at most `max_connections` at once (fewer if the file limit
says so); a connection idle for `idle_timeout` is closed; a message past `max_message_size` (headers and body as
the MTA sends them) is answered by the failure policy at once and nothing more of it is kept; after a large
message the freed memory goes back to the OS.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.shells.common import UsageError
from toolkit.shells.hooks import Handler
from toolkit.shells.milter_connection import MilterConnection
from toolkit.shells.peers import LOOPBACK, parse_networks
from toolkit.shells.server_limits import (
    BACKLOG,
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_MESSAGE_SIZE,
    connection_cap,
)

log = logging.getLogger("emlauth.milter")


@dataclass(frozen=True, slots=True)
class ListenSpec:
    kind: str  # "inet" or "unix"
    host: str = ""
    port: int = 0
    path: str = ""

    def __str__(self) -> str:
        return f"unix:{self.path}" if self.kind == "unix" else f"inet:{self.host}:{self.port}"


def parse_listen(text: str) -> ListenSpec:
    """'inet:127.0.0.1:8891', 'inet:8891@127.0.0.1' (Sendmail spelling), 'inet6:[::1]:8891', 'unix:/path'."""
    scheme, sep, rest = text.partition(":")
    if not sep:
        raise UsageError(f"bad listen address {text!r} (want inet:HOST:PORT or unix:PATH)")
    scheme = scheme.lower()
    if scheme in ("unix", "local"):
        if not rest:
            raise UsageError("unix: needs a path")
        return ListenSpec("unix", path=rest)
    if scheme not in ("inet", "inet6"):
        raise UsageError(f"bad listen scheme {scheme!r}")
    if "@" in rest:
        port_text, _, host = rest.partition("@")
    elif rest.startswith("["):
        host, _, port_text = rest[1:].partition("]:")
    else:
        host, _, port_text = rest.rpartition(":")
    if not (port_text.isascii() and port_text.isdigit()) or not 0 <= int(port_text) < 65536:
        raise UsageError(f"bad port in {text!r}")
    return ListenSpec("inet", host=host or "127.0.0.1", port=int(port_text))


class MilterServer:
    def __init__(
        self,
        handler: Handler,
        *,
        on_error: str = "tempfail",
        timeout: float = 60.0,
        progress_interval: float = 5.0,
        workers: int = 16,
        allow: Sequence[str] = LOOPBACK,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        if on_error not in ("tempfail", "accept"):
            raise UsageError("--on-error must be tempfail or accept")
        self.handler = handler
        self.on_error = on_error
        self.timeout = timeout
        self.progress_interval = progress_interval
        self.workers = workers
        self.allow = parse_networks(allow, "--allow")
        self.max_message_size = max_message_size
        self.idle_timeout = idle_timeout
        self.max_connections = connection_cap(max_connections)
        self.active = 0
        self.negotiated: dict[tuple, tuple] = {}  # the MTA's offer -> our answer (MilterConnection.negotiate)
        self.server: asyncio.AbstractServer | None = None
        self.spec: ListenSpec | None = None
        self.stats = {
            "connections": 0,
            "messages": 0,
            "errors": 0,
            "timeouts": 0,
            "refused": 0,
            "busy": 0,
            "idle_closed": 0,
            "oversized": 0,
            "paused": 0,  # reading paused while a hook ran and more than PAUSE_ABOVE bytes waited
        }

    async def start(self, listen: str | ListenSpec, sock: socket.socket | None = None) -> ListenSpec:
        """Listen on `listen`, or serve `sock`, a socket already listening there (prefork.py: one per worker)."""
        spec = parse_listen(listen) if isinstance(listen, str) else listen
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(self.workers, thread_name_prefix="emlauth-milter"))

        def connection() -> MilterConnection:
            return MilterConnection(self)

        if sock is not None:
            create = loop.create_unix_server if spec.kind == "unix" else loop.create_server
            self.server = await create(connection, sock=sock)
            self.spec = spec
        elif spec.kind == "unix":
            with contextlib.suppress(FileNotFoundError):
                if Path(spec.path).is_socket():
                    os.unlink(spec.path)
            self.server = await loop.create_unix_server(connection, spec.path, backlog=BACKLOG)
            self.spec = spec
        else:
            self.server = await loop.create_server(
                connection, spec.host, spec.port, reuse_address=True, backlog=BACKLOG
            )
            port = self.server.sockets[0].getsockname()[1]
            self.spec = ListenSpec("inet", spec.host, port)
        return self.spec

    async def serve_forever(self) -> None:
        assert self.server is not None
        async with self.server:
            await self.server.serve_forever()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


class BackgroundMilter:
    """Run a MilterServer on its own event loop in a thread (tests, the Postfix harness, bench)."""

    def __init__(self, handler: Handler, listen: str = "inet:127.0.0.1:0", **options: Any) -> None:
        self.server = MilterServer(handler, **options)
        self.listen = listen
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="emlauth-milter-loop", daemon=True)
        self.spec: ListenSpec | None = None

    def start(self) -> BackgroundMilter:
        self.thread.start()
        future = asyncio.run_coroutine_threadsafe(self.server.start(self.listen), self.loop)
        self.spec = future.result(timeout=10)
        return self

    @property
    def host(self) -> str:
        assert self.spec is not None
        return self.spec.host

    @property
    def port(self) -> int:
        assert self.spec is not None
        return self.spec.port

    @property
    def address(self) -> str:
        return str(self.spec)

    def stop(self) -> None:
        if self.thread.is_alive():
            asyncio.run_coroutine_threadsafe(self.server.close(), self.loop).result(timeout=10)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)

    def __enter__(self) -> BackgroundMilter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


async def serve(handler: Handler, listen: str, sock: socket.socket | None = None, **options: Any) -> None:
    """Run until cancelled (the `emlauth milter` command); `sock`: see MilterServer.start."""
    server = MilterServer(handler, **options)
    spec = await server.start(listen, sock)
    log.warning("emlauth milter listening on %s", spec)
    await server.serve_forever()

"""Several milter processes behind one listening socket: bound once by the parent, then fork (issue 14 §3).

Why processes: verification is CPU work under the GIL, so one milter process uses one core however many
threads it has; with N processes Postfix's connections spread over N cores.

Why pre-forked behind one socket rather than SO_REUSEPORT: with one shared socket, the process whose event loop
is free takes the next connection (each waits in accept on the same queue), so a process busy with a large
message does not get new connections queued behind it; SO_REUSEPORT hashes each connection to one socket by its
addresses, whatever that process's load, and only works for inet sockets (not a milter's unix: socket).
Binding in the parent also means a bad address or a port in use is one error line before any fork.

Each process builds its own handler after the fork (its own resolver and DNS cache, warmed by its first
messages: no cross-process cache to lock). The parent only supervises: a worker that dies is replaced (after
a second, if it died right after starting), and SIGTERM/SIGINT to the parent are passed to every worker.
An in-flight message on a worker that dies is not lost: Postfix sees the milter connection close and applies
milter_default_action (tempfail), so the sender retries.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

from toolkit.shells.common import UsageError

log = logging.getLogger("emlauth.milter")

RESTART_DELAY = 1.0  # seconds before replacing a worker that died within its first second (no busy crash loop)


def bind(spec, backlog: int = 1024) -> socket.socket:
    """A listening socket for a ListenSpec (inet or unix), made before any worker starts."""
    try:
        if spec.kind == "unix":
            with contextlib.suppress(FileNotFoundError):
                if Path(spec.path).is_socket():
                    os.unlink(spec.path)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind(spec.path)
        else:
            infos = socket.getaddrinfo(spec.host, spec.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
            family, kind, proto, _name, address = infos[0]
            sock = socket.socket(family, kind, proto)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
        sock.listen(backlog)
    except OSError as exc:
        raise UsageError(f"cannot listen on {spec}: {exc.strerror or exc}") from None
    sock.setblocking(False)
    return sock


def run(processes: int, worker: Callable[[], None]) -> int:
    """Start `processes` workers (each runs `worker()` in a forked child) and supervise them until a signal."""
    children: dict[int, float] = {}  # pid -> start time
    stopping = False

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                worker()
            except BaseException:  # noqa: BLE001 - a worker never returns into the parent's code
                log.exception("milter worker %d failed", os.getpid())
                code = 1
            finally:
                os._exit(code)
        children[pid] = time.monotonic()

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(processes):
        spawn()
    log.warning("emlauth milter: %d worker processes", processes)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        started = children.pop(pid, None)
        if started is None or stopping:
            continue
        log.warning("milter worker %d ended (status %d); starting another", pid, status)
        if time.monotonic() - started < RESTART_DELAY:
            time.sleep(RESTART_DELAY)
        spawn()
    return 0

"""Bounds the milter and the pipeline share (issue 15): connection caps, log rate limits, memory given back.

- `connection_cap`: a configured cap, lowered to fit the process's file-descriptor limit, so that a flood of
  connections is refused one by one instead of making accept() fail with EMFILE (asyncio then logs a traceback
  per attempt, and the MTA cannot reach us any more).
- `RateLimitFilter`: at most `burst` records per message template and `period`; the rest are counted and said
  in one line when the period ends (1,100 idle connections once wrote 90,000 lines in 12 s).
- `release_memory`: after a large message, hand freed heap pages back to the OS (glibc's malloc keeps them
  otherwise: RSS grew by the message size and stayed there).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import resource
import time

from toolkit.shells.common import byte_size

MB = 1024 * 1024
DEFAULT_MAX_MESSAGE_SIZE = 64 * MB
DEFAULT_IDLE_TIMEOUT = 600.0  # above Postfix's smtpd_timeout (300 s): an MTA session may sit idle that long
DEFAULT_MAX_CONNECTIONS = 500
FD_HEADROOM = 64  # descriptors kept for the listening sockets, DNS, logs, delivery and key files
BACKLOG = 32  # listen() backlog: asyncio accepts up to this many per loop pass, before any can be refused
IN_FLIGHT = 4 * BACKLOG  # a refused connection's fd is closed a few loop passes after its accept: bursts overlap
RELEASE_AFTER = 4 * MB  # messages at least this big trigger release_memory()


def connection_cap(configured: int) -> int:
    """`configured`, or fewer when the soft RLIMIT_NOFILE leaves less room: each connection holds one fd, and
    bursts of accepted connections past the cap hold fds until they are closed (IN_FLIGHT)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return configured
    return max(1, min(configured, soft - FD_HEADROOM - IN_FLIGHT))


parse_size = byte_size  # argparse type for --max-message-size: '64M', '512k', '1G' or bytes


class RateLimitFilter(logging.Filter):
    """Lets `burst` records per (logger, message template) through in each `period` seconds."""

    def __init__(self, burst: int = 10, period: float = 10.0, clock=time.monotonic) -> None:
        super().__init__()
        self.burst = burst
        self.period = period
        self.clock = clock
        self.windows: dict[tuple[str, str], list] = {}  # key -> [window start, count, suppressed]

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = self.clock()
        window = self.windows.get(key)
        if window is None or now - window[0] >= self.period:
            suppressed = window[2] if window else 0
            if len(self.windows) > 1000:  # many distinct templates: forget the old windows
                self.windows.clear()
            self.windows[key] = [now, 1, 0]
            if suppressed:
                record.msg = f"{record.msg} [{suppressed} more like this in the last {self.period:.0f} s not logged]"
            return True
        window[1] += 1
        if window[1] <= self.burst:
            return True
        window[2] += 1
        return False


def install_rate_limit(logger: logging.Logger | None = None, **options: float) -> RateLimitFilter:
    """Put one RateLimitFilter on every handler of `logger` (the root logger by default)."""
    limiter = RateLimitFilter(**options)  # type: ignore[arg-type]
    for handler in (logger or logging.getLogger()).handlers:
        handler.addFilter(limiter)
    return limiter


_LIBC = None


def release_memory() -> bool:
    """Ask glibc to return free heap pages to the OS (malloc_trim); False where there is no such call."""
    global _LIBC
    if _LIBC is None:
        name = ctypes.util.find_library("c")
        _LIBC = ctypes.CDLL(name) if name else False
    trim = getattr(_LIBC, "malloc_trim", None) if _LIBC else None
    if trim is None:
        return False
    trim(0)
    return True

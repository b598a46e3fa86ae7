"""A TTL cache around any Resolver: bounded (LRU), thread-safe, cheap on a hit (one dict lookup under a lock).

What is kept, and for how long (seconds on `clock`, default time.monotonic):
- OK answers: their TTL, capped at `max_ttl` (1 day). A TTL of 0 is not cached.
- NXDOMAIN and NODATA (RFC 2308): the TTL the answer carries (resolvers put min(SOA TTL, SOA MINIMUM) there);
  `negative_ttl` (300) when it carries none; capped at `max_negative_ttl` (900), so a record published to fix a
  failure is seen within 15 minutes.
- TEMPFAIL: never cached; the next query asks again (a DNS outage must not outlive itself).

A hit returns one stored answer whose `source` is "cache:<original source>"; its `ttl` is the original TTL, not the
time left (no copy per hit). Two threads missing the same key at once both ask the inner resolver; the later answer
wins. `hits`, `misses` and `len()` report use.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from toolkit.core.dns import DnsAnswer, DnsStatus, Resolver, normalize_name

DEFAULT_NEGATIVE_TTL = 300
MAX_NEGATIVE_TTL = 900
MAX_TTL = 86400


class CachingResolver:
    def __init__(
        self,
        inner: Resolver,
        max_entries: int = 10000,
        clock: Callable[[], float] = time.monotonic,
        *,
        negative_ttl: int = DEFAULT_NEGATIVE_TTL,
        max_negative_ttl: int = MAX_NEGATIVE_TTL,
        max_ttl: int = MAX_TTL,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.inner = inner
        self.max_entries = max_entries
        self.clock = clock
        self.negative_ttl = negative_ttl
        self.max_negative_ttl = max_negative_ttl
        self.max_ttl = max_ttl
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple[str, str], tuple[float, DnsAnswer]] = OrderedDict()
        self._lock = threading.Lock()

    def query(self, name: str, rdtype: str) -> DnsAnswer:
        key = (normalize_name(name), rdtype.upper())
        cached = self._hit(key)
        if cached is not None:
            return cached
        with self._lock:
            self.misses += 1
        answer = self.inner.query(name, rdtype)  # outside the lock: slow lookups do not block hits
        lifetime = self._lifetime(answer)
        if lifetime > 0:
            cached = dataclasses.replace(answer, source=f"cache:{answer.source}")
            with self._lock:
                self._entries[key] = (self.clock() + lifetime, cached)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return answer

    def peek(self, name: str, rdtype: str) -> DnsAnswer | None:
        """The answer query() would return from the cache (counted as a hit), or None instead of asking."""
        return self._hit((normalize_name(name), rdtype.upper()))

    def _hit(self, key: tuple[str, str]) -> DnsAnswer | None:
        """The live cached answer for `key` (an expired one is dropped), counted as a hit; None when there is none."""
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if now >= entry[0]:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def _lifetime(self, answer: DnsAnswer) -> float:
        if answer.status is DnsStatus.OK:
            return min(answer.ttl, self.max_ttl)
        if answer.status in (DnsStatus.NXDOMAIN, DnsStatus.NODATA):
            return min(answer.ttl if answer.ttl > 0 else self.negative_ttl, self.max_negative_ttl)
        return 0  # TEMPFAIL

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def stats(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "entries": len(self._entries)}

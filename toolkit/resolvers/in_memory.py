"""Answers from memory only: a resolver view that raises WouldBlock where answering would wait on the network.

Why (issue 14): the milter ran every verification in a thread so that a slow DNS lookup could not stall its other
connections, but under the GIL the thread hop cost more CPU than verifying a small message with a warm cache. With
this view a caller verifies at once when every answer is in memory, and only on WouldBlock starts again in a
thread with the real resolver. Verification is a pure function of the message and the answers, so the second
run gives what a single threaded run would have given.
"""

from __future__ import annotations

from toolkit.core.dns import DnsAnswer, Resolver
from toolkit.resolvers.caching import CachingResolver  # no dnspython: the milter's hooks import this module


class WouldBlock(Exception):  # noqa: N818 - it names what would happen, like BlockingIOError
    """The answer is not in memory: getting it means a network lookup."""


class CacheOnly:
    """query() answers from a CachingResolver's cache, or raises WouldBlock (and asks nobody)."""

    def __init__(self, cache: CachingResolver) -> None:
        self.cache = cache

    def query(self, name: str, rdtype: str) -> DnsAnswer:
        answer = self.cache.peek(name, rdtype)
        if answer is None:
            raise WouldBlock(f"{name}/{rdtype} is not cached")
        return answer


def in_memory(resolver: Resolver) -> Resolver | None:
    """`resolver` itself when all its data is in memory (zone files, a mapping, a cache around either); a
    cache-only view of a cache around anything else; None for a resolver this cannot tell about."""
    if getattr(resolver, "local", False):  # MemoryResolver, ZoneFileResolver: their data is in memory
        return resolver
    if isinstance(resolver, CachingResolver):
        return resolver if in_memory(resolver.inner) is resolver.inner else CacheOnly(resolver)
    return None

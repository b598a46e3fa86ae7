"""Verifying in the event loop when every DNS answer is in memory, in a thread otherwise (issue 14 §3).

A cache-only view answers from a CachingResolver or raises WouldBlock without asking anyone; VerifyHandler then
verifies again with the real resolver in a thread. The report must be the same either way.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from support.mailworld import AUTHSERV_ID, SENDER_IP, envelope_for, make_message

from toolkit.resolvers import CachingResolver, MemoryResolver
from toolkit.resolvers.in_memory import CacheOnly, WouldBlock, in_memory
from toolkit.shells import hooks
from toolkit.shells.hooks import Session, VerifyHandler


class CountingResolver:
    """A stand-in for live DNS: answers from the world's data and records who asked, from which thread."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.threads: list[str] = []

    def query(self, name: str, rdtype: str):
        self.threads.append(threading.current_thread().name)
        return self.inner.query(name, rdtype)


def test_in_memory_tells_local_data_from_the_network(tmp_path):
    memory = MemoryResolver({"example.com": {"TXT": ["v=spf1 -all"]}})
    assert in_memory(memory) is memory
    assert in_memory(CachingResolver(memory)) is not None
    live_like = CountingResolver(memory)
    assert in_memory(live_like) is None  # cannot tell: always a thread
    view = in_memory(CachingResolver(live_like))
    assert isinstance(view, CacheOnly)
    with pytest.raises(WouldBlock):
        view.query("example.com", "TXT")
    assert live_like.threads == []  # a miss asks nobody
    view.cache.query("example.com", "TXT")
    assert view.query("EXAMPLE.com.", "txt").ok  # a hit answers, whatever the spelling
    assert view.cache.hits == 1 and view.cache.misses == 1


def test_cold_cache_verifies_in_a_thread_then_warm_cache_in_the_loop(world):
    live = CountingResolver(world.resolver())
    handler = VerifyHandler(CachingResolver(live), AUTHSERV_ID)
    session = Session(client_ip=SENDER_IP, helo="mail.example.org")
    raw = world.sign_as_sender(make_message())

    def run() -> tuple:
        envelope = envelope_for(raw)
        actions = asyncio.run(hooks.call_hook(handler, "end_of_message", session, envelope))
        return actions, envelope.report

    cold_actions, cold = run()
    assert live.threads and all(name != "MainThread" for name in live.threads)  # asked from the executor
    asked = len(live.threads)
    warm_actions, warm = run()
    assert len(live.threads) == asked  # nothing asked again: every answer came from the cache, in the loop
    assert warm.ar_field == cold.ar_field and warm_actions == cold_actions
    assert b"dkim=pass" in warm.ar_field and b"spf=pass" in warm.ar_field and b"dmarc=pass" in warm.ar_field


def test_big_messages_go_to_a_thread(world, monkeypatch):
    monkeypatch.setattr("toolkit.shells.hooks.verify.INLINE_MAX_BYTES", 100)
    handler = VerifyHandler(world.resolver(), AUTHSERV_ID)  # all in memory, but the message is "big"
    assert handler.verify_from_memory(world.sign_as_sender(make_message()), SENDER_IP, None, None) is None


def test_run_cpu_inline_for_small_inputs_and_a_thread_for_big_ones(monkeypatch):
    monkeypatch.setattr(hooks.api, "INLINE_MAX_BYTES", 10)
    where = lambda: threading.current_thread().name  # noqa: E731
    assert asyncio.run(hooks.api.run_cpu(10, where)) == "MainThread"
    assert asyncio.run(hooks.api.run_cpu(11, where)) != "MainThread"


def test_importing_the_hooks_does_not_load_dnspython():
    """`emlauth --help` imports every command's module; the resolvers (dnspython) load when a handler is built."""
    import subprocess
    import sys

    code = "import sys, toolkit.shells.hooks\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'dns'))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"

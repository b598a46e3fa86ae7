"""CachingResolver: TTLs on an injected clock, negative caching, no TEMPFAIL caching, LRU bound, threads."""

from __future__ import annotations

import threading

import pytest

from toolkit.core.dns import DnsAnswer, DnsStatus, Resolver
from toolkit.resolvers.caching import CachingResolver
from toolkit.resolvers.memory import MemoryResolver


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Scripted:
    """Answers with whatever status/ttl the test sets, counting calls."""

    def __init__(self, status: DnsStatus = DnsStatus.OK, ttl: int = 60) -> None:
        self.status, self.ttl, self.calls = status, ttl, 0

    def query(self, name: str, rdtype: str) -> DnsAnswer:
        self.calls += 1
        records = ("192.0.2.1",) if self.status is DnsStatus.OK else ()
        detail = "timeout" if self.status is DnsStatus.TEMPFAIL else ""
        return DnsAnswer(name, rdtype, self.status, records, self.ttl, "scripted", detail)


def test_is_a_resolver():
    assert isinstance(CachingResolver(Scripted()), Resolver)


def test_positive_answer_lives_its_ttl():
    clock, inner = FakeClock(), Scripted(ttl=60)
    cache = CachingResolver(inner, clock=clock)
    first = cache.query("www.example.com", "A")
    assert first.source == "scripted"  # a miss returns the inner answer untouched
    clock.now += 59.9
    hit = cache.query("WWW.example.com.", "a")  # same key whatever the spelling
    assert (hit.source, hit.records, inner.calls) == ("cache:scripted", ("192.0.2.1",), 1)
    assert cache.query("www.example.com", "A") is hit  # hits hand out the stored answer, no copies
    clock.now += 0.1
    assert cache.query("www.example.com", "A").source == "scripted"
    assert inner.calls == 2
    assert (cache.hits, cache.misses) == (2, 2)


def test_zero_ttl_is_not_cached():
    inner = Scripted(ttl=0)
    cache = CachingResolver(inner, clock=FakeClock())
    cache.query("www.example.com", "A")
    cache.query("www.example.com", "A")
    assert inner.calls == 2 and len(cache) == 0


def test_positive_ttl_is_capped():
    clock, inner = FakeClock(), Scripted(ttl=10**7)
    cache = CachingResolver(inner, clock=clock, max_ttl=3600)
    cache.query("www.example.com", "A")
    clock.now += 3600
    cache.query("www.example.com", "A")
    assert inner.calls == 2


@pytest.mark.parametrize("status", [DnsStatus.NXDOMAIN, DnsStatus.NODATA])
def test_negative_answers_use_the_ttl_they_carry(status):
    clock, inner = FakeClock(), Scripted(status, ttl=120)
    cache = CachingResolver(inner, clock=clock)
    cache.query("nope.example.com", "TXT")
    clock.now += 119
    assert cache.query("nope.example.com", "TXT").status is status and inner.calls == 1
    clock.now += 1
    cache.query("nope.example.com", "TXT")
    assert inner.calls == 2


def test_negative_answer_without_ttl_gets_the_default_and_long_ones_are_capped():
    clock, inner = FakeClock(), Scripted(DnsStatus.NXDOMAIN, ttl=0)
    cache = CachingResolver(inner, clock=clock, negative_ttl=300, max_negative_ttl=900)
    cache.query("nope.example.com", "TXT")
    clock.now += 299
    cache.query("nope.example.com", "TXT")
    assert inner.calls == 1
    clock.now += 1
    cache.query("nope.example.com", "TXT")
    assert inner.calls == 2
    inner.ttl = 86400  # an SOA minimum of a day is cut to max_negative_ttl
    cache.query("long.example.com", "TXT")
    clock.now += 900
    cache.query("long.example.com", "TXT")
    assert inner.calls == 4


def test_tempfail_is_never_cached():
    inner = Scripted(DnsStatus.TEMPFAIL, ttl=300)
    cache = CachingResolver(inner, clock=FakeClock())
    for _ in range(3):
        assert cache.query("slow.example.com", "TXT").detail == "timeout"
    assert (inner.calls, len(cache), cache.hits) == (3, 0, 0)
    inner.status = DnsStatus.OK  # the outage ends: the next query sees it at once
    assert cache.query("slow.example.com", "TXT").status is DnsStatus.OK


def test_types_are_cached_apart():
    memory = MemoryResolver({"example.com": {"A": ["192.0.2.1"], "TXT": ["v=spf1 -all"]}})
    cache = CachingResolver(memory, clock=FakeClock())
    assert cache.query("example.com", "A").records == ("192.0.2.1",)
    assert cache.query("example.com", "TXT").records == ((b"v=spf1 -all",),)
    assert cache.query("example.com", "TXT").source == "cache:memory"
    assert memory.queries == [("example.com", "A"), ("example.com", "TXT")]


def test_size_bound_evicts_least_recently_used():
    clock = FakeClock()
    memory = MemoryResolver({f"h{i}.example.com": {"A": ["192.0.2.1"]} for i in range(10)})
    cache = CachingResolver(memory, max_entries=3, clock=clock)
    for i in range(3):
        cache.query(f"h{i}.example.com", "A")
    cache.query("h0.example.com", "A")  # h0 becomes the most recently used
    cache.query("h3.example.com", "A")  # evicts h1, the least recently used
    assert len(cache) == 3
    memory.queries.clear()
    cache.query("h0.example.com", "A")
    cache.query("h2.example.com", "A")
    cache.query("h1.example.com", "A")
    assert memory.queries == [("h1.example.com", "A")]


def test_max_entries_must_be_positive():
    with pytest.raises(ValueError):
        CachingResolver(Scripted(), max_entries=0)


def test_threads_hammering_one_cache():
    names = [f"h{i}.example.com" for i in range(50)]
    memory = MemoryResolver({n: {"A": ["192.0.2.1"], "TXT": "TIMEOUT"} for n in names})
    cache = CachingResolver(memory, max_entries=20)
    errors: list[BaseException] = []
    per_thread = 2000

    def work(seed: int) -> None:
        try:
            for i in range(per_thread):
                name = names[(seed * 7 + i) % len(names)]
                answer = cache.query(name, "TXT" if i % 10 == 0 else "A")
                assert answer.name == name
                assert answer.status is (DnsStatus.TEMPFAIL if i % 10 == 0 else DnsStatus.OK)
        except BaseException as exc:  # reported below, in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert cache.hits + cache.misses == 8 * per_thread
    assert cache.misses == len(memory.queries)
    assert 0 < len(cache) <= 20
    assert cache.stats() == {"hits": cache.hits, "misses": cache.misses, "entries": len(cache)}

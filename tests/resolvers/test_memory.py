"""MemoryResolver: the semantics its docstring promises, which every other test in the project leans on."""

from __future__ import annotations

from toolkit.core.dns import DnsStatus, Resolver
from toolkit.resolvers.memory import MemoryResolver

DATA = {
    "example.com": {
        "A": ["192.0.2.1", "192.0.2.2"],
        "MX": [[10, "Mail.Example.com."]],
        "TXT": [["v=spf1 ", "-all"], "second record"],
        "AAAA": "TIMEOUT",
        "NS": "SERVFAIL",
    },
    "flat.example.com": {"TXT": ["one", "two"]},
    "down.example.com": {"A": ["192.0.2.9"], "*": "TIMEOUT"},
    "alias.example.com": {"CNAME": "www.example.com."},
    "www.example.com": {"CNAME": "example.com"},
    "loop1.example.com": {"CNAME": "loop2.example.com"},
    "loop2.example.com": {"CNAME": "loop1.example.com"},
    "sick.example.com": {"CNAME": "SERVFAIL"},
    "empty.example.com": {"TXT": []},
}


def test_is_a_resolver():
    assert isinstance(MemoryResolver({}), Resolver)


def test_records_and_shapes():
    r = MemoryResolver(DATA, ttl=123)
    a = r.query("Example.COM.", "a")
    assert (a.status, a.records, a.ttl, a.source, a.name, a.rdtype) == (
        DnsStatus.OK,
        ("192.0.2.1", "192.0.2.2"),
        123,
        "memory",
        "example.com",
        "A",
    )
    assert r.query("example.com", "MX").records == ((10, "mail.example.com"),)
    txt = r.query("example.com", "TXT")
    assert txt.records == ((b"v=spf1 ", b"-all"), (b"second record",))
    assert txt.txt_joined() == (b"v=spf1 -all", b"second record")


def test_flat_txt_list_is_one_record_per_string():
    assert MemoryResolver(DATA).query("flat.example.com", "TXT").records == ((b"one",), (b"two",))


def test_timeout_and_servfail_per_type():
    r = MemoryResolver(DATA)
    timeout, servfail = r.query("example.com", "AAAA"), r.query("example.com", "NS")
    assert (timeout.status, timeout.detail, timeout.ttl) == (DnsStatus.TEMPFAIL, "timeout", 0)
    assert (servfail.status, servfail.detail) == (DnsStatus.TEMPFAIL, "SERVFAIL")


def test_star_timeout_covers_unlisted_types_only():
    r = MemoryResolver(DATA)
    assert r.query("down.example.com", "A").status is DnsStatus.OK
    for rdtype in ("TXT", "MX", "AAAA"):
        answer = r.query("down.example.com", rdtype)
        assert (answer.status, answer.detail) == (DnsStatus.TEMPFAIL, "timeout")


def test_absent_name_is_nxdomain_present_name_without_type_is_nodata():
    r = MemoryResolver(DATA)
    assert r.query("nowhere.example.com", "TXT").status is DnsStatus.NXDOMAIN
    nodata = r.query("flat.example.com", "A")
    assert nodata.status is DnsStatus.NODATA and nodata.is_void and not nodata.records
    assert r.query("empty.example.com", "TXT").status is DnsStatus.NODATA


def test_cname_followed_with_chain():
    r = MemoryResolver(DATA)
    answer = r.query("alias.example.com", "A")
    assert answer.records == ("192.0.2.1", "192.0.2.2")
    assert answer.cname_chain == ("alias.example.com", "www.example.com")
    direct = r.query("alias.example.com", "CNAME")
    assert (direct.status, direct.records, direct.cname_chain) == (DnsStatus.OK, ("www.example.com",), ())


def test_cname_loop_is_tempfail_and_cname_fault_applies():
    r = MemoryResolver(DATA)
    loop = r.query("loop1.example.com", "A")
    assert loop.status is DnsStatus.TEMPFAIL and len(loop.cname_chain) == 9
    sick = r.query("sick.example.com", "TXT")
    assert (sick.status, sick.detail) == (DnsStatus.TEMPFAIL, "SERVFAIL")


def test_queries_are_recorded():
    r = MemoryResolver(DATA)
    r.query("Example.com.", "txt")
    r.query("alias.example.com", "A")
    assert r.queries == [("example.com", "TXT"), ("alias.example.com", "A")]

"""LiveResolver against knotd serving tests/resolvers/zones, and against sockets that misbehave.

The comparison table pins that the offline ZoneFileResolver answers exactly like a real authoritative server queried
through LiveResolver: status (NXDOMAIN vs NODATA vs TEMPFAIL), records, CNAME chain, TTL and TEMPFAIL detail.
"""

from __future__ import annotations

import argparse
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rrset
import pytest

from toolkit.core.dns import DnsAnswer, DnsStatus, Resolver
from toolkit.resolvers.caching import CachingResolver
from toolkit.resolvers.live import LiveResolver
from toolkit.resolvers.zonefile import ZoneFileResolver
from toolkit.shells.common import resolver_from_args

ZONES = Path(__file__).parent / "zones"
OK, NX, ND, TF = DnsStatus.OK, DnsStatus.NXDOMAIN, DnsStatus.NODATA, DnsStatus.TEMPFAIL

# (name, type, status both sides must give)
AGREE = [
    ("example.com", "A", OK),
    ("www.example.com", "A", OK),
    ("www.example.com", "AAAA", OK),
    ("example.com", "MX", OK),
    ("example.com", "NS", OK),
    ("example.com", "TXT", OK),
    ("sel._domainkey.example.com", "TXT", OK),  # one record, two strings
    ("two.example.com", "TXT", OK),  # two records
    ("big.example.com", "TXT", OK),  # truncated over UDP: TCP fallback
    ("alias2.example.com", "A", OK),  # two CNAME links in one zone
    ("ext.example.com", "A", OK),  # CNAME into another zone: knot stops there, LiveResolver asks on
    ("alias.example.com", "CNAME", OK),
    ("dangling.example.com", "A", NX),  # CNAME to a missing name
    ("loop1.example.com", "A", TF),  # CNAME loop
    ("outside.example.com", "A", TF),  # CNAME into no zone: REFUSED
    ("x.wild.example.com", "A", OK),
    ("a.b.wild.example.com", "TXT", OK),
    ("x.wild.example.com", "MX", ND),
    ("exists.wild.example.com", "TXT", ND),  # existing names are not wildcard-matched
    ("sub.wild.example.com", "A", ND),  # empty non-terminal blocks the wildcard
    ("y.sub.wild.example.com", "A", NX),
    ("anything.cn.example.com", "AAAA", OK),  # wildcard CNAME
    ("b.c.example.com", "A", ND),  # empty non-terminal
    ("x.c.example.com", "A", NX),
    ("nope.example.com", "TXT", NX),
    ("_dmarc.nope.example.com", "TXT", NX),
    ("mail.example.com", "TXT", ND),
    ("host.example.net", "A", OK),
    ("nope.example.net", "A", NX),
    ("example.org", "A", TF),  # no such zone: REFUSED
    ("broken.example.org", "TXT", TF),  # knot: zone that failed to load; zones: faults.txt
    ("www.broken.example.org", "A", TF),
]


@pytest.fixture(scope="module")
def knot(knot_factory):
    return knot_factory(ZONES)


@pytest.fixture(scope="module")
def live(knot) -> LiveResolver:
    return LiveResolver([knot.nameserver], timeout=3.0)


@pytest.fixture(scope="module")
def zones() -> ZoneFileResolver:
    return ZoneFileResolver(ZONES, outside_zones="refused")


def _comparable(answer: DnsAnswer) -> tuple:
    return (answer.status, sorted(answer.records, key=repr), answer.cname_chain, answer.ttl, answer.detail)


@pytest.mark.peers
@pytest.mark.parametrize(("name", "rdtype", "status"), AGREE)
def test_live_and_zone_files_agree(live, zones, knot, name, rdtype, status):
    from_knot, from_files = live.query(name, rdtype), zones.query(name, rdtype)
    assert from_knot.status is status
    assert _comparable(from_knot) == _comparable(from_files)
    if status is not TF or name.startswith(("loop", "outside")):
        assert from_knot.source == f"live:127.0.0.1:{knot.port}"


@pytest.mark.peers
@pytest.mark.parametrize(("name", "rdtype", "status"), AGREE[::3])
def test_tcp_only_gives_the_same_answers(knot, live, name, rdtype, status):
    over_tcp = LiveResolver([knot.nameserver], timeout=3.0, tcp=True).query(name, rdtype)
    assert over_tcp.status is status
    assert _comparable(over_tcp) == _comparable(live.query(name, rdtype))


@pytest.mark.peers
def test_tempfail_details_from_knot(live):
    assert live.query("broken.example.org", "A").detail == "SERVFAIL"
    assert live.query("example.org", "A").detail == "REFUSED"
    assert live.query("loop1.example.com", "A").detail == "CNAME loop"


@pytest.mark.peers
def test_big_txt_arrives_whole_over_tcp(live):
    answer = live.query("big.example.com", "TXT")
    assert len(answer.records) == 1 and [len(s) for s in answer.records[0]] == [250] * 6


@pytest.mark.peers
def test_names_are_absolute_no_search_list(live):
    """DKIM-14: 'www' is the top-level name www., never www.<search domain>."""
    answer = live.query("www", "A")
    assert (answer.status, answer.detail) == (TF, "REFUSED")


@pytest.mark.peers
def test_next_server_after_a_dead_one(knot):
    dead = _closed_port()
    resolver = LiveResolver([("127.0.0.1", dead), knot.nameserver], timeout=3.0)
    answer = resolver.query("www.example.com", "A")
    assert (answer.status, answer.source) == (OK, f"live:127.0.0.1:{knot.port}")


@pytest.mark.peers
def test_cli_options_build_working_resolvers(knot):
    args = argparse.Namespace(zones=None, nameserver=[f"127.0.0.1:{knot.port}"], dns_timeout=2.0)
    resolver = resolver_from_args(args)
    assert isinstance(resolver, CachingResolver) and isinstance(resolver.inner, LiveResolver)
    assert resolver.inner.nameservers == (("127.0.0.1", knot.port),) and resolver.inner.timeout == 2.0
    assert resolver.query("www.example.com", "A").records == ("192.0.2.80", "192.0.2.81")
    assert resolver.query("www.example.com", "A").source.startswith("cache:live:")
    offline = resolver_from_args(argparse.Namespace(zones=ZONES, nameserver=None, dns_timeout=5.0))
    assert isinstance(offline.inner, ZoneFileResolver)
    assert offline.query("www.example.com", "A").records == ("192.0.2.80", "192.0.2.81")


# -- misbehaving servers (no knot needed) -------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_silent_server_times_out():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))  # bound, never read: queries vanish
        port = silent.getsockname()[1]
        answer = LiveResolver([("127.0.0.1", port)], timeout=0.3).query("example.com", "TXT")
    assert (answer.status, answer.detail, answer.records) == (TF, "timeout", ())
    assert answer.source == f"live:127.0.0.1:{port}"


@pytest.mark.parametrize("tcp", [False, True])
def test_connection_refused_is_tempfail(tcp):
    answer = LiveResolver([("127.0.0.1", _closed_port())], timeout=2.0, tcp=tcp).query("example.com", "A")
    assert (answer.status, answer.detail) == (TF, "connection refused")


def test_unreachable_is_tempfail():
    # the kernel refuses to send to the broadcast address without SO_BROADCAST: nothing leaves the machine
    answer = LiveResolver([("255.255.255.255", 53)], timeout=1.0).query("example.com", "A")
    assert answer.status is TF and answer.detail.startswith("network error")


def _bind_udp_and_tcp_pair() -> tuple[socket.socket, socket.socket, int]:
    """A UDP and a TCP socket on the same free port; retried because another test may hold the TCP side."""
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            tcp.bind(("127.0.0.1", port))
        except OSError:
            udp.close()
            tcp.close()
            continue
        tcp.listen()
        return udp, tcp, port
    raise RuntimeError("no free UDP+TCP port pair on 127.0.0.1")


@contextmanager
def fake_server(udp_reply: Callable, tcp_reply: Callable | None = None) -> Iterator[tuple[str, int]]:
    """A DNS server on 127.0.0.1 answering with udp_reply(query) (and tcp_reply over TCP, same port)."""
    udp, tcp, port = _bind_udp_and_tcp_pair()
    udp.settimeout(0.05)
    tcp.settimeout(0.05)
    stop = threading.Event()

    def serve_udp() -> None:
        while not stop.is_set():
            try:
                data, peer = udp.recvfrom(4096)
            except TimeoutError:
                continue
            reply = udp_reply(dns.message.from_wire(data))
            udp.sendto(reply if isinstance(reply, bytes) else reply.to_wire(), peer)

    def serve_tcp() -> None:
        while not stop.is_set():
            try:
                conn, _ = tcp.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                query, _ = dns.query.receive_tcp(conn)
                dns.query.send_tcp(conn, tcp_reply(query) if tcp_reply else udp_reply(query))

    threads = [threading.Thread(target=serve_udp), threading.Thread(target=serve_tcp)]
    for thread in threads:
        thread.start()
    try:
        yield ("127.0.0.1", port)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        udp.close()
        tcp.close()


def _answer(query: dns.message.Message, *rrsets: dns.rrset.RRset, rcode: int = dns.rcode.NOERROR):
    response = dns.message.make_response(query)
    response.set_rcode(rcode)
    response.answer.extend(rrsets)
    return response


@pytest.mark.parametrize("rcode", [dns.rcode.SERVFAIL, dns.rcode.REFUSED, dns.rcode.NOTIMP, dns.rcode.FORMERR])
def test_error_rcodes_are_tempfail(rcode):
    with fake_server(lambda q: _answer(q, rcode=rcode)) as server:
        answer = LiveResolver([server], timeout=2.0).query("example.com", "TXT")
    assert (answer.status, answer.detail) == (TF, dns.rcode.to_text(rcode))


def test_truncated_udp_answer_is_retried_over_tcp():
    def truncated(query):
        response = _answer(query)
        response.flags |= dns.flags.TC
        return response

    def full(query):
        return _answer(query, dns.rrset.from_text("example.com.", 60, "IN", "TXT", '"v=spf1" " -all"'))

    with fake_server(truncated, full) as server:
        answer = LiveResolver([server], timeout=2.0).query("example.com", "TXT")
    assert (answer.status, answer.records, answer.ttl) == (OK, ((b"v=spf1", b" -all"),), 60)


def test_garbage_and_mismatched_replies_are_ignored():
    def garbage(query):
        return b"\x00\x01 definitely not DNS"

    with fake_server(garbage) as server:
        answer = LiveResolver([server], timeout=0.3).query("example.com", "A")
    assert (answer.status, answer.detail) == (TF, "timeout")


def test_answers_for_other_names_are_not_taken():
    def hostile(query):  # NOERROR, but the records are for another name: that is NODATA for ours
        return _answer(query, dns.rrset.from_text("evil.example.net.", 60, "IN", "A", "192.0.2.66"))

    with fake_server(hostile) as server:
        answer = LiveResolver([server], timeout=2.0).query("example.com", "A")
    assert (answer.status, answer.records) == (ND, ())


def test_malformed_names_are_nxdomain_without_asking():
    resolver = LiveResolver([("127.0.0.1", _closed_port())], timeout=1.0)
    for name in ("a..example.com", "x" * 64 + ".example.com", "a." * 130 + "com"):
        answer = resolver.query(name, "TXT")
        assert answer.status is NX and answer.detail, name


def test_unknown_type_is_tempfail_without_asking():
    answer = LiveResolver([("127.0.0.1", _closed_port())], timeout=1.0).query("example.com", "NOSUCHTYPE")
    assert answer.status is TF and "NOSUCHTYPE" in answer.detail


def test_nameserver_given_by_host_name_is_resolved_once():
    resolver = LiveResolver([("localhost", 5353)])  # /etc/hosts, no DNS traffic
    assert resolver.config_error == ""
    assert resolver.nameservers in ((("127.0.0.1", 5353),), (("::1", 5353),))


def test_is_a_resolver():
    assert isinstance(LiveResolver([("127.0.0.1", 53)]), Resolver)


# -- system configuration ------------------------------------------------------------------------------------------


def test_reads_nameservers_from_resolv_conf_but_never_the_search_list(tmp_path):
    conf = tmp_path / "resolv.conf"
    conf.write_text("search example.com example.net\noptions ndots:5\nnameserver 192.0.2.53\nnameserver 2001:db8::53\n")
    resolver = LiveResolver(resolv_conf=conf)
    assert resolver.config_error == ""
    assert resolver.nameservers == (("192.0.2.53", 53), ("2001:db8::53", 53))
    assert not any("search" in attribute for attribute in vars(resolver))


@pytest.mark.parametrize("content", [None, "", "search example.com\n# no nameserver line\n"])
def test_unusable_system_configuration_is_tempfail(tmp_path, content):
    conf = tmp_path / "resolv.conf"
    if content is not None:
        conf.write_text(content)
    resolver = LiveResolver(resolv_conf=conf)
    answer = resolver.query("example.com", "TXT")
    assert answer.status is TF
    assert "no usable resolver configuration" in answer.detail and str(conf) in answer.detail

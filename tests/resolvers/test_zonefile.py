"""ZoneFileResolver: RFC 1034 lookup, RFC 4592 wildcards, RFC 2308 negative TTLs, faults.txt, error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.core.dns import DnsStatus, Resolver
from toolkit.resolvers.base import ZoneFileError
from toolkit.resolvers.zonefile import ZoneFileResolver

ZONES = Path(__file__).parent / "zones"
SOA = "@ IN SOA ns1 hostmaster 1 7200 900 1209600 60\n@ NS ns1\nns1 A 192.0.2.53\n"
OK, NX, ND, TF = DnsStatus.OK, DnsStatus.NXDOMAIN, DnsStatus.NODATA, DnsStatus.TEMPFAIL


@pytest.fixture(scope="module")
def zones() -> ZoneFileResolver:
    return ZoneFileResolver(ZONES, outside_zones="refused")


def test_is_a_resolver(zones):
    assert isinstance(zones, Resolver)
    assert sorted(str(zone.origin) for zone in zones.zones.values()) == ["example.com.", "example.net."]


@pytest.mark.parametrize(
    ("name", "rdtype", "records"),
    [
        ("example.com", "A", ("192.0.2.10",)),
        ("WWW.Example.COM.", "a", ("192.0.2.80", "192.0.2.81")),
        ("www.example.com", "AAAA", ("2001:db8::80",)),
        ("example.com", "MX", ((10, "mail.example.com"), (20, "mail2.example.net"))),
        ("example.com", "NS", ("ns1.example.com",)),
        ("host.example.net", "A", ("192.0.2.77",)),  # origin from the file name
        ("_dmarc.example.com", "TXT", ((b"v=DMARC1; p=reject",),)),
    ],
)
def test_records(zones, name, rdtype, records):
    answer = zones.query(name, rdtype)
    assert (answer.status, answer.records, answer.cname_chain) == (OK, records, ())


def test_multi_string_txt_kept_apart(zones):
    """DKIM-14: the strings of one record are joined by the consumer, so the resolver must keep them apart."""
    answer = zones.query("sel._domainkey.example.com", "TXT")
    assert answer.records == ((b"v=DKIM1; k=rsa; ", b"p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC"),)
    assert answer.txt_joined() == (b"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC",)
    two = zones.query("two.example.com", "TXT")
    assert sorted(two.records) == [(b"first record",), (b"second", b"record")]


def test_ttl_and_source(zones):
    www = zones.query("www.example.com", "A")
    assert (www.ttl, www.source) == (300, "zone:example.com.zone")
    assert zones.query("example.com", "A").ttl == 3600  # $TTL
    # RFC 2308 §5: negative answers live min(SOA TTL, SOA MINIMUM)
    assert zones.query("nope.example.com", "A").ttl == 300
    assert zones.query("www.example.com", "TXT").ttl == 300
    assert zones.query("nope.example.net", "A").ttl == 60


def test_cname_chain_across_names_and_zones(zones):
    two_links = zones.query("alias2.example.com", "A")
    assert two_links.records == ("192.0.2.80", "192.0.2.81")
    assert two_links.cname_chain == ("alias2.example.com", "alias.example.com")
    assert two_links.ttl == 300  # the smallest TTL along the chain
    other_zone = zones.query("ext.example.com", "A")
    assert (other_zone.records, other_zone.source) == (("192.0.2.77",), "zone:example.net.zone")
    assert other_zone.cname_chain == ("ext.example.com",)


def test_cname_itself_is_not_followed(zones):
    answer = zones.query("alias.example.com", "CNAME")
    assert (answer.status, answer.records, answer.cname_chain) == (OK, ("www.example.com",), ())


def test_cname_to_missing_name_is_nxdomain_with_chain(zones):
    answer = zones.query("dangling.example.com", "A")
    assert (answer.status, answer.cname_chain) == (NX, ("dangling.example.com",))


def test_cname_out_of_every_zone_is_refused(zones):
    answer = zones.query("outside.example.com", "TXT")
    assert (answer.status, answer.detail) == (TF, "REFUSED")


def test_cname_loop_is_tempfail(zones):
    answer = zones.query("loop1.example.com", "A")
    assert (answer.status, answer.detail) == (TF, "CNAME loop")
    assert answer.cname_chain == ("loop1.example.com", "loop2.example.com")


def test_cname_chain_cap(tmp_path):
    links = "".join(f"c{i} CNAME c{i + 1}\n" for i in range(12)) + "c12 A 192.0.2.1\n"
    (tmp_path / "example.org.zone").write_text("$TTL 60\n" + SOA + links)
    resolver = ZoneFileResolver(tmp_path, outside_zones="refused")
    assert resolver.query("c4.example.org", "A").records == ("192.0.2.1",)  # 8 links: fine
    too_long = resolver.query("c0.example.org", "A")
    assert (too_long.status, too_long.detail) == (TF, "CNAME chain too long")


@pytest.mark.parametrize(
    ("name", "rdtype", "status", "records"),
    [
        ("x.wild.example.com", "A", OK, ("192.0.2.7",)),
        ("a.b.wild.example.com", "A", OK, ("192.0.2.7",)),  # a wildcard covers several labels
        ("x.wild.example.com", "TXT", OK, ((b"from the wildcard",),)),
        ("x.wild.example.com", "MX", ND, ()),
        ("exists.wild.example.com", "A", OK, ("192.0.2.8",)),
        ("exists.wild.example.com", "TXT", ND, ()),  # an existing name is never wildcard-matched
        ("x.exists.wild.example.com", "A", NX, ()),  # closest encloser exists.wild has no '*' child
        ("sub.wild.example.com", "A", ND, ()),  # empty non-terminal blocks the wildcard (RFC 4592 §2.2.2)
        ("y.sub.wild.example.com", "A", NX, ()),
        ("wild.example.com", "A", ND, ()),  # the wildcard's parent is an empty non-terminal
        ("*.wild.example.com", "A", OK, ("192.0.2.7",)),  # asking for the '*' name literally
    ],
)
def test_wildcards(zones, name, rdtype, status, records):
    answer = zones.query(name, rdtype)
    assert (answer.status, answer.records) == (status, records)


def test_wildcard_cname(zones):
    answer = zones.query("anything.cn.example.com", "AAAA")
    assert (answer.records, answer.cname_chain) == (("2001:db8::80",), ("anything.cn.example.com",))


def test_empty_non_terminals_are_nodata(zones):
    assert zones.query("a.b.c.example.com", "A").records == ("192.0.2.9",)
    assert zones.query("b.c.example.com", "A").status is ND
    assert zones.query("c.example.com", "TXT").status is ND
    assert zones.query("x.c.example.com", "A").status is NX


def test_nxdomain_and_nodata(zones):
    assert zones.query("nope.example.com", "TXT").status is NX
    assert zones.query("_dmarc.nope.example.com", "TXT").status is NX
    assert zones.query("bücher.example.com", "A").status is NX  # IDNA: asked as xn--bcher-kva
    assert zones.query("a\\.b.c.example.com", "A").status is NX  # labels "a.b" and "c": not a.b.c
    nodata = zones.query("mail.example.com", "TXT")
    assert (nodata.status, nodata.records, nodata.is_void) == (ND, (), True)


def test_outside_every_zone_is_refused(zones):
    for name in ("example.org", "www.example.org", "com", "example.comm"):
        answer = zones.query(name, "A")
        assert (answer.status, answer.detail) == (TF, "REFUSED"), name


def test_malformed_names_cannot_exist(zones):
    for name in ("a..example.com", "x" * 64 + ".example.com", "", "."):
        answer = zones.query(name, "TXT")
        assert answer.status is NX and answer.detail, name


def test_unknown_type_is_tempfail_not_an_exception(zones):
    answer = zones.query("example.com", "NOSUCHTYPE")
    assert answer.status is TF and "NOSUCHTYPE" in answer.detail


def test_faults_file(zones):
    timeout = zones.query("slow.example.com", "TXT")
    assert (timeout.status, timeout.detail, timeout.source) == (TF, "timeout", "zone:faults.txt")
    assert zones.query("slow.example.com", "A").detail == "SERVFAIL"
    assert zones.query("slow.example.com", "MX").status is NX  # no rule for MX: the zones answer
    for name in ("a.flaky.example.com", "a.b.flaky.example.com"):
        assert zones.query(name, "MX").detail == "timeout"
    assert zones.query("flaky.example.com", "A").status is NX  # '*.x' does not cover x itself
    # a rule may name a domain that is in no zone at all
    assert zones.query("broken.example.org", "TXT").detail == "SERVFAIL"
    assert zones.query("www.broken.example.org", "TXT").detail == "SERVFAIL"


def test_faults_apply_along_cname_chains(tmp_path):
    (tmp_path / "example.org.zone").write_text("$TTL 60\n" + SOA + "alias CNAME target\ntarget A 192.0.2.1\n")
    (tmp_path / "faults.txt").write_text("target.example.org A TIMEOUT\n")
    answer = ZoneFileResolver(tmp_path, outside_zones="refused").query("alias.example.org", "A")
    assert (answer.status, answer.detail, answer.cname_chain) == (TF, "timeout", ("alias.example.org",))


def test_fault_precedence(tmp_path):
    (tmp_path / "example.org.zone").write_text("$TTL 60\n" + SOA)
    (tmp_path / "faults.txt").write_text(
        "*.example.org * TIMEOUT\n*.example.org TXT REFUSED\nwww.example.org * SERVFAIL\nwww.example.org MX TIMEOUT\n"
    )
    resolver = ZoneFileResolver(tmp_path, outside_zones="refused")
    assert resolver.query("www.example.org", "MX").detail == "timeout"  # exact name and type
    assert resolver.query("www.example.org", "TXT").detail == "SERVFAIL"  # exact name beats any wildcard
    assert resolver.query("mail.example.org", "TXT").detail == "REFUSED"  # wildcard: type beats '*'
    assert resolver.query("mail.example.org", "A").detail == "timeout"


def test_delegation_without_child_zone_is_servfail(tmp_path):
    (tmp_path / "example.org.zone").write_text(
        "$TTL 60\n" + SOA + "child NS ns.child\nns.child A 192.0.2.99\nwww A 192.0.2.1\n"
    )
    resolver = ZoneFileResolver(tmp_path, outside_zones="refused")
    for name in ("child.example.org", "x.child.example.org", "ns.child.example.org"):
        assert resolver.query(name, "A").detail == "SERVFAIL", name
    assert resolver.query("www.example.org", "A").status is OK
    # with the child's own file the child answers (longest suffix wins)
    (tmp_path / "child.example.org.zone").write_text("$TTL 60\n" + SOA + "x A 192.0.2.5\n")
    child = ZoneFileResolver(tmp_path, outside_zones="refused").query("x.child.example.org", "A")
    assert (child.records, child.source) == (("192.0.2.5",), "zone:child.example.org.zone")


def _error(tmp_path: Path, text: str, name: str = "example.org.zone") -> str:
    (tmp_path / name).write_text(text)
    with pytest.raises(ZoneFileError) as caught:
        ZoneFileResolver(tmp_path, outside_zones="refused")
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("www A 192.0.2.300\nmail A 192.0.2.1\n", 5, ""),  # dnspython reports the next line; we correct it
        ("www IN AAA 192.0.2.1\n", 5, "AAA"),
        ('www TXT "unterminated\nmail A 192.0.2.1\n', 5, "quoted"),
        ("www MX 10\n", 5, ""),
        ("www CNAME mail\nwww A 192.0.2.1\nmail A 192.0.2.2\n", 6, "CNAME"),  # dnspython names no line here
    ],
)
def test_syntax_errors_name_file_and_line(tmp_path, body, line, words):
    message = _error(tmp_path, "$TTL 60\n" + SOA + body)
    assert message.startswith(f"example.org.zone:{line}: "), message
    assert words in message


def test_missing_soa_or_ns(tmp_path):
    assert "no SOA" in _error(tmp_path, "$TTL 60\n@ NS ns1\nns1 A 192.0.2.1\n")
    assert "no NS" in _error(tmp_path, "$TTL 60\n@ IN SOA ns1 hostmaster 1 2 3 4 5\n")


def test_include_is_refused(tmp_path):
    assert _error(tmp_path, "$TTL 60\n" + SOA + "$INCLUDE /etc/hostname\n").startswith("example.org.zone:5: $INCLUDE")


def test_two_files_for_one_zone(tmp_path):
    (tmp_path / "a.zone").write_text("$ORIGIN example.org.\n$TTL 60\n" + SOA)
    message = _error(tmp_path, "$TTL 60\n" + SOA)
    assert "example.org." in message and "already loaded" in message


def test_bad_faults_file(tmp_path):
    (tmp_path / "example.org.zone").write_text("$TTL 60\n" + SOA)
    for text, words in [
        ("www.example.org A\n", "expected"),
        ("www.example.org A EXPLODE\n", "EXPLODE"),
        ("www.example.org NOPE TIMEOUT\n", "NOPE"),
        ("a..b A TIMEOUT\n", "bad name"),
    ]:
        (tmp_path / "faults.txt").write_text("# comment\n\n" + text)
        with pytest.raises(ZoneFileError, match=rf"^faults\.txt:3: .*{words}"):
            ZoneFileResolver(tmp_path, outside_zones="refused")


def test_missing_directory(tmp_path):
    with pytest.raises(ZoneFileError, match="not a directory"):
        ZoneFileResolver(tmp_path / "absent")


def test_empty_directory_refuses_everything(tmp_path):
    answer = ZoneFileResolver(tmp_path, outside_zones="refused").query("example.com", "A")
    assert (answer.status, answer.detail) == (TF, "REFUSED")


def test_origin_from_leading_origin_line_else_file_name(tmp_path):
    (tmp_path / "any-name.zone").write_text("; comment\n$TTL 60\n$ORIGIN example.org.\n" + SOA + "www A 192.0.2.1\n")
    # a later $ORIGIN only changes how relative names read, not which zone the file is
    (tmp_path / "example.net.zone").write_text("$TTL 60\n" + SOA + "$ORIGIN sub.example.net.\nwww A 192.0.2.2\n")
    resolver = ZoneFileResolver(tmp_path, outside_zones="refused")
    assert sorted(str(zone.origin) for zone in resolver.zones.values()) == ["example.net.", "example.org."]
    assert resolver.query("www.example.org", "A").source == "zone:any-name.zone"
    assert resolver.query("www.sub.example.net", "A").records == ("192.0.2.2",)
    assert resolver.query("sub.example.net", "A").status is ND


def test_outside_every_zone_is_nxdomain_by_default(tmp_path):
    """The offline default: the folder is the whole DNS, so `_dmarc.com` with no com zone is a definite no."""
    (tmp_path / "example.org.zone").write_text("$TTL 60\n" + SOA + "www A 192.0.2.1\n")
    resolver = ZoneFileResolver(tmp_path)
    answer = resolver.query("_dmarc.com", "TXT")
    assert (answer.status, answer.detail) == (NX, "outside every zone")
    assert resolver.query("www.example.org", "A").records == ("192.0.2.1",)
    with pytest.raises(ValueError):
        ZoneFileResolver(tmp_path, outside_zones="servfail")


def test_zone_files_do_not_load_the_live_resolver():
    """`--zones` needs dnspython's zone parser, not its stub resolver and transports (~0.1 s of start-up, issue 14)."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom toolkit.resolvers import CachingResolver, ZoneFileResolver\n"
        "print(sorted(m for m in ('dns.resolver', 'dns.query', 'toolkit.resolvers.live') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"

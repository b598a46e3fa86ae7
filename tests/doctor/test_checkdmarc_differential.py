"""Differential: doctor's SPF and DMARC verdicts against checkdmarc (PyPI) on the same zones.

checkdmarc asks a local knot serving the files doctor reads through ZoneFileResolver. Only check_spf and
check_dmarc are called (no MX/STARTTLS/MTA-STS/BIMI probes), and a guard fails the test if anything tries to
reach an address other than 127.0.0.1. Each case compares "is this an error" and, where checkdmarc counts them,
the worst-case DNS lookups and void lookups; every disagreement is pinned with the rule it turns on.
"""

from __future__ import annotations

import socket

import dns.resolver
import pytest

from toolkit.core.domain.dmarc import analyse_dmarc
from toolkit.core.domain.spf import analyse_spf
from toolkit.resolvers import ZoneFileResolver

from .diffworld import DMARC_CASES, SPF_CASES, write_diff_world

checkdmarc_spf = pytest.importorskip("checkdmarc.spf")
checkdmarc_dmarc = pytest.importorskip("checkdmarc.dmarc")

# case -> why we differ (STANDARDS rule / RFC). Each pin must still disagree, or the test says it is stale.
PINNED = {
    "spf-none": "SPF-4 / BULK-2: no record is spf=none, not a permerror, and a domain may rely on DKIM alone; "
    "doctor warns, checkdmarc calls it an error",
    "spf-plusall": "SPF-6 / RFC 7208 §5.1: '+all' is valid syntax, but it makes every host pass; doctor calls "
    "that an error, checkdmarc accepts it silently",
    "dmarc-no-policy": "DMARC-4: RFC 9989 reads a missing p as none, but RFC 7489 receivers (most of today's) "
    "ignore the record; doctor errs, checkdmarc only warns",
    "dmarc-external-unauth": "DMARC-20 / RFC 9990 §4: without the authorization record the reports are never sent; "
    "doctor errs, checkdmarc only warns",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory, knot_factory):
    folder = write_diff_world(tmp_path_factory.mktemp("diff"))
    knot = knot_factory(folder)
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [knot.host]
    resolver.port = knot.port
    return ZoneFileResolver(folder), resolver


@pytest.fixture
def local_only(monkeypatch):
    """Fail on any attempt to reach beyond 127.0.0.1 (DNS, DoH, SMTP or HTTPS probes)."""
    real_connect, real_sendto, real_getaddrinfo = socket.socket.connect, socket.socket.sendto, socket.getaddrinfo

    def check(address) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"network access outside 127.0.0.1: {address!r}")

    def connect(self, address):
        check(address)
        return real_connect(self, address)

    def sendto(self, data, *args):
        check(args[-1])
        return real_sendto(self, data, *args)

    def getaddrinfo(host, *args, **kwargs):
        check((host,))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "sendto", sendto)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _agree(case: str, ours: bool, theirs: bool, detail: str) -> None:
    if case in PINNED:
        assert ours != theirs, f"{case}: the pinned disagreement is gone ({PINNED[case]}); {detail}"
    else:
        assert ours == theirs, f"{case}: doctor error={ours}, checkdmarc error={theirs}; {detail}"


@pytest.mark.usefixtures("local_only")
@pytest.mark.parametrize("case", sorted(SPF_CASES))
def test_spf_agrees_with_checkdmarc(world, case):
    zones, resolver = world
    domain = f"{case}.example.com"
    ours = analyse_spf(domain, zones)
    theirs = checkdmarc_spf.check_spf(domain, resolver=resolver, timeout=2.0, retries=0)
    our_error = any(f.level in ("error", "critical") for f in ours.findings)
    their_error = not theirs["valid"]
    _agree(case, our_error, their_error, f"ours {[f.code for f in ours.findings]}, theirs {theirs.get('error')}")
    if theirs.get("dns_lookups") is not None and ours.tree is not None:
        assert ours.tree.total == theirs["dns_lookups"]  # SPF-14: the same worst-case count
    if theirs.get("void_dns_lookups") is not None and ours.tree is not None:
        assert ours.tree.voids == theirs["void_dns_lookups"]


@pytest.mark.usefixtures("local_only")
@pytest.mark.parametrize("case", sorted(DMARC_CASES))
def test_dmarc_agrees_with_checkdmarc(world, case):
    zones, resolver = world
    domain = f"{case}.example.com"
    ours = analyse_dmarc(domain, zones)
    theirs = checkdmarc_dmarc.check_dmarc(domain, resolver=resolver, timeout=2.0, retries=0)
    our_error = any(f.level in ("error", "critical") for f in ours.findings)
    _agree(case, our_error, not theirs["valid"], f"ours {[f.code for f in ours.findings]}, theirs {theirs}")


def test_every_pin_is_a_case():
    assert set(PINNED) <= set(SPF_CASES) | set(DMARC_CASES)

"""tests/support/knot.py: the knotd fixture itself (start, SERVFAIL zones, loud failures, stop)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.knot import KnotError, start_knot, zones_in

from toolkit.core.dns import DnsStatus
from toolkit.resolvers.live import LiveResolver

ZONES = Path(__file__).parent / "zones"
SOA = "$TTL 60\n@ IN SOA ns1 hostmaster 1 7200 900 1209600 60\n@ NS ns1\nns1 A 192.0.2.53\n"


def test_zone_origins_match_the_zone_file_resolver():
    assert [(origin, path.name) for origin, path in zones_in(ZONES)] == [
        ("example.com.", "example.com.zone"),
        ("example.net.", "example.net.zone"),
    ]


@pytest.mark.peers
def test_factory_reuses_a_server_per_folder(knot_factory):
    assert knot_factory(ZONES) is knot_factory(ZONES)
    assert knot_factory(ZONES).servfail_zones == ("broken.example.org.",)  # from faults.txt


@pytest.mark.peers
def test_servfail_zone_below_a_served_zone(knot_factory):
    knot = knot_factory(ZONES, servfail_zones=["sick.example.com"])
    live = LiveResolver([knot.nameserver], timeout=3.0)
    for name in ("sick.example.com", "www.sick.example.com"):
        answer = live.query(name, "A")
        assert (answer.status, answer.detail) == (DnsStatus.TEMPFAIL, "SERVFAIL"), name
    assert live.query("www.example.com", "A").status is DnsStatus.OK


@pytest.mark.peers
def test_a_zone_knot_cannot_load_fails_loudly(tmp_path):
    zones = tmp_path / "zones"
    zones.mkdir()
    (zones / "example.org.zone").write_text(SOA + "www A 192.0.2.300\n")
    with pytest.raises(KnotError, match=r"example\.org\. did not load"):
        start_knot(zones, tmp_path / "work")


@pytest.mark.peers
def test_start_and_stop(tmp_path):
    zones = tmp_path / "zones"
    zones.mkdir()
    (zones / "example.org.zone").write_text(SOA + "www A 192.0.2.1\n")
    with start_knot(zones, tmp_path / "work") as knot:
        assert knot.running and knot.host == "127.0.0.1"
        assert LiveResolver([knot.nameserver], timeout=3.0).query("www.example.org", "A").records == ("192.0.2.1",)
        assert "listen: 127.0.0.1@" in knot.config.read_text()
    assert not knot.running
    answer = LiveResolver([knot.nameserver], timeout=0.5).query("www.example.org", "A")
    assert answer.status is DnsStatus.TEMPFAIL

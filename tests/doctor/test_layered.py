"""`--zones DIR --live`: the zone files answer for their own zones, every other name goes to the live resolver.

Hermetic: a local knot plays "live DNS" (--nameserver 127.0.0.1:PORT), serving zones the local folder lacks.
"""

from __future__ import annotations

import json

import pytest

from toolkit.core.dns import DnsStatus
from toolkit.resolvers import LiveResolver, ZoneFileResolver
from toolkit.resolvers.layered import LayeredResolver
from toolkit.shells.cli import main

from .zonekit import write_zones


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    base = tmp_path_factory.mktemp("layered")
    # the draft: example.com with a new SPF record, and a CNAME into a zone only "live" DNS has
    local = write_zones(
        base / "local",
        {
            "example.com": """
@ IN TXT "v=spf1 include:spf.example.net -all"
sel._domainkey IN CNAME sel.dkim.example.net.
""",
        },
    )
    upstream = write_zones(
        base / "live",
        {
            "example.com": '@ IN TXT "v=spf1 -all"\n',  # what is published today: the draft must win
            "example.net": """
spf IN TXT "v=spf1 ip4:192.0.2.10 -all"
sel.dkim IN TXT "v=DKIM1; p="
""",
        },
    )
    return local, upstream


def test_zone_names_come_from_files_others_from_live(worlds, knot_factory):
    local, upstream = worlds
    knot = knot_factory(upstream)
    layered = LayeredResolver(ZoneFileResolver(local), LiveResolver([knot.nameserver], timeout=2.0))
    mine = layered.query("example.com", "TXT")
    assert mine.txt_joined() == (b"v=spf1 include:spf.example.net -all",) and mine.source.startswith("zone:")
    theirs = layered.query("spf.example.net", "TXT")
    assert theirs.txt_joined() == (b"v=spf1 ip4:192.0.2.10 -all",) and theirs.source.startswith("live:")
    # a name under a local zone that does not exist stays NXDOMAIN: the draft zone is authoritative
    assert layered.query("nope.example.com", "TXT").status is DnsStatus.NXDOMAIN


def test_cname_from_zone_file_is_followed_into_live(worlds, knot_factory):
    local, upstream = worlds
    knot = knot_factory(upstream)
    layered = LayeredResolver(ZoneFileResolver(local), LiveResolver([knot.nameserver], timeout=2.0))
    answer = layered.query("sel._domainkey.example.com", "TXT")
    assert answer.ok and answer.txt_joined() == (b"v=DKIM1; p=",)
    assert answer.cname_chain[0] == "sel._domainkey.example.com"


def test_cli_spf_with_zones_live(worlds, knot_factory, capsys):
    local, upstream = worlds
    knot = knot_factory(upstream)
    ns = f"{knot.host}:{knot.port}"
    args = ["spf", "--zones", str(local), "--live", "--nameserver", ns, "--ip", "192.0.2.10"]
    assert main([*args, "--mail-from", "a@example.com"]) == 0  # pass: the draft's include reached live DNS
    assert "spf.example.net" in capsys.readouterr().out


def test_live_needs_zones(capsys):
    assert main(["spf", "--live", "--ip", "192.0.2.1", "--mail-from", "a@example.com"]) == 2
    assert "--live goes with --zones" in capsys.readouterr().err


def test_zones_and_nameserver_need_live(tmp_path, capsys):
    folder = write_zones(tmp_path / "z", {"example.com": ""})
    args = ["spf", "--zones", str(folder), "--nameserver", "127.0.0.1:53", "--ip", "192.0.2.1", "--mail-from", "a@b.c"]
    assert main(args) == 2
    assert "add --live" in capsys.readouterr().err


def test_doctor_tries_a_draft_record_against_live_dns(worlds, knot_factory, capsys):
    """The draft SPF in the zone files is checked, its include is fetched from the "live" side."""
    local, upstream = worlds
    knot = knot_factory(upstream)
    args = ["doctor", "example.com", "--zones", str(local), "--live", "--nameserver", f"{knot.host}:{knot.port}"]
    main([*args, "--selector", "sel", "--json"])
    findings = {f["code"]: f for f in json.loads(capsys.readouterr().out)["findings"]}
    assert "SPF_OK" in findings and "1/10 DNS lookups" in findings["SPF_OK"]["message"]
    assert "DKIM_REVOKED" in findings  # the CNAME'd key lives only on the live side, and is revoked there

"""keycheck over real DNS: knotd serves the zone that keygen's line went into (peers: Debian package knot)."""

from __future__ import annotations

import json

import pytest

from toolkit.shells.cli import main

pytestmark = pytest.mark.peers

ZONE = """$ORIGIN example.com.
$TTL 3600
@    IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300
@    IN NS  ns1.example.com.
ns1  IN A   192.0.2.53
old._domainkey IN TXT "v=DKIM1; k=rsa; p="
"""


def test_keygen_then_keycheck_through_knot(capsys, tmp_path, knot_factory):
    assert main(["keygen", "--domain", "example.com", "--selector", "s1", "--out", str(tmp_path / "keys")]) == 0
    zone_line = capsys.readouterr().out
    zones = tmp_path / "zones"
    zones.mkdir()
    (zones / "example.com.zone").write_text(ZONE + zone_line)
    (zones / "faults.txt").write_text("broken.example * SERVFAIL\n")
    server = knot_factory(zones)
    key = str(tmp_path / "keys" / "example.com" / "s1.private.pem")

    def keycheck(selector: str, domain: str = "example.com") -> tuple[int, dict]:
        argv = ["keycheck", "--domain", domain, "--selector", selector, "--key", key, "--json"]
        code = main([*argv, "--nameserver", f"{server.host}:{server.port}", "--dns-timeout", "2"])
        return code, json.loads(capsys.readouterr().out)

    code, data = keycheck("s1")
    assert (code, data["status"]) == (0, "match")
    assert len(data["answer"]["records"][0]) == 2  # two character-strings over the wire, joined for the check
    assert keycheck("old")[0] == 4
    assert keycheck("missing")[0] == 3
    code, data = keycheck("s1", "broken.example")
    assert (code, data["status"]) == (5, "temperror")

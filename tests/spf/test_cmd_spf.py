"""`emlauth spf`: results for MAIL FROM and HELO, the ledger tree, JSON, exit codes (0 pass, 1 other, 3 temperror,
2 usage), offline from zone files."""

from __future__ import annotations

import json

import pytest

from toolkit.shells.cli import main

ZONE = """\
$ORIGIN example.com.
$TTL 300
@ IN SOA ns.example.com. host.example.com. 1 3600 600 86400 300
@ IN NS ns.example.com.
ns IN A 192.0.2.53
@ IN TXT "v=spf1 include:_spf.example.com mx -all exp=why.example.com"
@ IN MX 10 mx1.example.com.
mx1 IN A 192.0.2.25
_spf IN TXT "v=spf1 ip4:198.51.100.0/24 a:gone1.example.com ~all"
why IN TXT "%{i} is not a sender for %{d}"
mail IN TXT "v=spf1 a -all"
mail IN A 192.0.2.25
void IN TXT "v=spf1 a:g1.example.com a:g2.example.com a:g3.example.com -all"
slow IN TXT "v=spf1 include:stuck.example.com -all"
"""


@pytest.fixture
def zones(tmp_path):
    (tmp_path / "example.com.zone").write_text(ZONE)
    (tmp_path / "faults.txt").write_text("stuck.example.com * TIMEOUT\n")
    return str(tmp_path)


def spf(zones, *args):
    return main(["spf", "--zones", zones, *args])


def test_pass_prints_both_identities_and_the_ledger_tree(zones, capsys):
    code = spf(zones, "--ip", "198.51.100.7", "--mail-from", "bob@example.com", "--helo", "mail.example.com")
    out = capsys.readouterr().out
    assert code == 0
    assert "MAIL FROM: bob@example.com  domain example.com" in out
    assert "result: pass" in out and "matched: include:_spf.example.com -> ip4:198.51.100.0/24" in out
    assert "HELO: postmaster@mail.example.com" in out
    assert "  └ include:_spf.example.com: _spf.example.com TXT -> OK, 1 record +1 lookup  [1/10 lookups" in out


def test_fail_shows_explanation_and_exit_1(zones, capsys):
    code = spf(zones, "--ip", "203.0.113.9", "--mail-from", "bob@example.com", "--helo", "mail.example.com")
    out = capsys.readouterr().out
    assert code == 1
    assert "explanation: 203.0.113.9 is not a sender for example.com" in out
    assert "gone1.example.com A -> NXDOMAIN, 0 records +1 lookup VOID" in out


def test_void_limit_is_marked_in_the_tree(zones, capsys):
    assert spf(zones, "--ip", "203.0.113.9", "--mail-from", "x@void.example.com", "--helo", "mail.example.com") == 1
    out = capsys.readouterr().out
    assert "!! LIMIT at a:g3.example.com: void lookup 3 > 2 (SPF-14)" in out
    assert "limit broken: void" in out


def test_temperror_exits_3_and_json_has_the_ledger(zones, capsys):
    code = spf(
        zones, "--ip", "203.0.113.9", "--mail-from", "x@slow.example.com", "--helo", "mail.example.com", "--json"
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 3
    assert data["mailfrom"]["result"] == "temperror" and data["mailfrom"]["reason"] == "DNS_TEMPFAIL"
    assert data["mailfrom"]["ledger"][-1]["name"] == "stuck.example.com"
    assert data["helo"]["identity"] == "helo"


def test_null_sender_uses_helo(zones, capsys):
    assert spf(zones, "--ip", "192.0.2.25", "--mail-from", "", "--helo", "mail.example.com") == 0
    out = capsys.readouterr().out
    assert "MAIL FROM: postmaster@mail.example.com (null reverse-path)" in out


@pytest.mark.parametrize(
    "args",
    [
        ["--ip", "nonsense", "--mail-from", "a@example.com"],
        ["--ip", "192.0.2.1", "--mail-from", ""],
        ["--ip", "192.0.2.1", "--mail-from", "a@example.com", "--max-void", "-1"],
    ],
)
def test_usage_errors_exit_2(zones, capsys, args):
    assert spf(zones, *args) == 2
    assert "error:" in capsys.readouterr().err

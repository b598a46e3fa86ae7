"""check_published_key against a MemoryResolver: every outcome and its exit code (DKIM-14..17)."""

from __future__ import annotations

import json

import pytest

from toolkit.core.dkim.keycheck import KeyCheckStatus, check_published_key
from toolkit.core.results import Verdict
from toolkit.resolvers.memory import MemoryResolver
from toolkit.shells.exits import keycheck_exit

NAME = "s1._domainkey.example.com"


def _check(key, txt):
    resolver = MemoryResolver({NAME: {"TXT": txt}} if txt is not None else {})
    return check_published_key(key, "s1", "example.com", resolver), resolver


def test_match_with_split_strings(rsa2048):
    result, resolver = _check(rsa2048, [rsa2048.dns_txt_strings()])
    assert resolver.queries == [(NAME, "TXT")]  # DKIM-14: the absolute name, TXT only
    assert result.status is KeyCheckStatus.MATCH and keycheck_exit(result) == 0 and result.verdict is Verdict.PASS
    assert result.name == NAME + "."
    (record,) = result.records
    assert (record.key_type, record.key_bits, record.notes) == ("rsa", 2048, ())


def test_mismatch_other_key(rsa2048, rsa1024):
    result, _ = _check(rsa2048, [rsa1024.dns_record_value()])
    assert result.status is KeyCheckStatus.MISMATCH and keycheck_exit(result) == 1 and result.verdict is Verdict.FAIL
    assert result.records[0].key_bits == 1024
    assert any("1024 bits" in note for note in result.records[0].notes)


def test_mismatch_other_type(rsa2048, ed25519_key):
    result, _ = _check(ed25519_key, [rsa2048.dns_record_value()])
    assert result.status is KeyCheckStatus.MISMATCH
    assert "record is k=rsa, the private key is ed25519" in result.records[0].notes


def test_ed25519_match(ed25519_key):
    result, _ = _check(ed25519_key, [ed25519_key.dns_record_value()])
    assert result.status is KeyCheckStatus.MATCH and result.records[0].key_type == "ed25519"


def test_absent_nxdomain(rsa2048):
    result, _ = _check(rsa2048, None)
    assert result.status is KeyCheckStatus.ABSENT and keycheck_exit(result) == 3 and result.verdict is Verdict.PERMERROR
    assert result.answer.status.value == "NXDOMAIN" and result.records == ()


def test_absent_nodata(rsa2048):
    resolver = MemoryResolver({NAME: {"A": ["192.0.2.1"]}})
    result = check_published_key(rsa2048, "s1", "example.com", resolver)
    assert result.status is KeyCheckStatus.ABSENT and result.answer.status.value == "NODATA"


def test_revoked(rsa2048):
    result, _ = _check(rsa2048, ["v=DKIM1; k=rsa; p="])
    assert result.status is KeyCheckStatus.REVOKED and keycheck_exit(result) == 4
    assert result.records[0].reason == "KEY_REVOKED"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("v=DKIM1; k=rsa; p=!!!notbase64", "KEY_BAD_BASE64"),
        ("v=DKIM1; k=rsa", "KEY_MISSING_P"),
        ("v=DKIM1; k=rsa; p=AAAA; p=BBBB", "KEY_SYNTAX"),
        ("v=DKIM2; p=AAAA", "KEY_VERSION"),
        ("v=spf1 -all", "KEY_VERSION"),
        ("v=DKIM1; k=ed25519; p=AAAA", "KEY_BAD_DATA"),
    ],
)
def test_syntax_problems(rsa2048, value, reason):
    result, _ = _check(rsa2048, [value])
    assert result.status is KeyCheckStatus.INVALID and keycheck_exit(result) == 4
    assert result.records[0].reason == reason and result.records[0].problem


@pytest.mark.parametrize("fault", ["TIMEOUT", "SERVFAIL"])
def test_dns_error_is_temperror(rsa2048, fault):
    result, _ = _check(rsa2048, fault)
    assert (
        result.status is KeyCheckStatus.TEMPFAIL and keycheck_exit(result) == 5 and result.verdict is Verdict.TEMPERROR
    )
    assert result.answer.detail in ("timeout", "SERVFAIL")


def test_several_records_each_one_is_judged(rsa2048, rsa1024):
    # DKIM-14 [ours]: a junk record, a revoked one, another key and ours: ours wins.
    txt = ["v=spf1 -all", "v=DKIM1; p=", [rsa1024.dns_record_value()], rsa2048.dns_txt_strings()]
    result, _ = _check(rsa2048, txt)
    assert [r.status.value for r in result.records] == ["invalid", "revoked", "mismatch", "match"]
    assert result.status is KeyCheckStatus.MATCH and keycheck_exit(result) == 0
    without_ours, _ = _check(rsa2048, txt[:3])
    assert without_ours.status is KeyCheckStatus.MISMATCH
    only_revoked_and_junk, _ = _check(rsa2048, txt[:2])
    assert only_revoked_and_junk.status is KeyCheckStatus.REVOKED


def test_testing_flag_is_noted(rsa2048):
    result, _ = _check(rsa2048, [rsa2048.dns_record_value(testing=True)])
    assert result.status is KeyCheckStatus.MATCH and result.records[0].testing
    assert any("DKIM-18" in note for note in result.records[0].notes)


def test_to_json_round_trips_and_holds_no_private_material(rsa2048):
    result, _ = _check(rsa2048, [rsa2048.dns_txt_strings()])
    text = json.dumps(result.to_json())
    data = json.loads(text)
    assert data["status"] == "match" and "exit_code" not in data and data["verdict"] == "pass"  # exit codes: shells
    assert data["records"][0]["value"] == rsa2048.dns_record_value()
    assert data["private_key"] == {"type": "rsa", "bits": 2048, "public_key_sha256": rsa2048.fingerprint()}
    assert rsa2048.ses_private_key_string()[40:80] not in text

"""Every sample in samples/cases.toml, end to end through verify_message against samples/zones (and the CLIs)."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path

import pytest

from toolkit.core.verify import SmtpContext, verify_message
from toolkit.resolvers.zonefile import ZoneFileResolver
from toolkit.shells.exits import report_exit_code

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CASES = tomllib.loads((SAMPLES / "cases.toml").read_text())["sample"]


@pytest.fixture(scope="module")
def resolver() -> ZoneFileResolver:
    return ZoneFileResolver(SAMPLES / "zones")


def _verify(case: dict, resolver) -> object:
    raw = (SAMPLES / case["file"]).read_bytes()
    return verify_message(raw, SmtpContext(case["ip"], case["helo"], case["mail_from"]), resolver, case["now"])


def test_at_least_twelve_lessons_each_with_a_message() -> None:
    assert len(CASES) >= 12
    names = [c["name"] for c in CASES]
    assert len(set(names)) == len(names)
    for case in CASES:
        assert (SAMPLES / case["file"]).is_file(), case["file"]
        assert case["lesson"].strip()
    on_disk = {p.name for p in (SAMPLES / "messages").glob("*.eml")}
    assert on_disk == {Path(c["file"]).name for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_sample_verdicts(case: dict, resolver) -> None:
    report = _verify(case, resolver)
    expect = case["expect"]
    assert report.spf is not None and report.spf.result.value == expect["spf"]
    assert [d.verdict.value for d in report.dkim] == expect["dkim"]
    assert report.dmarc.verdict.value == expect["dmarc"]
    assert report.dmarc.effective_policy == expect["policy"]
    assert report.dmarc.disposition == expect["disposition"]
    assert report_exit_code(report) == expect["exit_code"]
    # the A-R field says the same (AR-4, DMARC-19)
    assert f"dmarc={expect['dmarc']}" in report.authentication_results
    assert f"policy.dmarc={expect['policy']}" in report.authentication_results


def test_lessons_hinge_on_the_right_reason(resolver) -> None:
    by_name = {c["name"]: c for c in CASES}
    reasons = {name: _verify(by_name[name], resolver) for name in ("revoked-key", "expired-signature", "mailing-list")}
    assert reasons["revoked-key"].dkim[0].reason.value == "KEY_REVOKED"  # DKIM-15
    assert reasons["expired-signature"].dkim[0].reason.value == "EXPIRED"  # DKIM-11
    assert reasons["mailing-list"].dkim[0].reason.value == "BODY_HASH_MISMATCH"  # DKIM-19
    easy = next(d for d in _verify(by_name["ses-easy-dkim"], resolver).dkim if d.domain == "example.com")
    assert easy.key_answer.cname_chain  # SES-1: the selector is a CNAME into the ESP's zone
    body_length = _verify(by_name["body-length"], resolver).dkim[0]
    assert body_length.unsigned_body_bytes > 0  # DKIM-10
    bounce = _verify(by_name["null-sender-bounce"], resolver).spf
    assert bounce.null_sender and bounce.domain == "mx.example.com"  # SPF-1


def test_verify_eml_cli_runs_a_sample(capsys) -> None:
    from toolkit.shells.cli import verify_eml_main

    case = next(c for c in CASES if c["name"] == "mailing-list")
    argv = [str(SAMPLES / case["file"]), "--zones", str(SAMPLES / "zones"), "--ip", case["ip"], "--helo", case["helo"]]
    argv += ["--mail-from", case["mail_from"], "--now", str(case["now"]), "--header-only"]
    code = verify_eml_main(argv)
    out = capsys.readouterr().out
    assert code == case["expect"]["exit_code"] == 1
    assert "dkim=fail" in out and "dmarc=fail" in out and "policy.dmarc=reject" in out


def test_build_reproduces_the_committed_samples() -> None:
    spec = importlib.util.spec_from_file_location("samples_build", SAMPLES / "build.py")
    build = importlib.util.module_from_spec(spec)
    sys.modules["samples_build"] = build  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(build)
    finally:
        del sys.modules["samples_build"]
    stale = [str(p) for p, data in build.build_all().items() if not p.exists() or p.read_bytes() != data]
    assert stale == []


def test_zone_files_have_soa_and_ns_for_knot() -> None:
    for zone in (SAMPLES / "zones").glob("*.zone"):
        text = zone.read_text()
        assert " SOA " in text and " NS " in text, zone.name
        assert "{{" not in text, zone.name


def test_verify_eml_json_carries_the_diagnosis(capsys) -> None:
    """The JSON names what changed the body (the footer), from the same objects the walkthrough narrates."""
    import json

    from toolkit.shells.cli import verify_eml_main

    case = next(c for c in CASES if c["name"] == "mailing-list")
    argv = [str(SAMPLES / case["file"]), "--zones", str(SAMPLES / "zones"), "--ip", case["ip"], "--helo", case["helo"]]
    argv += ["--mail-from", case["mail_from"], "--now", str(case["now"]), "--json"]
    assert verify_eml_main(argv) == 1
    data = json.loads(capsys.readouterr().out)
    found = [d for d in data["diagnoses"] if d["code"] == "body_change_found"]
    assert found and found[0]["evidence"]["change"] == "footer_appended"
    assert found[0]["evidence"]["lines_removed"] == 3

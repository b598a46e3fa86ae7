"""The sample zones served by knotd give the same verdicts as the zone-file resolver (the files are real RFC 1035)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from toolkit.core.verify import SmtpContext, verify_message
from toolkit.resolvers.live import LiveResolver
from toolkit.shells.exits import report_exit_code

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CASES = tomllib.loads((SAMPLES / "cases.toml").read_text())["sample"]

pytestmark = pytest.mark.peers


@pytest.fixture(scope="module")
def knot_resolver(knot_factory) -> LiveResolver:
    server = knot_factory(SAMPLES / "zones")
    return LiveResolver([server.nameserver], timeout=2.0)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_sample_over_knot(case: dict, knot_resolver: LiveResolver) -> None:
    raw = (SAMPLES / case["file"]).read_bytes()
    context = SmtpContext(case["ip"], case["helo"], case["mail_from"])
    report = verify_message(raw, context, knot_resolver, case["now"])
    expect = case["expect"]
    assert report.spf.result.value == expect["spf"]
    assert [d.verdict.value for d in report.dkim] == expect["dkim"]
    assert report.dmarc.verdict.value == expect["dmarc"]
    assert report_exit_code(report) == expect["exit_code"]

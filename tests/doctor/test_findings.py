"""Every doctor finding code has a zone-file scenario that fires it, and no other error (STANDARDS rule per code)."""

from __future__ import annotations

import pytest

from toolkit.core.domain import diagnose
from toolkit.core.domain.text_en import EN
from toolkit.core.domain.text_ja import JA
from toolkit.resolvers import MemoryResolver, ZoneFileResolver
from toolkit.shells.exits import doctor_exit

from .scenarios import DEFAULTS, SCENARIOS
from .world import write_world

BULK = {c for c in EN if c.startswith("BULK_")}  # need a message: test_cmd_doctor.py test_each_bulk_requirement_alone
NOT_FROM_ZONES = {"SPF_STRING_LONG"}  # a zone file cannot hold a 300-byte string: test_bad_input.py


def run(tmp_path, code):
    changes, options, faults, domain = SCENARIOS[code]
    resolver = ZoneFileResolver(write_world(tmp_path / code, changes, faults))
    return diagnose(domain, resolver, **{**DEFAULTS, **options})


def test_every_code_has_a_scenario_and_both_languages():
    assert set(EN) - BULK - NOT_FROM_ZONES == set(SCENARIOS)
    assert set(JA) == set(EN)


@pytest.mark.parametrize("code", sorted(SCENARIOS))
def test_scenario_fires_its_code_and_no_other_error(tmp_path, code):
    report = run(tmp_path, code)
    codes = [f.code for f in report.findings]
    assert code in codes, codes
    errors = {f.code for f in report.findings if f.level in ("error", "critical")} - {code}
    assert not errors, errors
    if code.endswith("_DNS_ERROR"):
        assert doctor_exit(report.findings) == 3
    fired = next(f for f in report.findings if f.code == code)
    assert fired.message and "{" not in fired.message


def test_good_world_has_no_warning(tmp_path):
    report = run(tmp_path, "SPF_OK")
    assert {f.level for f in report.findings} <= {"ok", "info"}
    assert doctor_exit(report.findings) == 0


def test_spf_string_over_255_bytes():
    """A 300-byte TXT string cannot come from a zone file or the wire, but a Resolver may hand one over."""
    record = "v=spf1 " + " ".join(f"ip4:192.0.2.{n}" for n in range(1, 22)) + " -all"
    assert len(record) > 255
    resolver = MemoryResolver({"example.com": {"TXT": [record]}})
    report = diagnose("example.com", resolver)
    assert "SPF_STRING_LONG" in [f.code for f in report.findings]

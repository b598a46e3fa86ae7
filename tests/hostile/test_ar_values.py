"""A-R lines grew with attacker-sized values (issue 15: a 60,000-character s= made one 60 kB line in our field).
Each property value in our field is now cut at MAX_PROPERTY_VALUE characters with a marker, and the field is folded
at 78 columns wherever the tokens allow: only a single over-long property may exceed it, on a line of its own."""

from __future__ import annotations

import authres
from support.bounded import EMLAUTH, run_bounded

from toolkit.core import arheader
from toolkit.core.dkim.result import DkimResult
from toolkit.core.results import Verdict

MESSAGE = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: s\r\n\r\nbody\r\n"


def _lines(field: str) -> list[str]:
    return field.split("\r\n")


def test_sixty_thousand_character_selector_through_verify_eml(tmp_path) -> None:
    sig = f"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s={'a' * 60_000}; h=from; bh=AAAA; b=AAAA\r\n"
    eml = tmp_path / "long.eml"
    eml.write_bytes(sig.encode() + MESSAGE)
    run = run_bounded([*EMLAUTH, "verify", "--checks", "dkim", "--header-only", "--zones", str(tmp_path), str(eml)])
    assert run.returncode == 1, run.stderr_text
    lines = run.stdout.decode().rstrip("\r\n").split("\n")
    assert max(len(line.rstrip("\r")) for line in lines) < 300, [len(x) for x in lines]
    assert "a" * 250 + "..." in run.stdout.decode()


def test_values_are_cut_with_a_marker_and_the_field_is_folded() -> None:
    sigs = [
        DkimResult(Verdict.PERMERROR, None, domain="example.com", selector="s" * 60_000, algorithm="rsa-sha256"),
        DkimResult(Verdict.FAIL, None, domain="example.com", selector="s1", identity="x" * 400 + "@example.com"),
    ]
    field = arheader.build_field("mx.example.org", dkim=sigs)
    lines = _lines(field)
    long_lines = [line for line in lines if len(line) > arheader.MAX_LINE]
    assert all(len(line) < 300 and line.count("=") == 1 for line in long_lines), long_lines  # one property each
    parsed = authres.AuthenticationResultsHeader.parse(field)
    selectors = [p.value for r in parsed.results for p in r.properties if p.name == "s"]
    assert selectors[0] == "s" * (arheader.MAX_PROPERTY_VALUE - 3) + "..." and selectors[1] == "s1"
    short = arheader.build_field("mx.example.org", dkim=sigs[1:2])
    assert max(len(line) for line in _lines(short)) < 300

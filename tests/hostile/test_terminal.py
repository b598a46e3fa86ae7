"""Terminal escapes (issue 15): control characters from headers (HELO, From, d=, s=) reached the terminal in
--explain and the walkthrough. Everything shown to a person now goes through toolkit.core.display: ESC, BEL, C1
controls, bidi overrides and raw 8-bit bytes are shown as visible escapes; JSON stays valid and decodes back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.bounded import EMLAUTH, run_bounded

from toolkit.core.display import printable, printable_json

NOW = "1700000000"
HOSTILE = (
    b"From: \x1b]0;owned\x07Alice <alice@example.com>\r\n"
    b"To: bob@example.org\r\n"
    b"Subject: \xc2\x9b31mred \xe2\x80\xaereversed \x9bJ\r\n"
    b"DKIM-Signature: v=1; a=rsa-sha256; d=ex\x1b[2Jample.com; s=s\x1b[8m; h=from; bh=AAAA; b=AAAA\r\n"
    b"\r\nbody\r\n"
)
RAW_CONTROLS = (b"\x1b", b"\x07", b"\xc2\x9b", b"\x9b", b"\xe2\x80\xae")


def _assert_clean(output: bytes) -> None:
    for raw in RAW_CONTROLS:
        assert raw not in output, (raw, output[:2000])


@pytest.mark.parametrize("mode", [["verify", "--explain"], ["walkthrough"], ["verify", "--json"]])
def test_hostile_headers_and_helo_are_escaped(tmp_path: Path, mode: list[str]) -> None:
    eml = tmp_path / "hostile.eml"
    eml.write_bytes(HOSTILE)
    context = ["--ip", "192.0.2.1", "--helo", "mx\x1b[2J.example.net", "--mail-from", "a@example.com"]
    run = run_bounded([*EMLAUTH, *mode, *context, "--now", NOW, "--zones", str(tmp_path), str(eml)], cpu=20)
    assert run.returncode in (0, 1, 3), run.stderr_text
    _assert_clean(run.stdout)
    _assert_clean(run.stderr)
    if "--json" in mode:
        report = json.loads(run.stdout)  # still valid JSON, with the exact values inside
        assert report["dkim"][0]["tags"]["d"] == "ex\x1b[2Jample.com"
    else:
        assert b"\\x1b" in run.stdout  # shown, not executed


def test_error_lines_stay_one_line_and_escaped() -> None:
    run = run_bounded([*EMLAUTH, "verify", "--ip", "\x1b[31m\nnot-an-ip", "-"], stdin=b"")
    assert run.returncode == 2 and len(run.stderr.splitlines()) == 1
    _assert_clean(run.stderr)


def test_the_helpers() -> None:
    assert printable("a\x1bb\tc\nd") == "a\\x1bb\tc\nd"
    assert printable("a\nb", one_line=True) == "a\\x0ab"
    assert printable("x\udc9by\u202ez\x85") == "x\\x9by\\u202ez\\x85"
    assert json.loads(printable_json(json.dumps({"k": "\x9b\u202e\udcff"}, ensure_ascii=False))) == {
        "k": "\x9b\u202e\udcff"
    }


def test_doctor_escapes_dns_text(tmp_path: Path) -> None:
    """`emlauth doctor` quotes TXT records and rua addresses (with its own colour codes on a terminal)."""
    zone = (
        "$ORIGIN example.com.\n@ 300 IN SOA ns.example.com. h.example.com. 1 3600 600 86400 300\n"
        "@ 300 IN NS ns.example.com.\n"
        '@ 300 IN TXT "v=spf1 ip4:192.0.2.1 \\027[31mred -all"\n'
        '_dmarc 300 IN TXT "v=DMARC1; p=none; rua=mailto:\\027]0;t\\007@example.com"\n'
    )
    (tmp_path / "example.com.zone").write_text(zone)
    for extra in ([], ["--json"]):
        run = run_bounded([*EMLAUTH, "doctor", "example.com", "--zones", str(tmp_path), *extra], cpu=20)
        assert run.returncode in (1, 3), run.stderr_text
        _assert_clean(run.stdout)
    assert b"\\x1b]0" in run_bounded([*EMLAUTH, "doctor", "example.com", "--zones", str(tmp_path)]).stdout

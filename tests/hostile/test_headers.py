"""Folded headers (issue 15): a 20 MB message of continuation lines took 976 MB in verify-eml (a regex kept a
backtracking frame per continuation line). Headers are now split in linear time and memory, and fields past the
first MiB of header are not read: DKIM says HEADER_TOO_LARGE (policy) instead of verifying."""

from __future__ import annotations

import json
from pathlib import Path

from support.bounded import EMLAUTH, run_bounded

from toolkit.core.message import MAX_HEADER_BYTES, parse_message

NOW = "1700000000"


def _folded(size: int) -> bytes:
    line = b"\r\n x"
    return b"From: a@example.com\r\nSubject: s" + line * (size // len(line)) + b"\r\nTo: b@example.org\r\n\r\nbody\r\n"


def test_twenty_megabytes_of_folded_lines_in_verify_eml(tmp_path: Path) -> None:
    eml = tmp_path / "folded.eml"
    eml.write_bytes(_folded(20 * 2**20))
    run = run_bounded([*EMLAUTH, "verify", "--now", NOW, "--zones", str(tmp_path), "--json", str(eml)], cpu=30)
    assert run.returncode == 1, run.stderr_text
    report = json.loads(run.stdout)
    assert report["dkim"][0]["reason"] == "HEADER_TOO_LARGE" and report["dkim"][0]["result"] == "policy"
    assert any("over the 1048576-octet limit" in d for d in report["message"]["defects"])
    assert run.max_rss_mb < 400, run.max_rss_mb  # was 976 MB; the file itself is 20 MB, kept with its copies


def test_parse_is_linear_and_capped() -> None:
    message = parse_message(_folded(4 * 2**20))
    assert message.header_truncated and [h.name for h in message.headers] == ["From"]
    assert message.body.tobytes() == b"body\r\n"  # the body is still found
    small = parse_message(_folded(MAX_HEADER_BYTES // 2))
    assert not small.header_truncated and [h.name for h in small.headers] == ["From", "Subject", "To"]
    many = parse_message(b"X: y\r\n" * 300_000 + b"\r\n")  # many small fields: also stopped at the limit
    assert many.header_truncated and len(many.headers) == MAX_HEADER_BYTES // 6
    # a field ending just at the limit whose continuation lies beyond it is not cut in two
    edge = b"A: " + b"a" * (MAX_HEADER_BYTES - 5) + b"\r\n b\r\n\r\n"
    assert parse_message(edge).headers == ()

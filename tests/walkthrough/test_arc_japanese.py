"""A chain that does not validate is explained in Japanese, its engine detail quoted as evidence (issue 13 §3)."""

from __future__ import annotations

from pathlib import Path

from toolkit.core.arc.result import ArcReason
from toolkit.shells.runner import verify_eml_main
from toolkit.walkthrough import ja_core

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_every_arc_reason_has_japanese():
    assert {r.value for r in ArcReason} - {"NO_CHAIN"} <= set(ja_core.ARC_REASONS)


def test_a_broken_chain_reads_in_japanese(tmp_path, capsys):
    tampered = tmp_path / "tampered.eml"
    tampered.write_bytes((SAMPLES / "messages" / "mailing-list-arc.eml").read_bytes() + b"tampered\r\n")
    argv = ["--zones", str(SAMPLES / "zones"), "--ip", "192.0.2.70", "--helo", "mail.lists.test",
            "--mail-from", "team-bounces@lists.test", "--now", "1772446880", "--explain", "--lang", "ja"]  # fmt: skip
    verify_eml_main([*argv, str(tampered)])
    text = capsys.readouterr().out.replace("\n", "")
    assert "arc=fail (AMS_FAILED)。最新のメッセージ署名 (AMS) が検証できません (「AMS i=2:" in text

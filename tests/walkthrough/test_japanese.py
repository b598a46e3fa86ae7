"""--lang ja is Japanese throughout: every sample's walkthrough and `verify-eml --explain`, the Received notes and
--list. No line carries an English phrase of 4 or more words outside quoted evidence and identifiers."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from toolkit.core.verify import SmtpContext, verify_message
from toolkit.resolvers.zonefile import ZoneFileResolver
from toolkit.shells.cli import main, verify_eml_main
from toolkit.walkthrough import en, explain, ja
from toolkit.walkthrough.layout import NO_LINE_START, WIDTH, columns

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CASES = {c["name"]: c for c in tomllib.loads((SAMPLES / "cases.toml").read_text())["sample"]}
RESOLVER = ZoneFileResolver(SAMPLES / "zones")
QUOTED = re.compile(r'"[^"\n]*"|「[^」]*」', re.S)  # records, and evidence 「」 (which may wrap across lines)
AR_BLOCK = re.compile(r"^    (Authentication-Results:|\t).*$", re.M)  # the field as written: evidence
WORD = re.compile(r"[A-Za-z]?[a-z]+")  # an English word; identifiers (d=x, a.b, DKIM-19, DNS) are not words


def english_phrases(text: str) -> list[str]:
    """Runs of 4+ English words on one line, outside quotes, the A-R field and identifiers."""
    found = []
    for line in AR_BLOCK.sub("", QUOTED.sub(" ", text)).splitlines():
        run: list[str] = []
        for token in line.split():
            word = token.strip("()[]{}.:;!?")
            if WORD.fullmatch(word) and len(word) > 1:
                run.append(word)
                if len(run) >= 4:
                    found.append(" ".join(run))
                if token.endswith(","):  # a list (from, to, cc, ...) is names, not a phrase
                    run = []
            else:
                run = []
    return found


def _report(name: str):
    case = CASES[name]
    raw = (SAMPLES / case["file"]).read_bytes()
    return verify_message(raw, SmtpContext(case["ip"], case["helo"], case["mail_from"]), RESOLVER, case["now"])


def test_the_checker_finds_english() -> None:
    # the two examples the issue reported, as they looked before
    assert english_phrases("DKIM の結果: fail (body hash did not verify): 署名が検証できません")
    assert english_phrases("警告: pct= is not part of RFC 9989 and is ignored")
    assert not english_phrases('鍵: "v=DKIM1; k=rsa; p=this is a quoted record text"')
    assert not english_phrases("h=from, to, subject, date, message-id")


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_sample_walkthrough_is_japanese(name: str) -> None:
    text = explain(_report(name), lang="ja", lesson=ja.LESSONS[name])
    assert english_phrases(text) == []
    body = AR_BLOCK.sub("", text)
    starts = [line for line in body.splitlines()[1:] if line and line[0] in NO_LINE_START]
    assert starts == []  # kinsoku: no line begins with 。、）」ー or small kana
    assert [line for line in body.splitlines() if columns(line) > WIDTH] == []  # wide characters count double


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_sample_explain_is_japanese(name: str, capsys) -> None:
    case = CASES[name]
    context = ["--ip", case["ip"], "--helo", case["helo"], "--mail-from", case["mail_from"], "--now", str(case["now"])]
    argv = ["--explain", "--lang", "ja", "--zones", str(SAMPLES / "zones"), *context, str(SAMPLES / case["file"])]
    verify_eml_main(argv)
    out = capsys.readouterr().out
    assert out.startswith("ウォークスルー")
    assert english_phrases(out) == []


def test_received_notes_are_japanese(tmp_path, capsys) -> None:
    path = tmp_path / "relayed.eml"
    path.write_bytes(
        b"Received: by mx.receiver.test with LMTP id q2; Mon, 02 Mar 2026 09:15:09 +0000\r\n"
        b"Received: from mx.forwarder.test (mx.forwarder.test [192.0.2.44])\r\n"
        b"\tby mx.receiver.test with ESMTPS id q0; Mon, 02 Mar 2026 09:15:08 +0000\r\n"
        + (SAMPLES / "messages" / "forwarded.eml").read_bytes()
    )
    for extra in ([], ["--trust-received", "1"], ["--trust-received", "2"], ["--trust-received", "9"]):
        main(["walkthrough", str(path), "--lang", "ja", "--now", "1772442920", *extra])
        out = capsys.readouterr().out
        assert english_phrases(out) == [], extra


def test_list_is_japanese(capsys) -> None:
    assert main(["walkthrough", "--list", "--lang", "ja"]) == 0
    out = capsys.readouterr().out
    assert english_phrases(out) == []
    for name in CASES:
        assert re.search(rf"^{re.escape(name)} +.*[\u3040-\u30ff\u4e00-\u9fff]", out, re.M), name


def test_tables_have_the_same_keys_and_every_lesson() -> None:
    assert set(en.TEXT) == set(ja.TEXT)
    assert set(ja.LESSONS) == set(CASES)


def test_reviewed_wording() -> None:
    text = "\n".join(str(v) for v in ja.TEXT.values())
    for old in ("台帳", "数えられる", "緩和後", "免責文ゲートウェイ"):
        assert old not in text
    assert "不合格" not in ja.TEXT["align_not_passed"]  # none is not a failure
    report = _report("mailing-list")
    text = re.sub(r"\n\s*", "", explain(report, lang="ja"))  # undo the line breaks
    assert "問い合わせ履歴" in text and "DMARC の判定には使われない" in text
    assert "たいていはメーリングリスト" in text  # the footer's origin stays a guess ("typically")


@pytest.mark.parametrize(
    "raw",
    [
        b"Subject: no From at all\r\n\r\nbody\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=s; h=from; bh=; b=\r\nFrom: a@example.com\r\n"
        b"From: b@example.org\r\n\r\nx",
        b"DKIM-Signature: garbage\r\nFrom: a@example.com\r\n\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=nokey; h=subject; bh=AA==; b=AA==\r\n"
        b"From: A <a@example.com>, B <b@example.com>\r\n\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=nokey; h=from; bh=AA==; b=AA==; x=1\r\n"
        b"From: a@example.com\r\n\r\n",
    ],
)
def test_broken_mail_is_narrated_in_japanese(raw: bytes) -> None:
    from toolkit.resolvers.memory import MemoryResolver

    report = verify_message(raw, SmtpContext("192.0.2.1", "h.example.com", ""), MemoryResolver({}), 1772442000)
    text = explain(report, lang="ja")
    assert english_phrases(text) == []


def test_every_phrase_uses_its_groups() -> None:
    from toolkit.walkthrough import ja_core

    for pattern, template in ja_core.PHRASES:
        groups = re.compile(pattern).groups
        used = {int(n) for n in re.findall(r"\{(\d+)\}", template)}
        assert used == set(range(groups)), pattern  # every captured value is said, and nothing else is asked for
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", template), pattern

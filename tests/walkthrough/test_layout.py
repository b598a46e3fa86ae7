"""Japanese line breaking (kinsoku): break between characters, never before closing marks or small kana, never
after an opening bracket; ASCII words stay whole."""

from __future__ import annotations

import pytest

from toolkit.walkthrough.layout import NO_LINE_END, NO_LINE_START, columns, wrap


@pytest.mark.parametrize("width", range(20, 41))
def test_no_line_starts_with_a_closing_mark_or_small_kana(width: int) -> None:
    text = (
        "署名の後にメーリングリストが追加したものと考えられます。通常どおり配送されます「ヘッダ」（注）"
        "ショッピング、キャッシュ。DKIM と SPF の結果 (p=reject) を確かめてください。"
    )
    lines = wrap(text, "", "", width)
    assert all(columns(line) <= width for line in lines)
    assert all(line[0] not in NO_LINE_START for line in lines[1:])
    assert all(line[-1] not in NO_LINE_END for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost, nothing added
    assert not any(line.endswith(("DKI", "rej")) for line in lines)  # ASCII words are not cut


def test_the_break_the_issue_reported() -> None:
    # 「メ／ーリングリスト」: the old wrapper cut wherever the width ran out, even before ー
    text = "あ" * 9 + "メーリングリスト"
    for width in range(16, 30):
        lines = wrap(text, "", "", width)
        assert all(line[0] != "ー" for line in lines[1:])


def test_english_still_wraps_at_spaces() -> None:
    text = "the signature does not verify: the message changed after signing " * 3
    lines = wrap(text.strip(), "  - ", "    ", 40)
    assert all(columns(line) <= 40 for line in lines)
    assert " ".join(line.strip(" -") for line in lines) == text.strip()

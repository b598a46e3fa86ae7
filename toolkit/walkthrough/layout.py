"""Text layout of the walkthrough: terminal columns, wrapping, the writer of numbered sections."""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime

WIDTH = 100


def tag_value(name: str, value: str) -> str:
    value = " ".join(value.split())
    if name == "b":
        return value.replace(" ", "")[:16] + "..."
    if name in ("t", "x") and value.isascii() and value.isdigit() and len(value) <= 12:  # not "¹": int() refuses it
        stamp = datetime.fromtimestamp(int(value), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"{value} = {stamp}"
    if name == "h":
        return ", ".join(n.strip() for n in value.split(":"))
    return shorten(value, 70)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def columns(text: str) -> int:
    """Terminal columns: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def title(self, text: str) -> None:
        self.lines += [text, "=" * min(columns(text), WIDTH)]

    def heading(self, number: int, text: str) -> None:
        head = f"{number}. {text}"
        if self.lines and self.lines[-1] != "":
            self.lines.append("")
        self.lines += [head, "-" * min(columns(head), WIDTH)]

    def para(self, text: str) -> None:
        self.lines += wrap(text, "", "")

    def items(self, rows: Iterable[str]) -> None:
        for row in rows:
            self.lines += wrap(row, "  - ", "    ")

    def block(self, text: str) -> None:
        self.lines += ["    " + line for line in text.splitlines()]

    def text(self) -> str:
        return "\n".join(self.lines).rstrip() + "\n"


# Japanese line breaking (kinsoku shori): a line may break between any two characters when one of them is wide, but
# never before closing punctuation, the prolonged sound mark or small kana, and never after an opening bracket.
NO_LINE_START = frozenset(
    "。、，．・：；？！）」』】〕〉》ーぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ々ゝゞヽヾ" + ")]},.:;!?%"
)
NO_LINE_END = frozenset("（「『【〔〈《" + "([{")


def wrap(text: str, first: str, rest: str, width: int = WIDTH) -> list[str]:
    """Lines of at most `width` columns: ASCII text breaks at spaces; Japanese also between characters (kinsoku)."""
    if text.isascii():
        return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False) or [
            first.rstrip()
        ]
    allowed = _break_opportunities(text)
    lines: list[str] = []
    prefix, pos = first, 0
    while pos < len(text):
        room, end = width - columns(prefix), pos
        while end < len(text) and room >= _char_columns(text[end]):
            room -= _char_columns(text[end])
            end += 1
        if end < len(text):
            cut = next((k for k in range(end, pos, -1) if allowed[k]), end)  # no opportunity: a hard break
            end = max(cut, pos + 1)
        lines.append((prefix + text[pos:end]).rstrip())
        pos = end
        while pos < len(text) and text[pos] == " ":
            pos += 1
        prefix = rest
    return lines or [first.rstrip()]


def _break_opportunities(text: str) -> list[bool]:
    """allowed[k]: a line may end before text[k] (spaces at the break are dropped)."""
    allowed = [False] * (len(text) + 1)
    for k in range(1, len(text)):
        before, after = text[k - 1], text[k]
        if after == " " or before == " ":
            allowed[k] = after == " " or after not in NO_LINE_START
        elif _wide(before) or _wide(after):
            allowed[k] = after not in NO_LINE_START and before not in NO_LINE_END
    return allowed


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _char_columns(char: str) -> int:
    return 2 if _wide(char) else 1

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
    if name in ("t", "x") and value.isdigit() and len(value) <= 12:
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


def wrap(text: str, first: str, rest: str) -> list[str]:
    if text.isascii():
        return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False) or [
            first.rstrip()
        ]
    # Japanese has no spaces between words: break by display width, preferring spaces when there are any
    lines: list[str] = []
    line = first
    width = columns(first)
    for char in text:
        char_width = columns(char)
        if width + char_width > WIDTH:
            cut = line.rfind(" ")
            # columns, not characters: a wide character takes two, so a late space has a small index
            if columns(line[:cut]) > columns(rest) + WIDTH // 2 and line[:cut].strip():
                lines.append(line[:cut])
                line = rest + line[cut + 1 :]
            else:
                lines.append(line)
                line = rest
            width = columns(line)
        line += char
        width += char_width
    if line.strip():
        lines.append(line)
    return lines

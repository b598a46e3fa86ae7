"""Text for people: control characters from hostile input never reach a terminal as themselves (issue 15).

Header fields, HELO names, d=/s= values and DNS answers are attacker text. Shown raw, ESC sequences (`\\x1b]...`,
`\\x9b...` C1 CSI) can retitle a window, hide lines or forge output; bidi overrides reorder what is shown; bytes kept
with surrogateescape turn back into raw 8-bit controls when written. The shells pass what they print through one of
the two functions below at the point where it leaves for a terminal; the core's results keep the exact values.
"""

from __future__ import annotations

import re

# C0 controls except TAB and LF, DEL, C1 controls, bidi marks/embeddings/overrides/isolates, lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _python_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte kept by surrogateescape: show the byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, one_line: bool = False) -> str:
    """`text` with every unsafe character shown as a visible escape (`\\x1b`, `\\u202e`); TAB kept, and LF kept
    unless `one_line` (error lines must stay one line)."""
    return (_UNSAFE_ONE_LINE if one_line else _UNSAFE).sub(_python_escape, text)


def printable_json(text: str) -> str:
    """JSON text (from json.dumps) with the characters json leaves raw (C1, bidi, lone surrogates) as \\uXXXX
    escapes: still valid JSON that decodes to the same values, and safe on a terminal."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

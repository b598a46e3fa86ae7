"""SPF macro expansion (RFC 7208 §7, SPF-15), bounded so a hostile record cannot blow up memory.

Domain-specs are expanded right to left and stop once the 253-octet tail is known: truncation keeps the
rightmost labels, so nothing to the left of that can matter (macro bombs cost O(record), not O(expansion)).
"""

from __future__ import annotations

from collections.abc import Callable

from toolkit.core.spf.parse import Macro, MacroString

MAX_DOMAIN = 253
MAX_EXPLANATION = 1024  # [ours] longer exp text is cut; an SMTP reply line cannot carry more anyway
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def url_escape(value: str) -> str:
    """Percent-encode everything outside RFC 3986 unreserved, with uppercase hex (SPF-15)."""
    if all(c in _UNRESERVED for c in value):
        return value
    out = []
    for ch in value:
        if ch in _UNRESERVED:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def transform(value: str, macro: Macro) -> str:
    """Split on the delimiters, reverse if asked, keep the rightmost N parts, join with '.' (SPF-15)."""
    if macro.delimiters == "." and not macro.reverse and not macro.digits:
        parts = None
    else:
        parts = [value]
        for delim in macro.delimiters:
            parts = [piece for part in parts for piece in part.split(delim)]
        if macro.reverse:
            parts.reverse()
        if macro.digits:
            parts = parts[-macro.digits :]
        value = ".".join(parts)
    return url_escape(value) if macro.escape else value


Lookup = Callable[[str], str]  # letter -> raw value


def expand_domain(spec: MacroString, letter_value: Lookup) -> str:
    """Expand a domain-spec, drop one trailing dot, cut labels from the left to fit 253 octets."""
    if spec.static is not None:
        name = spec.static
    else:
        pieces: list[str] = []
        size = 0
        memo: dict[str, str] = {}
        for token in reversed(spec.tokens):
            if isinstance(token, Macro):
                piece = memo.get(token.text)
                if piece is None:
                    piece = memo[token.text] = transform(letter_value(token.letter), token)
            else:
                piece = token
            room = MAX_DOMAIN + 2 - size  # 255 octets of tail decide the truncated name; the left cannot survive
            if len(piece) >= room:
                if room > 0:
                    pieces.append(piece[-room:])
                break
            pieces.append(piece)
            size += len(piece)
        name = "".join(reversed(pieces))
    assert isinstance(name, str)
    if name.endswith("."):
        name = name[:-1]
    while len(name) > MAX_DOMAIN and "." in name:
        name = name.split(".", 1)[1]
    return name


def expand_text(spec: MacroString, letter_value: Lookup) -> str:
    """Expand exp text left to right, cut at MAX_EXPLANATION characters."""
    out: list[str] = []
    size = 0
    for token in spec.tokens:
        piece = transform(letter_value(token.letter), token) if isinstance(token, Macro) else token
        out.append(piece)
        size += len(piece)
        if size >= MAX_EXPLANATION:
            break
    return "".join(out)[:MAX_EXPLANATION]

"""Raw RFC 5322 message model: header fields exactly as received, never re-folded (DKIM-22).

Nothing that gets hashed goes through email.message; we keep the bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_WSP = b" \t"
# One header field: a line plus its continuation lines (those starting with WSP), with the final CRLF. Groups 1 and
# 2: the first line up to its first colon, and that colon. One regex match per field replaces a Python loop per line.
# Input is CRLF-normalised, so without a bare CR every CR starts a CRLF and the fast form is exact; a message with
# bare CRs (data, DKIM-22) takes the form that lets a CR not followed by LF stand inside a line.
_FIELD = re.compile(rb"([^:\r]*)(:?)[^\r]*(?:\r\n[ \t][^\r]*)*(?:\r\n)?")
_NOT_EOL = rb"(?:[^\r]|\r(?!\n))"
_FIELD_BARE_CR = re.compile(rb"((?:[^:\r]|\r(?!\n))*)(:?)" + _NOT_EOL + rb"*(?:\r\n[ \t]" + _NOT_EOL + rb"*)*(?:\r\n)?")


@dataclass(frozen=True, slots=True, init=False)
class HeaderField:
    """One header field: its name as written (before the colon, trailing WSP removed) and its raw bytes.

    `raw` is the whole field including the name, the colon, any folding, and the final CRLF.
    """

    name: str
    raw: bytes
    # the lowercase name, computed once: header selection and lookups by name ask for it many times per message
    lname: str = field(repr=False, compare=False)

    def __init__(self, name: str, raw: bytes) -> None:
        # Every header of every message is built here. A frozen dataclass sets fields through object.__setattr__;
        # the slot descriptors do the same in about half the time.
        _SET_NAME(self, name)
        _SET_RAW(self, raw)
        _SET_LNAME(self, name.lower())

    @property
    def value(self) -> bytes:
        """Everything after the first colon, without the final CRLF (folding kept)."""
        colon = self.raw.find(b":")
        value = self.raw[colon + 1 :] if colon >= 0 else b""
        return value[:-2] if value.endswith(b"\r\n") else value

    def unfolded(self) -> str:
        """The value unfolded and stripped, decoded for display and parsing (not for hashing)."""
        text = self.value.replace(b"\r\n", b"").strip(_WSP)
        return text.decode("utf-8", "surrogateescape")


_SET_NAME = HeaderField.__dict__["name"].__set__
_SET_RAW = HeaderField.__dict__["raw"].__set__
_SET_LNAME = HeaderField.__dict__["lname"].__set__


@dataclass(frozen=True, slots=True)
class LineEndingFacts:
    """What the input looked like before we normalised it to CRLF (DKIM-22 says record it)."""

    crlf: int = 0
    bare_lf: int = 0
    bare_cr: int = 0  # CRs not followed by LF: kept as data, never a line end (DKIM-22)

    @property
    def normalised(self) -> bool:
        return bool(self.bare_lf)

    def describe(self) -> str:
        said = f"converted {self.bare_lf} bare LF line endings to CRLF" if self.bare_lf else "CRLF line endings"
        if self.bare_cr:
            said += f", kept {self.bare_cr} bare CR as data"
        return said if self.bare_lf else said + " as received"


@dataclass(frozen=True, slots=True)
class Message:
    raw: bytes  # the message with CRLF line endings
    headers: tuple[HeaderField, ...]
    body_offset: int  # index into raw where the body starts (after the empty line), len(raw) if none
    has_separator: bool  # False when no empty line separates header and body
    line_endings: LineEndingFacts = field(default_factory=LineEndingFacts)
    defects: tuple[str, ...] = ()  # e.g. header lines without a colon, NUL bytes

    @property
    def body(self) -> memoryview:
        """The body as a view into raw: no copy, even for a 50 MB message."""
        return memoryview(self.raw)[self.body_offset :]

    def get_all(self, name: str) -> list[HeaderField]:
        lname = name.lower()
        return [h for h in self.headers if h.lname == lname]

    def get_first(self, name: str) -> HeaderField | None:
        found = self.get_all(name)
        return found[0] if found else None


def to_crlf(data: bytes) -> tuple[bytes, LineEndingFacts]:
    """Turn each bare LF into CRLF and count what was there. A bare CR is data and stays (DKIM-22): Postfix,
    OpenDKIM, Mail::DKIM and dkimpy all keep it, so converting it would break their signatures."""
    crlf = data.count(b"\r\n")
    bare_lf = data.count(b"\n") - crlf
    bare_cr = data.count(b"\r") - crlf
    facts = LineEndingFacts(crlf, bare_lf, bare_cr)
    if not bare_lf:
        return data, facts
    # bytes.replace instead of re.sub: the regex builds one object per line (about 5x a big message in memory).
    # "\r\r\n" (a bare CR, then a line end) becomes "\r\n" and then "\r\r\n" again: the bare CR survives.
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), facts


def parse_message(data: bytes) -> Message:
    """Split raw bytes into header fields and body. Never raises on malformed input: defects are recorded."""
    raw, facts = to_crlf(data)
    defects: list[str] = []
    if b"\x00" in raw:
        defects.append("message contains NUL bytes")
    end = len(raw)
    # the first empty line ends the header: at the very start, or the first CRLF CRLF
    if raw.startswith(b"\r\n"):
        header_end, body_offset, has_separator = 0, 2, True
    else:
        separator = raw.find(b"\r\n\r\n")
        has_separator = separator >= 0
        header_end = separator + 2 if has_separator else end  # the last field keeps its CRLF
        body_offset = separator + 4 if has_separator else end
    headers: list[HeaderField] = []
    field_re = _FIELD_BARE_CR if facts.bare_cr else _FIELD
    for match in field_re.finditer(raw, 0, header_end):
        raw_field, name, colon = match.group(0, 1, 2)
        if colon:  # the usual field: the name is what the regex found before the colon
            headers.append(HeaderField(name.rstrip(_WSP).decode("utf-8", "surrogateescape"), raw_field))
        elif raw_field:  # no colon on the first line (the empty match at the end is skipped)
            headers.append(_make_field(raw_field, defects))
    if not has_separator and raw:
        defects.append("no empty line between header and body")
    return Message(raw, tuple(headers), body_offset, has_separator, facts, tuple(defects))


def _make_field(raw_field: bytes, defects: list[str]) -> HeaderField:
    colon = raw_field.find(b":")
    if colon < 0:
        defects.append(f"header line without a colon: {raw_field[:40]!r}")
        name = raw_field.rstrip(b"\r\n")
    else:
        name = raw_field[:colon].rstrip(_WSP)
    return HeaderField(name.decode("utf-8", "surrogateescape"), raw_field)

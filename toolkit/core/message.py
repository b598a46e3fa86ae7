"""Raw RFC 5322 message model: header fields exactly as received, never re-folded (DKIM-22).

Nothing that gets hashed goes through email.message; we keep the bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_WSP = b" \t"
# Where one header field ends: a CRLF not followed by WSP (a continuation line). Input is CRLF-normalised; a bare CR
# is data (DKIM-22) and never ends a field. One regex search per field replaces a Python loop per line. A regex
# matching the whole field (`(?:\r\n[ \t]...)*`) kept a backtracking frame per continuation line: 20 MB of folded
# lines took ~1 GB (issue 15).
_FIELD_END = re.compile(rb"\r\n(?![ \t])")
MAX_HEADER_BYTES = 1024 * 1024  # [ours] fields past the first MiB of header are not read (Message.header_truncated)


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
    header_truncated: bool = False  # the header block was over the limit: `headers` holds only the fields before it

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


def parse_message(data: bytes, max_header_bytes: int = MAX_HEADER_BYTES) -> Message:
    """Split raw bytes into header fields and body. Never raises on malformed input: defects are recorded.

    Linear in time and memory. Fields that end past `max_header_bytes` are not read: `header_truncated` says so
    and the verifiers give a verdict reason for it instead of their usual work.
    """
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
    truncated = header_end > max_header_bytes
    stop = min(header_end, max_header_bytes)
    start = 0
    for match in _FIELD_END.finditer(raw, 0, header_end):  # to header_end: the lookahead must see past `stop`
        if match.end() > stop:
            break
        headers.append(_make_field(raw[start : match.end()], defects))
        start = match.end()
    if start < stop and not truncated:  # the last field has no CRLF (no separator)
        headers.append(_make_field(raw[start:stop], defects))
    if truncated:
        defects.append(f"header block of {header_end} octets is over the {max_header_bytes}-octet limit")
    if not has_separator and raw:
        defects.append("no empty line between header and body")
    return Message(raw, tuple(headers), body_offset, has_separator, facts, tuple(defects), truncated)


def _make_field(raw_field: bytes, defects: list[str]) -> HeaderField:
    colon = raw_field.find(b":")
    line_end = raw_field.find(b"\r")
    if colon >= 0 and (colon < line_end or line_end < 0):  # the usual field: a colon on the first line
        return HeaderField(raw_field[:colon].rstrip(_WSP).decode("utf-8", "surrogateescape"), raw_field)
    if colon < 0:
        defects.append(f"header line without a colon: {raw_field[:40]!r}")
        name = raw_field.rstrip(b"\r\n")
    else:
        name = raw_field[:colon].rstrip(_WSP)
    return HeaderField(name.decode("utf-8", "surrogateescape"), raw_field)

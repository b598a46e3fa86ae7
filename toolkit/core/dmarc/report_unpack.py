"""What a report arrives in: plain XML, gzip, zip, or a mail with one of those attached (or an ARF failure report).

    for found in unpack("report.eml", chunks, Limits()):
        found.label            "report.eml:google.com!example.com!1772409600!1772495999.xml.gz"
        found.chunks           the decompressed XML, streamed (aggregate), or
        found.failure          a FailureReport (ARF message/feedback-report)
        found.notes            what was tolerated on the way in (e.g. a gzip labelled application/zip)

Pure: bytes in, no files. The container is recognised by its first bytes, not by its name or its MIME label,
because reporters label gzip as application/zip, application/octet-stream or text/xml. Caps (DMARC-22: guard
against gzip and zip bombs): decompressed bytes per input (`max_size`, counted while inflating, so a bomb stops
at the cap), zip members, and containers inside containers.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from io import BytesIO

from toolkit.core.dmarc.report_model import FailureReport
from toolkit.core.dmarc.report_parse import ReportError
from toolkit.core.dmarc.report_parse_arf import parse_failure

CHUNK = 1 << 16


@dataclass(frozen=True)
class Limits:
    max_size: int = 50 * 1024 * 1024  # decompressed bytes from one input
    max_members: int = 50  # files in one zip
    max_depth: int = 4  # containers inside containers (mail > zip > gzip > xml is 3)


@dataclass(frozen=True)
class Found:
    label: str
    chunks: Iterator[bytes] | None = None
    failure: FailureReport | None = None
    notes: tuple[str, ...] = ()


class _Budget:
    """Counts decompressed bytes across one input, so nesting cannot multiply the cap."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.used = 0

    def spend(self, n: int) -> None:
        self.used += n
        if self.used > self.limits.max_size:
            raise ReportError(f"refused: more than {_mb(self.limits.max_size)} once decompressed (see --max-size)")


def _mb(n: int) -> str:
    return f"{n / 1048576:g} MB" if n >= 1048576 else f"{n} bytes"


def _peek(chunks: Iterable[bytes], want: int = 512) -> tuple[bytes, Iterator[bytes]]:
    """The first `want` bytes (or fewer) and an iterator that still yields everything."""
    it = iter(chunks)
    head = b""
    parts: list[bytes] = []
    for chunk in it:
        parts.append(chunk)
        head += chunk
        if len(head) >= want:
            break

    def rest() -> Iterator[bytes]:
        yield from parts
        yield from it

    return head[:want], rest()


def sniff(head: bytes) -> str:
    """'gzip', 'zip', 'xml' or 'mail' from the first bytes."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<") or text.startswith(b"\xff\xfe") or text.startswith(b"\xfe\xff"):
        return "xml"
    return "mail"


def unpack(label: str, chunks: Iterable[bytes], limits: Limits = Limits()) -> Iterator[Found]:
    """Every report inside one input. Raises ReportError (one line) for what is not a report or breaks a cap."""
    yield from _unpack(label, chunks, _Budget(limits), 0, ())


def _unpack(
    label: str, chunks: Iterable[bytes], budget: _Budget, depth: int, notes: tuple[str, ...]
) -> Iterator[Found]:
    if depth > budget.limits.max_depth:
        raise ReportError(f"refused: containers nested deeper than {budget.limits.max_depth}")
    head, stream = _peek(chunks)
    kind = sniff(head)
    if kind == "gzip":
        yield from _unpack(label, _gunzip(stream, budget), budget, depth + 1, notes)
    elif kind == "zip":
        yield from _unzip(label, stream, budget, depth, notes)
    elif kind == "xml":
        yield Found(label, chunks=_counted(stream, budget) if depth == 0 else stream, notes=notes)
    else:
        data = b"".join(_counted(stream, budget) if depth == 0 else stream)
        yield from _unmail(label, data, budget, depth, notes)


def _counted(chunks: Iterable[bytes], budget: _Budget) -> Iterator[bytes]:
    for chunk in chunks:
        budget.spend(len(chunk))
        yield chunk


def _gunzip(chunks: Iterable[bytes], budget: _Budget) -> Iterator[bytes]:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    for chunk in chunks:
        data = chunk
        while data:
            out = inflater.decompress(data, CHUNK)  # max_length: a bomb inflates a bounded amount per step
            budget.spend(len(out))
            if out:
                yield out
            data = inflater.unconsumed_tail
            if inflater.eof:
                return
    try:
        tail = inflater.flush()
    except zlib.error as exc:
        raise ReportError(f"broken gzip: {exc}") from None
    budget.spend(len(tail))
    if tail:
        yield tail
    if not inflater.eof:
        raise ReportError("broken gzip: the data ends before the end of the stream")


def _unzip(label: str, chunks: Iterable[bytes], budget: _Budget, depth: int, notes: tuple[str, ...]) -> Iterator[Found]:
    raw = bytearray()
    for chunk in chunks:
        raw += chunk
        if len(raw) > budget.limits.max_size:
            raise ReportError(f"refused: zip larger than {_mb(budget.limits.max_size)} (see --max-size)")
    try:
        archive = zipfile.ZipFile(BytesIO(bytes(raw)))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ReportError(f"broken zip: {exc}") from None
    if len(members) > budget.limits.max_members:
        raise ReportError(f"refused: zip has {len(members)} files, more than {budget.limits.max_members}")
    if not members:
        raise ReportError("empty zip, no report in it")
    for member in members:
        yield from _unpack(f"{label}:{member.filename}", _zip_member(archive, member, budget), budget, depth + 1, notes)


def _zip_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: _Budget) -> Iterator[bytes]:
    try:
        with archive.open(member) as handle:
            while chunk := handle.read(CHUNK):
                budget.spend(len(chunk))  # counted as inflated, whatever the header claims
                yield chunk
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError) as exc:
        raise ReportError(f"broken zip member {member.filename}: {exc}") from None


# Labels reporters put on report attachments, and what the bytes then should be.
_LABELS = {
    "application/gzip": "gzip",
    "application/x-gzip": "gzip",
    "application/x-gzip-compressed": "gzip",
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
    "application/x-zip": "zip",
    "text/xml": "xml",
    "application/xml": "xml",
}


def _unmail(label: str, data: bytes, budget: _Budget, depth: int, notes: tuple[str, ...]) -> Iterator[Found]:
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    if not message.keys():
        raise ReportError("not a DMARC report: neither XML, gzip, zip nor a mail")
    found = 0
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "message/feedback-report":
            found += 1
            yield Found(label, failure=parse_failure(message, part), notes=notes)
            continue
        name = part.get_filename() or ""
        if part.is_multipart() or not (ctype in _LABELS or ctype == "application/octet-stream" or _report_name(name)):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload:
            continue
        kind = sniff(payload[:512])
        if kind == "mail":
            continue  # an attachment that is no report (a logo, a text part named .xml by mistake)
        part_notes = notes
        labelled = _LABELS.get(ctype)
        if labelled and labelled != kind:
            part_notes = (*notes, f"attachment {name or ctype} labelled {ctype} is {kind}; read as {kind}")
        found += 1
        yield from _unpack(f"{label}:{name or ctype}", [payload], budget, depth + 1, part_notes)
    if not found:
        raise ReportError("not a DMARC report: a mail with no XML, gzip or zip attachment and no feedback report")


def _report_name(name: str) -> bool:
    return name.lower().endswith((".xml", ".gz", ".zip", ".xml.gz"))

"""Report inputs for `emlauth report parse|ingest`: files (.xml, .xml.gz, .zip, .eml), mbox files, Maildirs, stdin.

Files are read in 64 KB chunks and stay streams down to the XML parser, so a 100 MB report never sits in memory;
mbox files are split into messages (each one a report mail). Every input yields what unpack() finds in it, or one
InputFailure naming why it is not a report; the caller goes on with the next.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from toolkit.core.dmarc.report_model import ReportEnd
from toolkit.core.dmarc.report_parse import Item, ReportError, parse_aggregate
from toolkit.core.dmarc.report_unpack import CHUNK, Found, Limits, unpack
from toolkit.shells.batch import maildir_files
from toolkit.shells.common import UsageError
from toolkit.shells.mbox import is_mbox, split_mbox


@dataclass(frozen=True)
class InputFailure:
    label: str
    message: str


def _file_chunks(path: str) -> Iterator[bytes]:
    try:
        if path == "-":
            stream = sys.stdin.buffer
            while chunk := stream.read(CHUNK):
                yield chunk
            return
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk
    except OSError as exc:
        raise ReportError(f"cannot read: {exc.strerror or exc}") from None


def _sources(path: str, limits: Limits) -> Iterator[tuple[str, Iterator[bytes] | list[bytes]]]:
    """(label, chunks) for each report container in one input: the file itself, or each mbox/Maildir message."""
    if path != "-" and Path(path).is_dir():
        for file in maildir_files(Path(path)):
            yield str(file), _file_chunks(str(file))
        return
    chunks = _file_chunks(path)
    first = next(chunks, b"")
    if is_mbox(first):
        data = bytearray(first)
        for chunk in chunks:  # an mbox is split whole; it is capped like any decompressed input
            data += chunk
            if len(data) > limits.max_size * 4:
                raise ReportError(f"refused: mbox larger than {limits.max_size * 4 // 1048576} MB")
        for index, (_, message) in enumerate(split_mbox(bytes(data)), 1):
            yield f"{path}#{index}", [message]
        return

    def whole() -> Iterator[bytes]:
        if first:
            yield first
        yield from chunks

    yield path, whole()


def read_inputs(paths: list[str], limits: Limits) -> Iterator[Found | InputFailure]:
    """Everything found in the inputs, in order; a bad input (or mbox message) is one InputFailure."""
    for path in paths:
        try:
            for label, chunks in _sources(path, limits):
                try:
                    yield from unpack(label, chunks, limits)
                except ReportError as exc:
                    yield InputFailure(label, str(exc))
        except (ReportError, UsageError) as exc:
            yield InputFailure(path, str(exc))


def aggregate_items(found: Found) -> Iterator[Item]:
    """The parsed stream of an aggregate report, with what unpacking tolerated added to its warnings."""
    assert found.chunks is not None
    for item in parse_aggregate(found.chunks):
        if isinstance(item, ReportEnd) and found.notes:
            item = ReportEnd(item.records, item.messages, item.extensions, found.notes + item.warnings)
        yield item

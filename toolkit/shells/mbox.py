"""mbox files (mboxrd): where each message starts, and its bytes with one `>` removed from `>From ` lines."""

from __future__ import annotations

import re

_MBOX_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


def is_mbox(data: bytes) -> bool:
    return data.startswith(b"From ")


def split_mbox(data: bytes) -> list[tuple[bytes, bytes]]:
    """(From_ line, message bytes) for each message. A `From ` line starts a message after an empty line.

    One pass over the `From ` lines, never a list of every line: an mbox under --max-size of empty lines would
    otherwise cost ~50 octets of objects per line (a 256 MB file, gigabytes; issue 15).
    """
    starts = [m.start() for m in _FROM_LINE.finditer(data) if _after_blank_line(data, m.start())]
    out = []
    for number, start in enumerate(starts):
        line_end = _line_end(data, start)
        end = starts[number + 1] if number + 1 < len(starts) else len(data)
        from_line = data[start:line_end].rstrip(b"\r\n")
        body = data[line_end:end]
        cut = _blank_last_line(body)
        if cut is not None:
            body = body[:cut]  # the separator line before the next From_
        out.append((from_line, _MBOX_FROM.sub(rb"\1", body)))
    return out


_FROM_LINE = re.compile(rb"(?:\A|(?<=[\r\n]))From ")  # at a line start (lines end in LF, CRLF or CR)


def _line_end(data: bytes, start: int) -> int:
    """The index after the line terminator (LF, CRLF or CR) of the line starting at `start`."""
    found = _EOL.search(data, start)
    return found.end() if found else len(data)


_EOL = re.compile(rb"\r\n|\n|\r")


def _after_blank_line(data: bytes, start: int) -> bool:
    """Is the line before `start` empty (LF or CRLF alone), or is `start` the beginning of the file?"""
    if start == 0:
        return True
    if data[start - 1 : start] != b"\n":
        return False
    cut = start - 2 if start >= 2 and data[start - 2 : start] == b"\r\n" else start - 1  # the terminator's start
    return cut == 0 or data[cut - 1 : cut] in (b"\n", b"\r")  # nothing between it and the line before


def _blank_last_line(data: bytes) -> int | None:
    """Where the last line starts when it is empty (just LF or CRLF), else None."""
    if data.endswith(b"\r\n"):
        cut = len(data) - 2
    elif data.endswith(b"\n"):
        cut = len(data) - 1
    else:
        return None
    return cut if cut == 0 or data[cut - 1 : cut] in (b"\n", b"\r") else None

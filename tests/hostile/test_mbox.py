"""An mbox under --max-size made of short lines cost ~50 octets of objects per line (splitlines). split_mbox now
finds the `From ` lines in one pass; hypothesis checks it against the line-by-line version it replaced."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from support.bounded import EMLAUTH, run_bounded

from toolkit.shells.mbox import split_mbox

_MBOX_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


def reference_split(data: bytes) -> list[tuple[bytes, bytes]]:
    lines = data.splitlines(keepends=True)
    messages: list[tuple[bytes, list[bytes]]] = []
    previous_blank = True
    for line in lines:
        if line.startswith(b"From ") and previous_blank:
            messages.append((line.rstrip(b"\r\n"), []))
        elif messages:
            messages[-1][1].append(line)
        previous_blank = line in (b"\n", b"\r\n")
    out = []
    for from_line, body_lines in messages:
        if body_lines and body_lines[-1] in (b"\n", b"\r\n"):
            body_lines = body_lines[:-1]
        out.append((from_line, _MBOX_FROM.sub(rb"\1", b"".join(body_lines))))
    return out


PIECES = [b"From ", b"From a@b Mon\n", b">From ", b"\n", b"\r\n", b"\r", b"x", b"Subject: s\n", b"\n\n", b"F"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_same_messages_as_the_line_loop(pieces: list[bytes]) -> None:
    data = b"From a@example.com Mon Jan  1 00:00:00 2024\n" + b"".join(pieces)
    assert split_mbox(data) == reference_split(data)
    assert split_mbox(b"".join(pieces)) == reference_split(b"".join(pieces))


def test_an_mbox_of_empty_lines_stays_small(tmp_path: Path) -> None:
    mbox = tmp_path / "empty-lines.mbox"
    mbox.write_bytes(b"From a@example.com Mon Jan  1 00:00:00 2024\nSubject: s\n\n" + b"\n" * (60 * 2**20))
    run = run_bounded([*EMLAUTH, "verify", "--checks", "dkim", "--header-only", str(mbox)], cpu=30, memory_mb=1500)
    assert run.returncode == 0, run.stderr_text
    assert run.max_rss_mb < 600, run.max_rss_mb  # before: 6.4 GB and 25 s CPU for these 60 MB

"""A PEM file of repeated BEGIN lines hung sign-eml (over 120 s) and `emlauth records` (issue 15): the BEGIN..END
regex rescanned the rest of the file from every BEGIN. Now the markers are found in one pass, and every key read
is capped at 1 MiB."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.bounded import EMLAUTH, run_bounded

from toolkit.core.dkim.keys import MAX_KEY_BYTES, load_private_key
from toolkit.core.errors import KeyFileError

BEGINS = b"-----BEGIN PRIVATE KEY-----\n" * 30_000  # 840 KB, under the size cap
MESSAGE = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: s\r\n\r\nbody\r\n"


@pytest.mark.parametrize(
    "command",
    [
        ["records", "--domain", "example.com", "--selector", "s1", "--key"],
        ["sign", "--domain", "example.com", "--selector", "s1", "--key"],
    ],
)
def test_repeated_begin_lines_end_quickly(tmp_path: Path, command: list[str]) -> None:
    key = tmp_path / "hostile.pem"
    key.write_bytes(BEGINS)
    run = run_bounded([*EMLAUTH, *command, str(key)], cpu=20, memory_mb=1024, stdin=MESSAGE)
    assert run.returncode == 2, run.stderr_text
    assert len(run.stderr_text.splitlines()) == 1 and "no matching END line" in run.stderr_text
    assert run.cpu_seconds < 3, run.cpu_seconds


def test_pem_parsing_is_linear_and_capped() -> None:
    with pytest.raises(KeyFileError, match="no matching END"):
        load_private_key(b"-----BEGIN " + b"A" * 500_000, "k.pem")  # a label that never ends
    with pytest.raises(KeyFileError, match="not a key file"):
        load_private_key(b"-----BEGIN PRIVATE KEY-----\n" * (MAX_KEY_BYTES // 28 + 1), "k.pem")
    nested = b"-----BEGIN PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    with pytest.raises(KeyFileError, match="a certificate"):  # the inner block is found, the outer never ended
        load_private_key(nested, "k.pem")

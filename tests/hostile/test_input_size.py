"""/dev/zero or /dev/urandom as a message or a key read until a MemoryError traceback, exit 1 (issue 15). Now
every read is capped while it happens (messages: --max-size, 256 MiB by default; keys: 1 MiB): one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.bounded import EMLAUTH, run_bounded

KEY_ARGS = ["--domain", "example.com", "--selector", "s1", "--key"]


def _one_line_exit_2(run) -> None:
    assert run.returncode == 2, (run.returncode, run.stderr_text[-500:])
    lines = run.stderr_text.splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr_text and "MemoryError" not in run.stderr_text, lines


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_device_as_a_message_with_the_default_cap(device: str) -> None:
    run = run_bounded([*EMLAUTH, "verify", "--checks", "dkim", device], cpu=30, memory_mb=1200)
    _one_line_exit_2(run)
    assert "larger than 268435456 bytes (raise it with --max-size)" in run.stderr_text
    assert run.max_rss_mb < 700, run.max_rss_mb


def test_stdin_and_sign_eml_with_a_smaller_cap(tmp_path: Path) -> None:
    run = run_bounded([*EMLAUTH, "verify", "--max-size", "1M", "-"], cpu=20, memory_mb=600, stdin=Path("/dev/zero"))
    _one_line_exit_2(run)
    assert "standard input is larger than 1048576 bytes" in run.stderr_text
    key = tmp_path / "k.pem"
    run = run_bounded([*EMLAUTH, "keygen", *KEY_ARGS[:4], "--out", str(tmp_path / "keys")], cpu=20)
    key = tmp_path / "keys" / "example.com" / "s1.private.pem"
    run = run_bounded([*EMLAUTH, "sign", *KEY_ARGS, str(key), "--max-size", "2M", "/dev/urandom"], memory_mb=600)
    _one_line_exit_2(run)
    assert "/dev/urandom is larger than 2097152 bytes" in run.stderr_text


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
@pytest.mark.parametrize("command", ["records", "keycheck", "sign"])
def test_device_as_a_key(device: str, command: str) -> None:
    run = run_bounded([*EMLAUTH, command, *KEY_ARGS, device], cpu=20, memory_mb=600, stdin=b"From: a@example.com\r\n")
    _one_line_exit_2(run)
    assert "over 1048576 bytes, not a key file" in run.stderr_text


def test_device_as_a_signing_table() -> None:
    run = run_bounded([*EMLAUTH, "sign", "--sign-table", "/dev/zero"], memory_mb=600, stdin=b"From: a@example.com\r\n")
    _one_line_exit_2(run)
    assert "signing table /dev/zero is larger than 16777216 bytes; not read" in run.stderr_text


def test_bad_max_size_is_a_usage_error() -> None:
    run = run_bounded([*EMLAUTH, "verify", "--max-size", "lots", "-"], stdin=b"")
    _one_line_exit_2(run)


@pytest.mark.parametrize("command", ["milter", "pipeline"])
def test_device_as_the_mail_flows_signing_table(command: str, tmp_path: Path) -> None:
    """The milter and pipeline read --sign-table with the same cap as sign-eml (they once used read_text)."""
    where = (
        ["--listen", "inet:127.0.0.1:1"]
        if command == "milter"
        else ["--listen", "127.0.0.1:1", "--maildir", str(tmp_path / "M")]
    )
    run = run_bounded([*EMLAUTH, command, *where, "--sign-table", "/dev/zero"], memory_mb=600)
    _one_line_exit_2(run)
    assert "signing table /dev/zero is larger than 16777216 bytes; not read" in run.stderr_text

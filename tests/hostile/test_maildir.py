"""Maildir symlinks were followed (issue 15): as root, a Maildir entry linking to /etc/shadow printed it. Now
symlinks and anything that is not a regular file (a FIFO would block the reader) are skipped, with a line on stderr,
unless --follow-symlinks."""

from __future__ import annotations

import os
from pathlib import Path

from support.bounded import EMLAUTH, run_bounded

MESSAGE = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: hello\r\n\r\nbody\r\n"
SECRET = b"root:$6$secret-hash-that-must-not-leak:19000:0:99999:7:::\n"


def _maildir(tmp_path: Path) -> Path:
    box = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    (box / "cur" / "1.msg").write_bytes(MESSAGE)
    secret = tmp_path / "shadow"
    secret.write_bytes(SECRET)
    (box / "cur" / "2.link").symlink_to(secret)
    os.mkfifo(box / "new" / "3.fifo")  # reading it would block forever
    return box


def test_symlinks_and_fifos_are_skipped_and_said(tmp_path: Path) -> None:
    box = _maildir(tmp_path)
    run = run_bounded([*EMLAUTH, "verify", "--checks", "dkim", "--json", str(box)], cpu=20)
    assert run.returncode == 0, run.stderr_text
    assert SECRET.split(b":")[1] not in run.stdout
    assert run.stdout.count(b'"input"') == 1  # only the regular message
    assert f"skipped {box}/cur/2.link: a symbolic link (use --follow-symlinks" in run.stderr_text
    assert f"skipped {box}/new/3.fifo: not a regular file" in run.stderr_text


def test_follow_symlinks_reads_the_link_but_never_a_fifo(tmp_path: Path) -> None:
    box = _maildir(tmp_path)
    run = run_bounded([*EMLAUTH, "verify", "--checks", "dkim", "--json", "--follow-symlinks", str(box)], cpu=20)
    assert run.stdout.count(b'"input"') == 2, run.stderr_text
    assert "3.fifo: not a regular file" in run.stderr_text and "2.link" not in run.stderr_text


def test_symlinked_cur_folder_is_skipped(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "1.msg").write_bytes(MESSAGE)
    box = tmp_path / "Maildir"
    (box / "new").mkdir(parents=True)
    (box / "cur").symlink_to(elsewhere)
    run = run_bounded([*EMLAUTH, "verify", "--checks", "dkim", "--json", str(box)], cpu=20)
    assert f"skipped {box}/cur: a symbolic link" in run.stderr_text
    assert run.returncode == 2 and "no messages found" in run.stderr_text

"""Any base64 that decoded to 32 bytes was taken as an Ed25519 private key (issue 15): a typo, a DNS p= value or
random data signed mail. A key must now be PEM/PKCS#8 (or DER), or the user says --raw-ed25519."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from support.bounded import EMLAUTH, run_bounded

MESSAGE = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: s\r\n\r\nbody\r\n"
ARGS = ["--domain", "example.com", "--selector", "s1", "--key"]


def test_bare_seed_needs_raw_ed25519(tmp_path: Path) -> None:
    key = tmp_path / "seed.txt"
    key.write_bytes(base64.b64encode(os.urandom(32)) + b"\n")
    key.chmod(0o600)
    for command in (["sign", *ARGS, str(key), "--now", "1700000000"], ["records", *ARGS, str(key)]):
        refused = run_bounded([*EMLAUTH, *command], stdin=MESSAGE)
        assert refused.returncode == 2 and "--raw-ed25519" in refused.stderr_text, refused.stderr_text
        assert len(refused.stderr_text.splitlines()) == 1
        accepted = run_bounded([*EMLAUTH, *command, "--raw-ed25519"], stdin=MESSAGE)
        assert accepted.returncode == 0, accepted.stderr_text
    assert (
        b"a=ed25519-sha256" in run_bounded([*EMLAUTH, "sign", *ARGS, str(key), "--raw-ed25519"], stdin=MESSAGE).stdout
    )

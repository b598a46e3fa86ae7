"""The shipped command, end to end: `emlauth sign` with an RSA and an Ed25519 signer over the corpus files on
disk, then every peer and our verifier judge the written files (DKIM-22 line endings, DKIM-32 prepending, DKIM-33
two selectors for one d=)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from interop.corpus import CORPUS
from interop.known import KNOWN_PEER_VERIFY, lookup
from interop.ours import describe, our_verify

pytestmark = pytest.mark.peers

ROOT = Path(__file__).resolve().parents[2]


def test_cli_signed_files_verify_everywhere(interop_env, tmp_path: Path) -> None:
    rsa_key, ed_key = interop_env.keys["rsa2048"], interop_env.keys["ed25519"]
    keyfiles = []
    for published in (rsa_key, ed_key):
        path = tmp_path / f"{published.selector}.pem"
        path.write_bytes(published.key.private_pem())
        path.chmod(0o600)
        keyfiles.append(path)
    inputs = tmp_path / "in"
    outputs = tmp_path / "out"
    inputs.mkdir()
    outputs.mkdir()
    for message in CORPUS:
        (inputs / f"{message.name}.eml").write_bytes(message.data)  # bare LF stays bare LF on disk
    command = [sys.executable, "-m", "toolkit", "sign"]
    for published, keyfile in zip((rsa_key, ed_key), keyfiles, strict=True):
        command += ["-d", "example.com", "-s", published.selector, "-k", str(keyfile)]
    command += ["--output-dir", str(outputs), *(str(inputs / f"{m.name}.eml") for m in CORPUS)]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr

    signed = [(outputs / f"{m.name}.eml").read_bytes() for m in CORPUS]
    now = int(time.time())
    for message, data in zip(CORPUS, signed, strict=True):
        assert data.startswith(b"DKIM-Signature:")
        assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF throughout (DKIM-22, DKIM-28)
        assert describe(our_verify(data, interop_env.resolver, now)) == ["pass:", "pass:"], message.name
    for peer_name, peer in interop_env.peers.items():
        got, want = {}, {}
        for message, results in zip(CORPUS, peer.verify_many(signed), strict=True):
            got[message.name] = sorted(r.verdict for r in results)
            want[message.name] = sorted(
                (lookup(KNOWN_PEER_VERIFY, peer_name, message.name, published.selector, "relaxed/relaxed") or ["pass"])[
                    0
                ]
                for published in (rsa_key, ed_key)
            )
            if set(want[message.name]) == {"none"}:  # "message not signed" is one verdict for the message
                want[message.name] = ["none"]
            passed = sorted(r.selector for r in results if r.verdict == "pass")
            assert set(passed) <= {"rsa2048", "ed25519"} and len(passed) == len(set(passed))
        assert got == want, peer_name

"""Issue 14 §2: the batch commands' fast paths keep their behaviour.

- `sign-eml --output-dir` over worker processes writes byte for byte what one process writes, in place of the
  old file by rename (atomic: a crash leaves the old or the new file, never a torn one), leaves no temporary
  file, never writes through a symlink at the target, and `--fsync` gives the same bytes.
- `verify-eml --help` and argument errors do not import the verifier (start-up: only what a command needs), and
  the constants cmd_verify repeats for that reason match toolkit.core.verify's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from toolkit.shells.runner import sign_eml_main

NOW = "1795000000"


def _sign(key: str, out: Path, inputs: list[str], *extra: str) -> int:
    return sign_eml_main(["-d", "example.com", "-s", "s1", "-k", key, "--now", NOW, "--output-dir", str(out),
                          *extra, *inputs])  # fmt: skip


def test_workers_write_what_one_process_writes(tmp_path: Path, key_path: str, messages) -> None:
    inputs = messages(tmp_path / "in", 40)  # above batch.PARALLEL_THRESHOLD: two real worker processes
    assert _sign(key_path, tmp_path / "one", inputs, "--jobs", "1") == 0
    assert _sign(key_path, tmp_path / "two", inputs, "--jobs", "2") == 0
    assert _sign(key_path, tmp_path / "sync", inputs, "--jobs", "2", "--fsync") == 0
    names = sorted(Path(n).name for n in inputs)
    for folder in ("one", "two", "sync"):
        assert sorted(os.listdir(tmp_path / folder)) == names  # no temporary file left behind
    for name in names:
        one = (tmp_path / "one" / name).read_bytes()
        assert one.startswith(b"DKIM-Signature: v=1; a=rsa-sha256;")
        assert (tmp_path / "two" / name).read_bytes() == one == (tmp_path / "sync" / name).read_bytes()


def test_an_existing_file_is_replaced_by_rename_and_a_symlink_is_not_followed(
    tmp_path: Path, key_path: str, messages
) -> None:
    inputs = messages(tmp_path / "in", 2)
    out = tmp_path / "out"
    out.mkdir()
    old = out / "m000.eml"
    old.write_bytes(b"old")
    old_inode = old.stat().st_ino
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep me")
    (out / "m001.eml").symlink_to(victim)
    assert _sign(key_path, out, inputs) == 0
    assert old.stat().st_ino != old_inode  # a new file renamed into place, not the old one rewritten
    assert old.read_bytes().startswith(b"DKIM-Signature:")
    assert victim.read_bytes() == b"keep me"  # the link itself was replaced, nothing written through it
    assert not (out / "m001.eml").is_symlink()


def test_an_unreadable_input_is_one_line_and_exit_2(tmp_path: Path, key_path: str, messages) -> None:
    inputs = messages(tmp_path / "in", 20)
    Path(inputs[7]).unlink()
    result = subprocess.run(
        [sys.executable, "-m", "toolkit", "sign", "-d", "example.com", "-s", "s1", "-k", key_path, "--now", NOW,
         "--output-dir", str(tmp_path / "out"), "--jobs", "2", *inputs],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "cannot read" in result.stderr and "m007.eml" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_does_not_import_the_verifier() -> None:
    code = (
        "import sys\nfrom toolkit.shells.runner import verify_eml_main\n"
        "try:\n    verify_eml_main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ['toolkit.core.verify', 'toolkit.core.dkim', 'cryptography', 'concurrent.futures.process']\n"
        "print('LOADED:', *[m for m in heavy if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "usage: verify-eml" in result.stdout
    assert result.stdout.splitlines()[-1] == "LOADED:"


def test_the_repeated_constants_match_the_verifier() -> None:
    from toolkit.core import verify
    from toolkit.shells import cmd_verify

    assert cmd_verify.ALL_CHECKS == verify.ALL_CHECKS
    # --authserv-id's default is this host's name (common.default_authserv_id, 3a5fff4): no constant to copy


_PROTOCOLS = ("toolkit.core.spf", "toolkit.core.dmarc", "toolkit.core.arc")


def _protocols_loaded(message: Path, *options: str) -> list[str]:
    """The protocol packages a fresh verify-eml process has imported once it has verified `message`."""
    code = (
        "import sys\nfrom toolkit.shells.runner import verify_eml_main\n"
        f"code = verify_eml_main(['--now', '{NOW}', '--header-only', *sys.argv[1:]])\n"
        f"print('LOADED:', *[m for m in {_PROTOCOLS!r} if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code, *options, str(message)], capture_output=True, text=True)
    assert "Authentication-Results:" in result.stdout, result.stderr
    return result.stdout.splitlines()[-1].split()[1:]


def test_a_check_that_is_not_asked_for_is_not_imported(tmp_path: Path) -> None:
    """Start-up (issue 14 §2): `--checks dkim` imports no SPF, DMARC or ARC code; the default checks all run."""
    message = tmp_path / "m.eml"
    message.write_bytes(b"From: a@example.com\r\nTo: b@example.org\r\nSubject: s\r\n\r\nbody\r\n")
    zones = tmp_path / "zones"
    zones.mkdir()
    assert _protocols_loaded(message, "--zones", str(zones), "--checks", "dkim") == []
    everything = _protocols_loaded(message, "--zones", str(zones), "--ip", "192.0.2.1", "--mail-from", "a@example.com")
    assert everything == list(_PROTOCOLS)


def test_the_exit_collection_is_skipped_only_when_the_process_ends() -> None:
    """Issue 14: a command run as the program (argv None) freezes what is alive before the interpreter's last
    collection; called with an argv (tests, other Python code) the caller's collector is left as it was."""
    import gc

    from toolkit.shells.runner import finish

    before = gc.get_freeze_count()
    assert finish(3, ["--help"]) == 3 and gc.get_freeze_count() == before
    try:
        assert finish(1, None) == 1 and gc.get_freeze_count() > before
    finally:
        gc.unfreeze()

"""keygen wrote through a symlinked domain folder (issue 15): `keys/example.com -> /somewhere/else` put the new
private key wherever the link pointed. The DOMAIN folder under --out must now be a real folder; the files are
created inside the folder opened with O_NOFOLLOW, so swapping it for a link after the check changes nothing."""

from __future__ import annotations

from pathlib import Path

from support.bounded import EMLAUTH, run_bounded

ARGS = ["keygen", "--domain", "example.com", "--selector", "s1", "--type", "ed25519"]


def test_symlinked_domain_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "keys"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "example.com").symlink_to(elsewhere)
    run = run_bounded([*EMLAUTH, *ARGS, "--out", str(out)])
    assert run.returncode == 2, run.stderr_text
    assert len(run.stderr_text.splitlines()) == 1 and "is a symbolic link" in run.stderr_text
    assert list(elsewhere.iterdir()) == []  # nothing written where the link points


def test_real_folder_and_symlinked_out_still_work(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "out-link"
    link.symlink_to(real)  # --out itself is the user's choice and may be a link
    run = run_bounded([*EMLAUTH, *ARGS, "--out", str(link)])
    assert run.returncode == 0, run.stderr_text
    key = real / "example.com" / "s1.private.pem"
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert key.stat().st_mode & 0o777 == 0o600
    forced = run_bounded([*EMLAUTH, *ARGS, "--out", str(link), "--force"])
    assert forced.returncode == 0 and key.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in key.parent.iterdir()) == ["s1.private.pem", "s1.txt"]  # no temporary left

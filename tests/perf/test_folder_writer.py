"""sign-eml's writer thread (toolkit/shells/outdir.py, issue 14 §2): writing on a thread of its own keeps the
output what it was. Every file handed over is written, whole, by the time the command returns; a write that
fails stops the batch with one line and exit 2, and the files handed over before it are still written; nothing
is left under a temporary name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.shells.common import UsageError
from toolkit.shells.outdir import FolderWriter

NOW = "1795000000"


def _sign(key: str, out: Path, inputs: list[str], jobs: str) -> subprocess.CompletedProcess:
    argv = ["-d", "example.com", "-s", "s1", "-k", key, "--now", NOW, "--output-dir", str(out), "--jobs", jobs]
    return subprocess.run([sys.executable, "-m", "toolkit", "sign", *argv, *inputs],
                          capture_output=True, text=True, check=False)  # fmt: skip


@pytest.mark.parametrize("failing", [30, 59])  # 59: the last file, whose error only the final flush sees
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failed_write_stops_with_one_line_and_what_came_before_is_written(
    tmp_path: Path, key_path: str, jobs: str, failing: int, messages
) -> None:
    inputs = messages(tmp_path / "in", 60)  # above batch.PARALLEL_THRESHOLD: with 2 jobs, two processes
    out = tmp_path / "out"
    target = f"m{failing:03d}.eml"
    (out / target).mkdir(parents=True)  # the rename over a folder that holds a file fails
    (out / target / "keep").write_bytes(b"x")
    result = _sign(key_path, out, inputs, jobs)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "cannot write" in result.stderr and target in result.stderr
    assert "Traceback" not in result.stderr
    written = sorted(name for name in os.listdir(out) if name != target)
    assert not [name for name in written if name.startswith(".")]  # no temporary file left behind
    if jobs == "1":  # one process: every file before the failing one was handed over, so it is written
        assert [f"m{index:03d}.eml" for index in range(failing)] == written[:failing]
    for name in written:  # whatever was written is whole
        assert (out / name).read_bytes().startswith(b"DKIM-Signature: v=1;")
        assert (out / name).read_bytes().endswith(b"body %d\r\n" % int(name[1:4]))


def test_flush_writes_every_file_in_groups_of_bounded_size(tmp_path: Path) -> None:
    writer = FolderWriter(fsync=False, group=3, group_bytes=100, depth=1)
    sizes = [10, 500, 10, 10, 10, 10, 10]  # the 500-byte file is a group on its own terms (over group_bytes)
    for index, size in enumerate(sizes):
        writer.submit(str(tmp_path / f"f{index}"), bytes([65 + index]) * size)
        assert len(writer._pending) < 3 and writer._pending_bytes < 100  # handed over once a bound is reached
    writer.flush()
    assert sorted(os.listdir(tmp_path)) == [f"f{index}" for index in range(len(sizes))]
    for index, size in enumerate(sizes):
        assert (tmp_path / f"f{index}").read_bytes() == bytes([65 + index]) * size


def test_after_a_failure_submit_and_flush_raise_it(tmp_path: Path) -> None:
    writer = FolderWriter(fsync=False, group=1)
    writer.submit(str(tmp_path / "missing-folder" / "f"), b"x")  # cannot be created
    with pytest.raises(UsageError, match="cannot write .*missing-folder"):
        writer.flush()
    with pytest.raises(UsageError, match="missing-folder"):
        writer.submit(str(tmp_path / "g"), b"y")

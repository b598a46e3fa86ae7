"""The forked worker pool of batch.run_items (issue 14 §2): same outcomes, same order and same errors as one process.

- Outcomes come back in input order for any number of workers and chunks.
- An exception from the per-item function stops the batch at that item: what came before is emitted, then it is
  raised in the parent (a UsageError stays one line, exit 2), and no worker is left running.
- A worker that dies (killed, out of memory) is a one-line WorkerError, not a hang or a partial success.
- Files are read whole, at most --max-size bytes, empty files included.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from toolkit.shells import batch, forked
from toolkit.shells.common import UsageError


def _items(count: int) -> list[batch.Item]:
    return [batch.Item(f"m{i}", b"%d" % i) for i in range(count)]


def _run(items: list[batch.Item], process, jobs: int) -> list:
    seen: list = []
    batch.run_items(items, lambda: process, jobs, lambda item, outcome: seen.append((item.label, outcome)), False)
    return seen


def _double(item: batch.Item) -> tuple[int, bytes, str]:
    return 0, item.data * 2, ""


@pytest.fixture
def forked_pids(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids of the workers run_items forks (other tests' servers may be children of this process too)."""
    pids: list[int] = []
    real_fork = os.fork

    def recording_fork() -> int:
        pid = real_fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recording_fork)
    return pids


def _all_reaped(pids: list[int]) -> bool:
    """Every worker has exited and was waited for by run_items (none left running, no zombie)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return bool(pids)


@pytest.mark.parametrize("jobs", [2, 3])
@pytest.mark.parametrize("count", [batch.PARALLEL_THRESHOLD, 1000])
def test_outcomes_in_input_order(count: int, jobs: int, forked_pids: list[int]) -> None:
    items = _items(count)
    assert (
        _run(items, _double, jobs)
        == _run(items, _double, 1)
        == [(f"m{i}", (0, b"%d" % i * 2, "")) for i in range(count)]
    )
    assert _all_reaped(forked_pids)


def _fail_at_70(item: batch.Item) -> tuple[int, bytes, str]:
    if item.label == "m70":
        raise UsageError("m70: no usable From domain")
    return 0, item.data, ""


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_error_stops_the_batch_at_its_item(jobs: int, forked_pids: list[int]) -> None:
    seen: list = []
    with pytest.raises(UsageError, match="^m70: no usable From domain$"):
        batch.run_items(_items(200), lambda: _fail_at_70, jobs, lambda item, _: seen.append(item.label), False)
    assert seen == [f"m{i}" for i in range(70)]
    assert _all_reaped(forked_pids) or jobs == 1


def _failing_setup():
    raise UsageError("cannot read key k.pem")


def test_an_error_in_the_workers_setup_is_raised(forked_pids: list[int]) -> None:
    with pytest.raises(UsageError, match="cannot read key"):
        batch.run_items(_items(100), _failing_setup, 2, lambda item, _: None, False)
    assert _all_reaped(forked_pids)


def _killed_at_50(item: batch.Item) -> tuple[int, bytes, str]:
    if item.label == "m50":
        os.kill(os.getpid(), signal.SIGKILL)
    return 0, b"", ""


def test_a_killed_worker_is_one_line_not_a_hang(forked_pids: list[int]) -> None:
    with pytest.raises(forked.WorkerError, match="killed by signal 9"):
        batch.run_items(_items(200), lambda: _killed_at_50, 2, lambda item, _: None, False)
    assert _all_reaped(forked_pids)


def test_files_are_read_whole_and_capped(tmp_path: Path) -> None:
    empty, small, big = tmp_path / "empty", tmp_path / "small", tmp_path / "big"
    empty.write_bytes(b"")
    small.write_bytes(b"x" * 100)
    big.write_bytes(b"y" * 3_000_000)  # several reads
    assert batch._read_file(str(empty)) == b""
    assert batch._read_file(str(small), limit=100) == b"x" * 100
    assert batch._read_file(str(big)) == b"y" * 3_000_000
    with pytest.raises(UsageError, match=r"small is larger than 99 bytes \(raise it with --max-size\); not read$"):
        batch._read_file(str(small), limit=99)
    (tmp_path / "link").symlink_to(small)
    with pytest.raises(UsageError, match="^cannot read .*link: "):
        batch._read_file(str(tmp_path / "link"))
    assert batch._read_file(str(tmp_path / "link"), follow_symlinks=True) == b"x" * 100


@pytest.mark.parametrize("count", [16, 17, 5000, 20_000, 1_000_003])
def test_chunks_cover_every_item_once_and_fit_one_page_of_pipe(count: int) -> None:
    chunks = forked._chunks(count, 2)
    assert [i for chunk in chunks for i in chunk] == list(range(count))
    assert len(chunks) * forked._TASK.size <= 4096  # written before the workers start: never blocks

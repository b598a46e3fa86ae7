"""Batch input for verify-eml: .eml files, stdin, mbox files, Maildirs; parallel verification; a progress bar.

- An input whose first line starts with `From ` is an mbox (mboxrd: one `>` is removed from `>From ` lines).
- A directory is a Maildir: the files in `cur/` and `new/`, sorted by name.
- Results come back in input order. With more than a few messages, work is spread over processes
  (`concurrent.futures.ProcessPoolExecutor`, chunked); each process builds its own resolver.
- The progress bar goes to stderr, and only when stderr is a terminal.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from toolkit.core.errors import UsageError
from toolkit.shells.common import read_input

PARALLEL_THRESHOLD = 16  # fewer messages than this are verified in-process
_MBOX_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Item:
    label: str  # file name, `name#3` for the 3rd message of an mbox, `-` for stdin
    data: bytes
    mbox_from: bytes = b""  # the mbox `From ` line, if the message came from an mbox
    path: str = ""  # a Maildir file not read yet (data is empty until loaded())

    def loaded(self) -> Item:
        """The item with its data; reading a file that became unreadable raises UsageError."""
        return Item(self.label, _read_file(self.path), self.mbox_from) if self.path else self


def is_mbox(data: bytes) -> bool:
    return data.startswith(b"From ")


def split_mbox(data: bytes) -> list[tuple[bytes, bytes]]:
    """(From_ line, message bytes) for each message. A `From ` line starts a message after an empty line."""
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
            body_lines = body_lines[:-1]  # the separator line before the next From_
        out.append((from_line, _MBOX_FROM.sub(rb"\1", b"".join(body_lines))))
    return out


def maildir_files(path: Path) -> list[Path]:
    subdirs = [path / "cur", path / "new"]
    if not any(d.is_dir() for d in subdirs):
        raise UsageError(f"{path} is a directory but not a Maildir (no cur/ or new/)")
    files: list[Path] = []
    for d in subdirs:
        if d.is_dir():
            try:
                # scandir: is_file() from the directory entry, and names sort like the Paths of one folder (a
                # Maildir holds thousands of files; pathlib's stat and comparisons cost more than reading them)
                with os.scandir(d) as entries:
                    names = sorted(e.name for e in entries if e.is_file() and not e.name.startswith("."))
                files.extend(d / name for name in names)
            except OSError as exc:
                raise UsageError(f"cannot read Maildir {d}: {exc.strerror or exc}") from None
    return files


def expand_inputs(inputs: Sequence[str]) -> list[Item]:
    """Every message of every input, in order. Missing or unreadable inputs raise UsageError (exit 2)."""
    for name in inputs:  # fail fast, before any work
        if name != "-" and not Path(name).exists():
            raise UsageError(f"cannot read {name}: no such file or directory")
    items: list[Item] = []
    for name in inputs:
        path = Path(name)
        if name != "-" and path.is_dir():
            for file in maildir_files(path):
                label = str(file)
                items.append(Item(label, b"", path=label))  # read by run_items, as the work is handed out
            continue
        data = read_input(name)
        if is_mbox(data):
            for index, (from_line, message) in enumerate(split_mbox(data), 1):
                items.append(Item(f"{name}#{index}", message, from_line))
        else:
            items.append(Item(name, data))
    return items


def _read_file(path: str) -> bytes:
    """read_input for the files of a Maildir, without pathlib: thousands of small reads, half the time each."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


# --- running ---------------------------------------------------------------------------------------------------

_worker_state: dict = {}


def _init_worker(setup: Callable[[], Callable[[Item], tuple[int, bytes, str]]]) -> None:
    _worker_state["process"] = setup()


def _work(item: Item) -> tuple[int, bytes, str]:
    return _worker_state["process"](item.loaded())


def run_items(
    items: Sequence[Item],
    setup: Callable[[], Callable[[Item], tuple[int, bytes, str]]],
    jobs: int,
    emit: Callable[[Item, tuple[int, bytes, str]], None],
    progress: bool,
) -> None:
    """Process items (each -> (exit code, output bytes, error line)) and emit the outcomes in input order.

    `setup` is a picklable callable run once per process; it returns the per-item function.
    """
    bar = ProgressBar(len(items)) if progress else None
    jobs = min(jobs, len(items))  # with fork, the pool starts every worker up front: never more than the messages
    if jobs <= 1 or len(items) < PARALLEL_THRESHOLD:
        items = [item.loaded() for item in items]  # every read error before any output
        process = setup()
        for item in items:
            emit(item, process(item))
            if bar:
                bar.step()
    else:
        # chunks big enough that the parent's per-chunk work (futures, pickling) stays small next to the workers';
        # about 8 per worker, so the last ones still balance the load
        chunksize = max(1, min(256, len(items) // (jobs * 8)))
        # fork (where there is one): the workers inherit what the parent built (resolver, keys, signers) instead
        # of unpickling or rebuilding it; Maildir and sign-eml files are read by the workers, so the parent only
        # hands out names and writes results (it was a third of the CPU time with 2 jobs when it read them)
        import multiprocessing  # here: the pool's imports cost 0.1 s, a start-up only a parallel run pays
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker, initargs=(setup,)) as pool:
            for item, outcome in zip(items, pool.map(_work, items, chunksize=chunksize), strict=True):
                emit(item, outcome)
                if bar:
                    bar.step()
    if bar:
        bar.close()


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class ProgressBar:
    def __init__(self, total: int, stream=None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self._last = -1

    def step(self) -> None:
        self.done += 1
        width = 30
        filled = width * self.done // max(self.total, 1)
        if filled != self._last or self.done == self.total:
            self._last = filled
            self.stream.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {self.done}/{self.total}")
            self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()

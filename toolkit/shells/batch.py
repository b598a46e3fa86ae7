"""Batch input for verify-eml: .eml files, stdin, mbox files, Maildirs; parallel verification; a progress bar.

- An input whose first line starts with `From ` is an mbox (mboxrd, split by mbox.py).
- A directory is a Maildir: the files in `cur/` and `new/`, sorted by name. Symlinks and anything that is not a
  regular file are skipped, with a line on stderr, unless `follow_symlinks` (issue 15: as root, a Maildir entry
  linking to /etc/shadow printed it). Every read stops past `max_size` bytes (one line, exit 2).
- Results come back in input order. With more than a few messages, work is spread over forked worker processes
  that share what the parent built (items, keys, resolver) and take chunks of items from a pipe (run_items).
- The progress bar goes to stderr, and only when stderr is a terminal.
- An input that cannot be read (missing, unreadable, a folder that is no Maildir) becomes an Item with `error`
  set: it is reported in its place, and the rest of the batch still runs.
"""

from __future__ import annotations

import contextlib
import gc
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from toolkit.shells.common import MAX_MESSAGE_BYTES, UsageError, read_input, too_large, warn
from toolkit.shells.mbox import is_mbox, split_mbox

PARALLEL_THRESHOLD = 16  # fewer messages than this are verified in-process


@dataclass(frozen=True, slots=True)
class Item:
    label: str  # file name, `name#3` for the 3rd message of an mbox, `-` for stdin
    data: bytes
    mbox_from: bytes = b""  # the mbox `From ` line, if the message came from an mbox
    path: str = ""  # a Maildir file not read yet (data is empty until loaded())
    max_size: int = MAX_MESSAGE_BYTES
    follow_symlinks: bool = False
    error: str = ""  # why this input could not be read (one line); data is empty then

    def loaded(self) -> Item:
        """The item with its data; a file that became unreadable gives an item with `error` set."""
        if not self.path:
            return self
        try:
            return Item(self.label, _read_file(self.path, self.max_size, self.follow_symlinks), self.mbox_from)
        except UsageError as exc:
            return Item(self.label, b"", self.mbox_from, error=str(exc))


def maildir_files(path: Path, follow_symlinks: bool = False) -> list[Path]:
    return [Path(name) for name in maildir_paths(path, follow_symlinks)]


def maildir_paths(path: Path, follow_symlinks: bool = False) -> list[str]:
    """The files of a Maildir's cur/ and new/, each sorted by name, as the strings `str(path / "cur" / name)`
    gives: plain strings, not Paths (for 5,000 files, Path objects cost 50 to 100 ms of a command's start-up)."""
    subdirs = [path / "cur", path / "new"]
    if not any(d.is_dir() for d in subdirs):
        raise UsageError(f"{path} is a directory but not a Maildir (no cur/ or new/)")
    files: list[str] = []
    for d in subdirs:
        if d.is_symlink() and not follow_symlinks:
            warn(f"skipped {d}: a symbolic link (use --follow-symlinks to read it)")
            continue
        if d.is_dir():
            folder = str(d)
            try:
                # scandir: the file type from the directory entry (no stat per file)
                with os.scandir(folder) as entries:
                    names = sorted(e.name for e in entries if _wanted(e, follow_symlinks))
            except OSError as exc:
                raise UsageError(f"cannot read Maildir {d}: {exc.strerror or exc}") from None
            files.extend(f"{folder}/{name}" for name in names)
    return files


def _wanted(entry: os.DirEntry, follow_symlinks: bool) -> bool:
    """A regular file not starting with '.'; symlinks (unless followed) and other kinds are skipped and said so."""
    if entry.name.startswith("."):
        return False
    if entry.is_symlink() and not follow_symlinks:
        warn(f"skipped {entry.path}: a symbolic link (use --follow-symlinks to read it)")
        return False
    if not entry.is_file(follow_symlinks=follow_symlinks):
        warn(f"skipped {entry.path}: not a regular file")
        return False
    return True


def expand_inputs(
    inputs: Sequence[str], max_size: int = MAX_MESSAGE_BYTES, follow_symlinks: bool = False
) -> list[Item]:
    """Every message of every input, in order. An input that cannot be read is one Item with `error` set, in its
    place: the caller reports it and goes on with the rest (exit 2 for the batch)."""
    items: list[Item] = []
    for name in inputs:
        try:
            items.extend(_expand_one(name, max_size, follow_symlinks))
        except UsageError as exc:
            items.append(Item(name, b"", error=str(exc)))
    return items


def _expand_one(name: str, max_size: int, follow_symlinks: bool) -> list[Item]:
    path = Path(name)
    items: list[Item] = []
    if name != "-" and path.is_dir():
        for label in maildir_paths(path, follow_symlinks):  # read by run_items, as the work is handed out
            items.append(Item(label, b"", path=label, max_size=max_size, follow_symlinks=follow_symlinks))
    else:
        data = read_input(name, max_size)
        if is_mbox(data):
            for index, (from_line, message) in enumerate(split_mbox(data), 1):
                items.append(Item(f"{name}#{index}", message, from_line))
        else:
            items.append(Item(name, data))
    return items


def _read_file(path: str, limit: int = MAX_MESSAGE_BYTES, follow_symlinks: bool = False) -> bytes:
    """read_input for the files of a Maildir and sign-eml's inputs: open, fstat, read, close: four syscalls.
    (Through open() it was four more per file: an ioctl, an lseek, a second fstat and the read that sees the end.
    On this project's VMs each syscall also slows the Python code after it, about 3x its own time: issue 14.)

    O_NOFOLLOW and the fstat check close the window between listing the folder and opening the file, in which an
    entry could be swapped for a symlink or a FIFO."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise UsageError(f"cannot read {path}: not a regular file")
            return _read_to_end(fd, min(info.st_size, limit) + 1, limit, path)
        finally:
            os.close(fd)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def _read_to_end(fd: int, first: int, limit: int, name: str) -> bytes:
    """Everything up to the end of a regular file, at most `limit` bytes (over it: too_large). The first read asks
    for one byte more than the file's size, so a file that did not grow comes whole in one read, without a copy:
    a read of a regular file that returns less than it asked for has reached the end (no read to see it). Later
    reads ask for 64 KiB, not 1 MiB: a buffer that large is an mmap and munmap per file (80 us of a 10 KB file)."""
    chunks = []
    total, want = 0, first
    while chunk := os.read(fd, want):
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise too_large(name, limit)
        if len(chunk) < want:
            break
        want = min(_FOLLOWING_READ, limit + 1 - total)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)  # b"" for an empty file


_FOLLOWING_READ = 1 << 16


# --- running ---------------------------------------------------------------------------------------------------

Outcome = tuple  # (exit code, output bytes, error line, ...): what the per-item function returns


def run_items(
    items: Sequence[Item],
    setup: Callable[[], Callable[[Item], Outcome]],
    jobs: int,
    emit: Callable[[Item, Outcome], None],
    progress: bool,
) -> None:
    """Process items (each -> (exit code, output bytes, error line)) and emit the outcomes in input order.

    `setup` is called once per process (in the workers after the fork) and returns the per-item function. An
    exception from it stops the batch where it happened: the outcomes before it are emitted, then it is raised.
    A per-item function that leaves work running (sign-eml's writer thread) has a `flush()` method: it is called
    after each chunk of a worker and at the end, and its exception counts as one of the last item's.
    """
    bar = ProgressBar(len(items)) if progress else None
    step = bar.step if bar else _nothing
    jobs = min(jobs, len(items))  # the workers start up front: never more than the messages
    # what exists now (modules, items, keys, resolver) lives for the whole batch: out of the collector's sight, the
    # per-message garbage collections stop walking it, and forked workers do not copy the pages it would touch
    gc.freeze()
    try:
        if jobs <= 1 or len(items) < PARALLEL_THRESHOLD or not hasattr(os, "fork"):
            process = setup()
            try:
                for item in read_in_groups(items):
                    emit(item, process(item))
                    step()
            except BaseException:
                _flush(process, quietly=True)  # what was handed over before the failure is still finished
                raise
            _flush(process)
        else:
            from toolkit.shells import forked

            forked.run_forked(items, setup, jobs, emit, step, _run_chunk)
    finally:
        gc.unfreeze()  # a caller that goes on (tests, report_inputs) gets its collector back as it was
    if bar:
        bar.close()


def _run_chunk(process: Callable[[Item], Outcome], items: Sequence[Item], outcomes: list) -> None:
    """One worker chunk: its files read in groups, each item's outcome appended, then the item function flushed
    (the chunk's work is done before the parent hears of it). An exception leaves the outcomes before it."""
    try:
        for item in read_in_groups(items):
            outcomes.append(process(item))
        _flush(process)
    except Exception:
        _flush(process, quietly=True)  # what was handed over before the failure is still finished
        raise


def _nothing() -> None:
    pass


def _flush(process: object, quietly: bool = False) -> None:
    flush = getattr(process, "flush", None)
    if flush is None:
        return
    if not quietly:
        flush()
        return
    with contextlib.suppress(Exception):  # the failure being raised is the one to report
        flush()


READ_AHEAD_FILES = 32
READ_AHEAD_BYTES = 1 << 20


def read_in_groups(items: Iterable[Item]) -> Iterator[Item]:
    """The items with their data, the files read a group at a time (up to 32 files or 1 MiB) before any is handed
    on. Why: on this project's VMs a syscall also slows the Python code that runs after it, about three times its
    own cost (cold branch predictors and caches after the kernel's mitigations); files read in a row pay that
    once per group. Verifying 5,000 ~10 KB messages (A/B in one process, CPU time): 40 to 60 us per message above
    the same messages held in memory when each file was read right before its message, 15 to 25 us in groups."""
    group: list[Item] = []
    size = 0
    for item in items:
        item = item.loaded()
        group.append(item)
        size += len(item.data)
        if len(group) >= READ_AHEAD_FILES or size >= READ_AHEAD_BYTES:
            yield from group
            group, size = [], 0
    yield from group


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

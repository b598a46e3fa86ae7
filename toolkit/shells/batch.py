"""Batch input for verify-eml: .eml files, stdin, mbox files, Maildirs; parallel verification; a progress bar.

- An input whose first line starts with `From ` is an mbox (mboxrd: one `>` is removed from `>From ` lines).
- A directory is a Maildir: the files in `cur/` and `new/`, sorted by name. Symlinks and anything that is not a
  regular file are skipped, with a line on stderr, unless `follow_symlinks` (issue 15: as root, a Maildir entry
  linking to /etc/shadow printed it). Every read stops past `max_size` bytes (one line, exit 2).
- Results come back in input order. With more than a few messages, work is spread over processes
  (`concurrent.futures.ProcessPoolExecutor`, chunked); each process builds its own resolver.
- The progress bar goes to stderr, and only when stderr is a terminal.
- An input that cannot be read (missing, unreadable, a folder that is no Maildir) becomes an Item with `error`
  set: it is reported in its place, and the rest of the batch still runs.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from toolkit.shells.common import MAX_MESSAGE_BYTES, UsageError, read_input, read_limited, warn

PARALLEL_THRESHOLD = 16  # fewer messages than this are verified in-process
_MBOX_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


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


def is_mbox(data: bytes) -> bool:
    return data.startswith(b"From ")


def split_mbox(data: bytes) -> list[tuple[bytes, bytes]]:
    """(From_ line, message bytes) for each message. A `From ` line starts a message after an empty line.

    One pass over the `From ` lines, never a list of every line: an mbox under --max-size of empty lines would
    otherwise cost ~50 octets of objects per line (a 256 MB file, gigabytes; issue 15).
    """
    starts = [m.start() for m in _FROM_LINE.finditer(data) if _after_blank_line(data, m.start())]
    out = []
    for number, start in enumerate(starts):
        line_end = _line_end(data, start)
        end = starts[number + 1] if number + 1 < len(starts) else len(data)
        from_line = data[start:line_end].rstrip(b"\r\n")
        body = data[line_end:end]
        cut = _blank_last_line(body)
        if cut is not None:
            body = body[:cut]  # the separator line before the next From_
        out.append((from_line, _MBOX_FROM.sub(rb"\1", body)))
    return out


_FROM_LINE = re.compile(rb"(?:\A|(?<=[\r\n]))From ")  # at a line start (lines end in LF, CRLF or CR)


def _line_end(data: bytes, start: int) -> int:
    """The index after the line terminator (LF, CRLF or CR) of the line starting at `start`."""
    found = _EOL.search(data, start)
    return found.end() if found else len(data)


_EOL = re.compile(rb"\r\n|\n|\r")


def _after_blank_line(data: bytes, start: int) -> bool:
    """Is the line before `start` empty (LF or CRLF alone), or is `start` the beginning of the file?"""
    if start == 0:
        return True
    if data[start - 1 : start] != b"\n":
        return False
    cut = start - 2 if start >= 2 and data[start - 2 : start] == b"\r\n" else start - 1  # the terminator's start
    return cut == 0 or data[cut - 1 : cut] in (b"\n", b"\r")  # nothing between it and the line before


def _blank_last_line(data: bytes) -> int | None:
    """Where the last line starts when it is empty (just LF or CRLF), else None."""
    if data.endswith(b"\r\n"):
        cut = len(data) - 2
    elif data.endswith(b"\n"):
        cut = len(data) - 1
    else:
        return None
    return cut if cut == 0 or data[cut - 1 : cut] in (b"\n", b"\r") else None


def maildir_files(path: Path, follow_symlinks: bool = False) -> list[Path]:
    subdirs = [path / "cur", path / "new"]
    if not any(d.is_dir() for d in subdirs):
        raise UsageError(f"{path} is a directory but not a Maildir (no cur/ or new/)")
    files: list[Path] = []
    for d in subdirs:
        if d.is_symlink() and not follow_symlinks:
            warn(f"skipped {d}: a symbolic link (use --follow-symlinks to read it)")
            continue
        if d.is_dir():
            try:
                # scandir: the file type from the directory entry, and names sort like the Paths of one folder (a
                # Maildir holds thousands of files; pathlib's stat and comparisons cost more than reading them)
                with os.scandir(d) as entries:
                    names = sorted(e.name for e in entries if _wanted(e, follow_symlinks))
                files.extend(d / name for name in names)
            except OSError as exc:
                raise UsageError(f"cannot read Maildir {d}: {exc.strerror or exc}") from None
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
        for file in maildir_files(path, follow_symlinks):
            label = str(file)  # read by run_items, as the work is handed out
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
    """read_input for the files of a Maildir, without pathlib: thousands of small reads, half the time each.

    O_NOFOLLOW and the fstat check close the window between listing the folder and opening the file, in which an
    entry could be swapped for a symlink or a FIFO."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
        with open(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise UsageError(f"cannot read {path}: not a regular file")
            return read_limited(handle, limit, path)
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
        items = [item.loaded() for item in items]
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

"""Writing the files of an output folder (`sign-eml --output-dir`): each one whole or not at all.

A file is written under a temporary name in the folder and renamed over its target, so a crash of the process
leaves the old file or the new one, never a torn one; `fsync` adds the flush to disk (README: durability).
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from pathlib import Path

from toolkit.shells.common import UsageError

# a new file only: never an existing one, never through a symlink planted under the temporary name
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def write_atomic(path: str, data: bytes, fsync: bool) -> None:
    """Write to a temporary file next to `path`, then rename it over `path` (atomic on POSIX). Without fsync a
    power cut can still lose the new file's data (the rename may reach the disk first), never tear it in a crash
    of this process; --fsync closes that window at one fsync per file.

    os.open/os.write/os.rename on a name built here: four syscalls per file (open, write, close, rename, and no
    more); open() with its buffered file object added an ioctl, an lseek and an fstat, and pathlib its objects."""
    folder, name = os.path.split(path)
    temp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    created = False
    try:
        fd = os.open(temp, _CREATE, 0o666)
        created = True
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temp, path)
    except OSError as exc:
        if created:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise UsageError(f"cannot sync {path}: {exc.strerror or exc}") from None


class FolderWriter:
    """write_atomic on a thread of its own: a file's syscalls (open, write, close, rename: 80 to 200 us each on
    this project's VMs; milliseconds with fsync) overlap the signing of the next messages, whose RSA operations
    release the GIL (`cryptography`). Files are handed over in groups of up to `group` files or `group_bytes` (one
    queue operation and one wake-up per group: handing over each file cost ~40 us of CPU per file in lock
    traffic), and at most `depth` groups wait, so memory stays within a few groups (or a few messages when they
    are large).

    A failed write is raised by a later submit() or by flush(): the batch stops some files after the one that
    failed, and every file handed over before the failure is still written (flush drains the queue). A process
    makes its own writer after any fork: threads do not survive one.
    """

    def __init__(self, fsync: bool, group: int = 16, group_bytes: int = 1 << 20, depth: int = 2) -> None:
        self._fsync = fsync
        self._group, self._group_bytes = group, group_bytes
        self._pending: list[tuple[str, bytes]] = []
        self._pending_bytes = 0
        self._queue: queue.Queue[list[tuple[str, bytes]]] = queue.Queue(depth)
        self._error: UsageError | None = None
        threading.Thread(target=self._run, name="output writer", daemon=True).start()

    def submit(self, path: str, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._pending.append((path, data))
        self._pending_bytes += len(data)
        if len(self._pending) >= self._group or self._pending_bytes >= self._group_bytes:
            self._hand_over()

    def flush(self) -> None:
        """Wait until every file handed over is written; raise the first failure."""
        if self._pending:
            self._hand_over()
        self._queue.join()
        if self._error is not None:
            raise self._error

    def _hand_over(self) -> None:
        self._queue.put(self._pending)  # blocks while `depth` groups wait: the writer sets the pace
        self._pending, self._pending_bytes = [], 0

    def _run(self) -> None:
        while True:
            files = self._queue.get()
            try:
                for path, data in files:
                    if self._error is None:  # after a failure the rest is dropped: the batch is stopping
                        write_atomic(path, data, self._fsync)
            except UsageError as exc:
                self._error = exc
            except BaseException as exc:  # never leave flush() waiting on a dead thread
                self._error = UsageError(f"cannot write: {exc}")
            finally:
                self._queue.task_done()

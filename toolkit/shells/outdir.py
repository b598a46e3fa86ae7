"""Writing the files of an output folder (`sign-eml --output-dir`): each one whole or not at all.

A file is written under a temporary name in the folder and renamed over its target, so a crash of the process
leaves the old file or the new one, never a torn one; `fsync` adds the flush to disk (README: durability).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from toolkit.shells.common import UsageError

# a new file only: never an existing one, never through a symlink planted under the temporary name
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def write_atomic(path: str, data: bytes, fsync: bool) -> None:
    """Write to a temporary file next to `path`, then rename it over `path` (atomic on POSIX). Without fsync a
    power cut can still lose the new file's data (the rename may reach the disk first), never tear it in a crash
    of this process; --fsync closes that window at one fsync per file.

    os.open/os.write/os.rename on a name built here: five syscalls per file (open, write, close, rename, and no
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

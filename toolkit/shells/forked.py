"""The forked worker pool behind batch.run_items: `jobs` processes that share the parent's memory and hand back
each chunk's outcomes, emitted by the parent in input order.

Chunk numbers wait in one pipe; each worker reads the next one (4 bytes: Linux serialises readers, and every record
is whole) and writes the chunk's pickled outcomes to its own pipe. A worker that dies before handing back its work
is a one-line WorkerError, not a hang or a partial success.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import struct
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from toolkit.core.errors import ToolkitError

RunChunk = Callable[[Any, Sequence[Any], list], None]  # (per-item function, the chunk's items, outcomes to append to)


class WorkerError(ToolkitError):
    """A worker process ended before it handed back all its work (killed, out of memory): one line, exit 2."""


def _chunks(count: int, jobs: int) -> list[range]:
    """Index ranges handed out one at a time: small enough that the workers finish together (the last one
    waits at most one chunk), large enough that a chunk's two pipe operations cost little next to its work."""
    size = max(1, min(32, count // (jobs * 16)), -(-count // _MAX_CHUNKS))
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


# all chunk numbers (4 bytes each) are written before the workers start, so they must fit in a pipe's buffer: 4 KiB,
# one page, is what a pipe holds at its smallest (64 KiB by default, one page once pipe-user-pages-soft is used up)
_MAX_CHUNKS = 1024
_TASK = struct.Struct("=I")  # a chunk number on the task pipe
_FRAME = struct.Struct("=IQ")  # a result frame: chunk number, length of the pickled outcomes that follow


def run_forked(items, setup, jobs: int, emit, step, run_chunk: RunChunk) -> None:
    """Fork `jobs` workers that share the parent's memory (items, keys, resolver: nothing is pickled on the way
    in). Chunk numbers wait in one pipe; each worker reads the next one (4 bytes: Linux serialises readers, and
    every record is whole) and writes the chunk's pickled outcomes to its own pipe. The parent emits them in
    input order. Before: concurrent.futures with items pickled to the workers, whose imports alone took 20 to
    80 ms and whose parent was a third process competing for the cores (bench/README.md)."""
    chunks = _chunks(len(items), jobs)
    task_read, task_write = os.pipe()
    _write_all(task_write, b"".join(_TASK.pack(n) for n in range(len(chunks))))
    os.close(task_write)  # read to the end, the pipe says: no more work
    for stream in (sys.stdout, sys.stderr):  # a child must not write out what the parent had buffered
        if stream is not None:
            stream.flush()
    workers: dict[int, int] = {}  # result pipe -> pid
    try:
        for _ in range(jobs):
            result_read, result_write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: never returns into the parent's code
                try:
                    os.close(result_read)
                    for other in workers:
                        os.close(other)
                    _worker(items, setup, run_chunk, chunks, task_read, result_write)
                finally:
                    os._exit(1)
            os.close(result_write)
            workers[result_read] = pid
        _collect(items, chunks, workers, emit, step)
    finally:
        _stop(task_read, workers)


def _worker(items, setup, run_chunk: RunChunk, chunks, task_read: int, result_write: int) -> NoReturn:
    status = 0
    try:
        try:
            process, failure = setup(), None
        except Exception as exc:  # reported in place of the first chunk this worker takes
            process, failure = None, _failed(exc)
        while record := os.read(task_read, _TASK.size):
            number = _TASK.unpack(record)[0]
            outcomes: list = [failure] if failure else []
            try:
                if process is not None:
                    run_chunk(process, [items[index] for index in chunks[number]], outcomes)
            except Exception as exc:  # handed to the parent, raised there in its place in the input order
                outcomes.append(_failed(exc))
            _write_all(result_write, _frame(number, outcomes))
            if failure:
                break
    except BrokenPipeError:  # the parent stopped reading (an error or Ctrl-C there): stop quietly
        pass
    except BaseException:  # Ctrl-C reaches the workers too; anything else is the parent's to report
        status = 1
    os._exit(status)  # no exit handlers, no flush of buffers copied from the parent


def _failed(exc: Exception) -> _Failure:
    import traceback

    return _Failure(exc, traceback.format_exc())


def _frame(number: int, outcomes: list) -> bytes:
    import pickle

    try:
        payload = pickle.dumps(outcomes, pickle.HIGHEST_PROTOCOL)
    except Exception:  # an exception that does not pickle: its text still does
        failure = outcomes[-1]
        if not isinstance(failure, _Failure):
            raise
        outcomes[-1] = _Failure(RuntimeError(f"{type(failure.error).__name__}: {failure.error}"), failure.trace)
        payload = pickle.dumps(outcomes, pickle.HIGHEST_PROTOCOL)
    return _FRAME.pack(number, len(payload)) + payload


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@dataclass(frozen=True, slots=True)
class _Failure:
    error: BaseException
    trace: str


class _WorkerTraceback(Exception):
    """Where a worker's exception came from (shown under it, as concurrent.futures did)."""


def _collect(items, chunks, workers: dict[int, int], emit, step) -> None:
    """Read the workers' frames as they come and emit the outcomes in input order."""
    done: dict[int, list] = {}
    buffers = {fd: bytearray() for fd in workers}
    following = 0  # the next chunk to emit
    with selectors.DefaultSelector() as selector:
        for fd in workers:
            selector.register(fd, selectors.EVENT_READ)
        while following < len(chunks):
            if not selector.get_map():
                raise WorkerError(_lost(workers))
            for key, _ in selector.select():
                data = os.read(key.fd, 1 << 20)
                if not data:
                    selector.unregister(key.fd)
                    continue
                buffer = buffers[key.fd]
                buffer += data
                _take_frames(buffer, done)
            while following in done:
                indices = chunks[following]
                # a failure ends the list: in place of its item, or after the last one when the chunk's flush failed
                for position, outcome in enumerate(done.pop(following)):
                    if isinstance(outcome, _Failure):
                        raise outcome.error from _WorkerTraceback(outcome.trace)
                    emit(items[indices[position]], outcome)
                    step()
                following += 1


def _take_frames(buffer: bytearray, done: dict[int, list]) -> None:
    import pickle

    while len(buffer) >= _FRAME.size:
        number, length = _FRAME.unpack_from(buffer)
        end = _FRAME.size + length
        if len(buffer) < end:
            return
        done[number] = pickle.loads(buffer[_FRAME.size : end])
        del buffer[:end]


def _lost(workers: dict[int, int]) -> str:
    """Why the work is incomplete: a worker that ended early, with its exit status or signal."""
    for pid in workers.values():
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            continue
        if os.WIFSIGNALED(status):
            return f"a worker process was killed by signal {os.WTERMSIG(status)} before finishing its messages"
        if os.WEXITSTATUS(status):
            return f"a worker process failed (exit status {os.WEXITSTATUS(status)}) before finishing its messages"
    return "a worker process ended before finishing its messages"


def _stop(task_read: int, workers: dict[int, int]) -> None:
    """Empty the task pipe (the workers stop after their chunk), close the result pipes and reap the workers."""
    os.set_blocking(task_read, False)
    try:
        while os.read(task_read, 1 << 16):
            pass
    except BlockingIOError:
        pass
    os.close(task_read)
    for fd, pid in workers.items():
        os.close(fd)
        with contextlib.suppress(ChildProcessError):  # already reaped by _lost
            os.waitpid(pid, 0)

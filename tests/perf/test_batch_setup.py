"""Batch plumbing changed for speed: the parent's resolver is reused, never pickled; Maildir order is by name."""

from __future__ import annotations

import pickle
from pathlib import Path

from toolkit.core.verify import SmtpContext, VerifyOptions
from toolkit.resolvers import CachingResolver, MemoryResolver
from toolkit.shells import batch
from toolkit.shells.cmd_verify import _Setup


def make_setup(resolver) -> _Setup:
    return _Setup(
        dns={"zones": None, "nameserver": None, "dns_timeout": 1.0},
        options=VerifyOptions(checks=("dkim",)),
        context=SmtpContext(),
        trust_received=None,
        now=1_700_000_000,
        output="header",
        resolver=resolver,
    )


def test_setup_reuses_its_resolver_in_process() -> None:
    resolver = CachingResolver(MemoryResolver({}))
    setup = make_setup(resolver)
    process = setup()
    assert setup.resolver is resolver
    code, data, _warning = process(batch.Item("m", b"From: a@example.com\r\n\r\nhi\r\n"))
    assert data.startswith(b"Authentication-Results: ") and b"dkim=none" in data
    assert code == 0


def test_setup_pickles_without_its_resolver() -> None:
    setup = make_setup(CachingResolver(MemoryResolver({})))  # holds a lock: not picklable itself
    copy = pickle.loads(pickle.dumps(setup))
    assert copy.resolver is None and setup.resolver is not None
    assert copy.options == setup.options and copy.now == setup.now


def test_maildir_files_in_name_order(tmp_path: Path) -> None:
    for sub in ("cur", "new"):
        (tmp_path / sub).mkdir()
    for name in ("b", "a10", "a2", ".hidden", "A"):
        (tmp_path / "cur" / name).write_bytes(b"x")
    (tmp_path / "cur" / "dir").mkdir()
    (tmp_path / "new" / "0").write_bytes(b"x")
    files = batch.maildir_files(tmp_path)
    assert [f"{p.parent.name}/{p.name}" for p in files] == ["cur/A", "cur/a10", "cur/a2", "cur/b", "new/0"]


def _echo_setup():
    return _echo


def _echo(item: batch.Item) -> tuple[int, bytes, str]:
    return 0, item.data, ""


def test_maildir_items_are_read_as_the_work_is_handed_out(tmp_path: Path) -> None:
    for sub in ("cur", "new"):
        (tmp_path / sub).mkdir()
    for index in range(40):
        (tmp_path / "cur" / f"{index:03d}").write_bytes(b"message %d" % index)
    items = batch.expand_inputs([str(tmp_path)])
    assert all(item.data == b"" and item.path for item in items)
    for jobs in (1, 2):
        seen: list[tuple[str, bytes]] = []
        batch.run_items(items, _echo_setup, jobs, lambda item, out, seen=seen: seen.append((item.label, out[1])), False)
        assert seen == [(str(tmp_path / "cur" / f"{i:03d}"), b"message %d" % i) for i in range(40)]


def _echo_error(item: batch.Item) -> tuple[int, bytes, str]:
    return (2 if item.error else 0), item.data, item.error


def _echo_error_setup():
    return _echo_error


def test_a_file_gone_before_reading_is_reported_in_its_place(tmp_path: Path) -> None:
    """Issue 13 §6: a Maildir file that vanished between listing and reading is an error item in its place; the
    other 39 are still processed, in order, in-process and over workers."""
    for sub in ("cur", "new"):
        (tmp_path / sub).mkdir()
    for index in range(40):
        (tmp_path / "cur" / f"{index:03d}").write_bytes(b"m%d" % index)
    items = batch.expand_inputs([str(tmp_path)])
    (tmp_path / "cur" / "030").unlink()  # gone between listing and reading
    for jobs in (1, 2):
        emitted: list = []
        batch.run_items(items, _echo_error_setup, jobs, lambda item, out, emitted=emitted: emitted.append(out), False)
        assert [code for code, _data, _error in emitted] == [0] * 30 + [2] + [0] * 9
        assert emitted[29][1] == b"m29" and emitted[31][1] == b"m31"
        assert emitted[30][1] == b"" and emitted[30][2].startswith(f"cannot read {tmp_path / 'cur' / '030'}:")


def test_files_are_read_in_bounded_groups_before_their_messages_are_handed_on(tmp_path: Path, monkeypatch) -> None:
    """Issue 14: read_in_groups reads up to READ_AHEAD_FILES files or READ_AHEAD_BYTES in a row, then hands the
    group on in order; memory stays bounded by the group."""
    reads: list[str] = []
    real_read = batch._read_file

    def counting_read(path: str, *args) -> bytes:
        reads.append(path)
        return real_read(path, *args)

    monkeypatch.setattr(batch, "_read_file", counting_read)
    small = [tmp_path / f"s{i:03d}" for i in range(40)]
    for path in small:
        path.write_bytes(b"x" * 100)
    big = [tmp_path / f"b{i}" for i in range(3)]
    for path in big:
        path.write_bytes(b"y" * (batch.READ_AHEAD_BYTES // 2 + 1))
    items = [batch.Item(str(p), b"", path=str(p)) for p in [*small, *big]]
    handed, read_when_handed = [], []
    for item in batch.read_in_groups(items):
        handed.append(item.label)
        read_when_handed.append(len(reads))  # how many files had been read when this one was handed on
    assert handed == [str(p) for p in [*small, *big]]
    assert read_when_handed[0] == batch.READ_AHEAD_FILES  # the first group: 32 small files
    assert read_when_handed[batch.READ_AHEAD_FILES] == 40 + 2  # 8 small + 2 big files pass 1 MiB
    assert read_when_handed[-1] == 43

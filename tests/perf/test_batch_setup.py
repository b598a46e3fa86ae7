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


def test_a_read_error_stops_the_batch_with_one_line(tmp_path: Path) -> None:
    """In-process, every file is read before any output; over workers the files are read by the workers (the
    parent only hands out names, issue 14), so what came before the unreadable file may be out already, in order."""
    import pytest

    from toolkit.core.errors import UsageError

    for sub in ("cur", "new"):
        (tmp_path / sub).mkdir()
    for index in range(40):
        (tmp_path / "cur" / f"{index:03d}").write_bytes(b"x")
    items = batch.expand_inputs([str(tmp_path)])
    (tmp_path / "cur" / "030").unlink()  # gone between listing and reading
    for jobs in (1, 2):
        emitted: list = []
        with pytest.raises(UsageError, match="cannot read"):
            batch.run_items(items, _echo_setup, jobs, lambda item, out, emitted=emitted: emitted.append(item), False)
        assert emitted == items[: len(emitted)] and len(emitted) <= 30
        if jobs == 1:
            assert emitted == []

"""The report store on SQLite and on a real PostgreSQL server: migrations, idempotent ingest, one-line refusals
(locked, read-only, newer schema). Every test here runs once per database (the store_url fixture)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from toolkit.core.dmarc.report_model import (
    DkimAuth,
    FailureReport,
    PolicyPublished,
    Reason,
    Record,
    ReportEnd,
    ReportHead,
    SpfAuth,
)
from toolkit.shells.store import SCHEMA_VERSION, StoreError, open_store
from toolkit.shells.store.migrate import current_version
from toolkit.shells.store.reports import add_aggregate, add_failure, report_count, stored_rows

HEAD = ReportHead(
    format="rfc9990",
    version="1.0",
    org_name="receiver.example.org",
    email="dmarc-reports@receiver.example.org",
    extra_contact_info=None,
    report_id="r-1",
    begin=1772409600,
    end=1772495999,
    errors=(),
    generator="test",
    policy=PolicyPublished(domain="example.com", p="none", np="reject", testing="n", discovery_method="treewalk"),
)
RECORDS = (
    Record(
        "192.0.2.10", 12, "none", "pass", "pass", "example.com", "example.com", "example.net",
        dkim_auth=(DkimAuth("example.com", "s1", "pass"),), spf_auth=(SpfAuth("example.com", "mfrom", "pass"),),
    ),
    Record(
        "198.51.100.7", 3, "none", "fail", "fail", "example.com",
        reasons=(Reason("local_policy", "p=none"),), spf_auth=(SpfAuth("forged.example.net", "mfrom", "fail"),),
    ),
)  # fmt: skip


def stream(head: ReportHead = HEAD, records=RECORDS) -> Iterator:
    yield head
    yield from records
    yield ReportEnd(len(records), sum(r.count for r in records), (), ("upper-case 'Pass' read as 'pass'",))


def test_new_store_is_migrated_to_the_latest_version(store_url):
    with open_store(store_url) as store:
        assert current_version(store) == SCHEMA_VERSION >= 1
    with open_store(store_url) as store:  # a second open changes nothing
        assert current_version(store) == SCHEMA_VERSION


def test_ingest_is_idempotent_and_reads_back(store_url):
    with open_store(store_url) as store:
        assert add_aggregate(store, stream(), "a.xml")[0] is True
        assert add_aggregate(store, stream(), "b.xml")[0] is False  # same org_name + report_id + domain
        other = _replace(HEAD, report_id="r-2")
        assert add_aggregate(store, stream(other), "c.xml")[0] is True
        assert report_count(store) == (2, 0)
        rows = list(stored_rows(store, domain="example.com"))
    assert [r.record for r in rows] == list(RECORDS) * 2
    assert {r.org_name for r in rows} == {"receiver.example.org"}


def _replace(head: ReportHead, **changes) -> ReportHead:
    import dataclasses

    return dataclasses.replace(head, **changes)


def test_failed_ingest_leaves_nothing(store_url):
    def broken() -> Iterator:
        yield HEAD
        yield RECORDS[0]
        raise ValueError("truncated")

    with open_store(store_url) as store:
        with pytest.raises(ValueError):
            add_aggregate(store, broken(), "broken.xml")
        assert report_count(store) == (0, 0)
        assert add_aggregate(store, stream(), "good.xml")[0] is True  # not a duplicate of the rolled-back one


def test_failure_reports_are_idempotent(store_url):
    report = FailureReport(
        feedback_type="auth-failure", version="1", user_agent="test/1", arrival_date="Tue, 1 Dec 2026 10:00:00 +0000",
        arrival=1796119200, source_ip="192.0.2.66", reported_domain="example.com", auth_failure=("dmarc",),
        authentication_results=("mx.example.org; dmarc=fail header.from=example.com",), original_mail_from=None,
        original_rcpt_to=(), dkim_domain=None, dkim_selector=None, identity_alignment="none", delivery_result=None,
        original_headers="From: x@example.com\r\n",
    )  # fmt: skip
    with open_store(store_url) as store:
        assert add_failure(store, report, "f.eml") is True
        assert add_failure(store, report, "f2.eml") is False
        assert report_count(store) == (0, 1)


def test_newer_schema_is_refused(store_url):
    with open_store(store_url) as store:
        store.execute("INSERT INTO emlauth_schema (version, description) VALUES (?, 'from the future')", (99,))
    for write in (True, False):
        with pytest.raises(StoreError, match=r"schema version 99, newer than this emlauth knows"):
            open_store(store_url, write=write)


def test_reading_an_empty_store_is_a_clear_error(store_url, tmp_path):
    url = f"sqlite:///{tmp_path / 'missing.db'}" if store_url.startswith("sqlite") else store_url
    with pytest.raises(StoreError, match=r"no report store|holds no emlauth reports"):
        open_store(url, write=False)
    assert not (tmp_path / "missing.db").exists()  # reading never creates


def test_locked_store_is_refused(store_url, postgres_or_none):
    with open_store(store_url) as store:
        add_aggregate(store, stream(), "a.xml")
    if store_url.startswith("sqlite"):
        holder = sqlite3.connect(store_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
    else:
        import psycopg

        holder = psycopg.connect(store_url)
        holder.execute("LOCK TABLE aggregate_report IN ACCESS EXCLUSIVE MODE")
    try:
        locked = r"is locked by another process \(waited 0.2 s\)"
        with pytest.raises(StoreError, match=locked), open_store(store_url, timeout=0.2) as store:
            add_aggregate(store, stream(_replace(HEAD, report_id="r-9")), "b.xml")
    finally:
        holder.execute("ROLLBACK") if isinstance(holder, sqlite3.Connection) else holder.rollback()
        holder.close()


def test_read_only_store_is_refused(store_url, postgres_or_none):
    with open_store(store_url) as store:
        pass
    if store_url.startswith("sqlite"):
        url = store_url + "?mode=ro"
    else:
        name = store_url.rsplit("/", 1)[1]
        postgres_or_none.psql("postgres", f"ALTER DATABASE {name} SET default_transaction_read_only = on")
        url = store_url
    with pytest.raises(StoreError, match=r"is read-only; cannot write reports to it"), open_store(url) as store:
        add_aggregate(store, stream(), "a.xml")
    with open_store(url, write=False) as store:  # reading still works
        assert report_count(store) == (0, 0)


def test_unsupported_url_is_a_one_line_error():
    with pytest.raises(StoreError, match="unsupported database URL 'mysql://u:\\*\\*\\*@db.example.net/x'"):
        open_store("mysql://u:secret@db.example.net/x")

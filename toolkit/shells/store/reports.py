"""Write received reports into the store, and read the rows back for summaries.

Ingest is idempotent: aggregate reports are unique by (org_name, report_id, domain), failure reports by a digest
of their content; `INSERT ... ON CONFLICT DO NOTHING RETURNING id` decides, so two hosts ingesting the same
report at once still store it once. A report is written in one transaction: one that fails halfway leaves nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from toolkit.core.dmarc.report_model import (
    DkimAuth,
    FailureReport,
    Reason,
    Record,
    ReportEnd,
    ReportHead,
    SpfAuth,
)
from toolkit.shells.store.db import Store

BATCH = 2000  # rows per executemany: big enough to be fast, small enough to stream a 100 MB report


_ENCODE = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False
).encode  # json.dumps(**options) builds one per call


def _json(value: object) -> str:
    if not value:  # most rows have no reasons: skip the encoder
        return "[]" if isinstance(value, list) else _ENCODE(value)
    return _ENCODE(value)


def _record_row(report_id: int, r: Record) -> tuple:
    return (
        report_id,
        r.source_ip,
        r.count,
        r.disposition,
        r.dkim,
        r.spf,
        r.header_from,
        r.envelope_from,
        r.envelope_to,
        _json([[x.type, x.comment] for x in r.reasons]),
        _json([[a.domain, a.selector, a.result] for a in r.dkim_auth]),
        _json([[a.domain, a.scope, a.result] for a in r.spf_auth]),
    )


def add_aggregate(
    store: Store, items: Iterator[ReportHead | Record | ReportEnd], source: str
) -> tuple[bool, ReportHead]:
    """Store one aggregate report streamed as head, records..., end. Returns (new?, head)."""
    head = next(items)
    assert isinstance(head, ReportHead)
    p = head.policy
    with store.transaction():
        inserted = store.query(
            """INSERT INTO aggregate_report (org_name, report_id, domain, email, extra_contact_info, begin_ts, end_ts,
                   format, version, generator, errors, p, sp, np, pct, adkim, aspf, fo, testing, discovery_method,
                   messages, record_count, extensions, warnings, source)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, '[]', '[]', ?)
               ON CONFLICT (org_name, report_id, domain) DO NOTHING RETURNING id""",
            (
                head.org_name,
                head.report_id,
                head.domain,
                head.email,
                head.extra_contact_info,
                head.begin,
                head.end,
                head.format,
                head.version,
                head.generator,
                _json(list(head.errors)),
                p.p,
                p.sp,
                p.np,
                p.pct,
                p.adkim,
                p.aspf,
                p.fo,
                p.testing,
                p.discovery_method,
                source,
            ),
        )
        if not inserted:
            for _ in items:  # still read it through, so a broken duplicate is reported as broken
                pass
            return False, head
        report_id = inserted[0][0]
        batch: list[tuple] = []
        end = None
        for item in items:
            if isinstance(item, Record):
                batch.append(_record_row(report_id, item))
                if len(batch) >= BATCH:
                    _insert_records(store, batch)
                    batch = []
            else:
                end = item
        _insert_records(store, batch)
        assert isinstance(end, ReportEnd)
        store.execute(
            "UPDATE aggregate_report SET messages = ?, record_count = ?, extensions = ?, warnings = ? WHERE id = ?",
            (end.messages, end.records, _json(list(end.extensions)), _json(list(end.warnings)), report_id),
        )
    return True, head


def _insert_records(store: Store, rows: list[tuple]) -> None:
    if rows:
        store.executemany(
            """INSERT INTO aggregate_record (report, source_ip, count, disposition, dkim, spf, header_from,
                   envelope_from, envelope_to, reasons, dkim_auth, spf_auth)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            rows,
        )


def add_failure(store: Store, report: FailureReport, source: str) -> bool:
    """Store one failure report; False when the same report was stored before."""
    digest = hashlib.sha256(
        _json([report.arrival_date, report.source_ip, report.reported_domain, report.original_headers]).encode()
    ).hexdigest()
    with store.transaction():
        inserted = store.query(
            """INSERT INTO failure_report (digest, feedback_type, arrival_ts, arrival_date, source_ip, reported_domain,
                   auth_failure, original_mail_from, original_rcpt_to, dkim_domain, dkim_selector, identity_alignment,
                   delivery_result, authentication_results, original_headers, warnings, source)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (digest) DO NOTHING RETURNING id""",
            (
                digest,
                report.feedback_type,
                report.arrival,
                report.arrival_date,
                report.source_ip,
                report.reported_domain,
                _json(list(report.auth_failure)),
                report.original_mail_from,
                _json(list(report.original_rcpt_to)),
                report.dkim_domain,
                report.dkim_selector,
                report.identity_alignment,
                report.delivery_result,
                _json(list(report.authentication_results)),
                report.original_headers,
                _json(list(report.warnings)),
                source,
            ),
        )
    return bool(inserted)


@dataclass(frozen=True)
class StoredRow:
    """A record joined with its report's domain, period and reporter: what summaries are made of."""

    domain: str
    org_name: str
    begin: int
    end: int
    p: str | None
    record: Record


def stored_rows(store: Store, domain: str | None = None, since: int | None = None) -> Iterable[StoredRow]:
    sql = """SELECT r.domain, r.org_name, r.begin_ts, r.end_ts, r.p, c.source_ip, c.count, c.disposition, c.dkim,
                    c.spf, c.header_from, c.envelope_from, c.envelope_to, c.reasons, c.dkim_auth, c.spf_auth
             FROM aggregate_record c JOIN aggregate_report r ON c.report = r.id WHERE 1 = 1"""
    params: list[object] = []
    if domain:
        sql += " AND r.domain = ?"
        params.append(domain.lower())
    if since is not None:
        sql += " AND r.end_ts >= ?"
        params.append(since)
    sql += " ORDER BY r.domain, r.begin_ts, c.id"
    for row in store.query(sql, params):
        record = Record(
            source_ip=row[5],
            count=row[6],
            disposition=row[7],
            dkim=row[8],
            spf=row[9],
            header_from=row[10],
            envelope_from=row[11],
            envelope_to=row[12],
            reasons=tuple(Reason(t, c) for t, c in json.loads(row[13])),
            dkim_auth=tuple(DkimAuth(d, s, r) for d, s, r in json.loads(row[14])),
            spf_auth=tuple(SpfAuth(d, s, r) for d, s, r in json.loads(row[15])),
        )
        yield StoredRow(row[0], row[1], row[2], row[3], row[4], record)


def report_counts(store: Store, domain: str | None = None, since: int | None = None) -> dict[str, int]:
    """Aggregate reports stored per domain (with the same filters as stored_rows)."""
    sql, params = "SELECT domain, COUNT(*) FROM aggregate_report WHERE 1 = 1", []
    if domain:
        sql += " AND domain = ?"
        params.append(domain.lower())
    if since is not None:
        sql += " AND end_ts >= ?"
        params.append(since)
    return dict(store.query(sql + " GROUP BY domain", params))


def report_count(store: Store) -> tuple[int, int]:
    """(aggregate reports, failure reports) stored."""
    return (
        store.query("SELECT COUNT(*) FROM aggregate_report")[0][0],
        store.query("SELECT COUNT(*) FROM failure_report")[0][0],
    )

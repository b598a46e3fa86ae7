"""Version 1: the reports a domain owner receives (emlauth report ingest).

An aggregate report is unique by (org_name, report_id, domain): ingesting it twice stores it once. Its rows go
to aggregate_record; the lists inside a row (reasons, DKIM and SPF auth results) are JSON text, read back whole.
A failure report is unique by a digest of its content.
"""

from __future__ import annotations

from toolkit.shells.store.db import Dialect

VERSION = 1
DESCRIPTION = "aggregate and failure reports"


def statements(d: Dialect) -> list[str]:
    return [
        f"""CREATE TABLE aggregate_report (
            id {d.serial},
            org_name TEXT NOT NULL,
            report_id TEXT NOT NULL,
            domain TEXT NOT NULL,
            email TEXT,
            extra_contact_info TEXT,
            begin_ts BIGINT NOT NULL,
            end_ts BIGINT NOT NULL,
            format TEXT NOT NULL,
            version TEXT,
            generator TEXT,
            errors TEXT NOT NULL,
            p TEXT, sp TEXT, np TEXT, pct INTEGER, adkim TEXT, aspf TEXT, fo TEXT, testing TEXT,
            discovery_method TEXT,
            messages BIGINT NOT NULL,
            record_count INTEGER NOT NULL,
            extensions TEXT NOT NULL,
            warnings TEXT NOT NULL,
            source TEXT NOT NULL,
            UNIQUE (org_name, report_id, domain)
        )""",
        "CREATE INDEX aggregate_report_domain_begin ON aggregate_report (domain, begin_ts)",
        f"""CREATE TABLE aggregate_record (
            id {d.serial},
            report BIGINT NOT NULL REFERENCES aggregate_report (id) ON DELETE CASCADE,
            source_ip TEXT NOT NULL,
            count BIGINT NOT NULL,
            disposition TEXT,
            dkim TEXT,
            spf TEXT,
            header_from TEXT,
            envelope_from TEXT,
            envelope_to TEXT,
            reasons TEXT NOT NULL,
            dkim_auth TEXT NOT NULL,
            spf_auth TEXT NOT NULL
        )""",
        "CREATE INDEX aggregate_record_report ON aggregate_record (report)",
        f"""CREATE TABLE failure_report (
            id {d.serial},
            digest TEXT NOT NULL UNIQUE,
            feedback_type TEXT NOT NULL,
            arrival_ts BIGINT,
            arrival_date TEXT,
            source_ip TEXT,
            reported_domain TEXT,
            auth_failure TEXT NOT NULL,
            original_mail_from TEXT,
            original_rcpt_to TEXT NOT NULL,
            dkim_domain TEXT,
            dkim_selector TEXT,
            identity_alignment TEXT,
            delivery_result TEXT,
            authentication_results TEXT NOT NULL,
            original_headers TEXT NOT NULL,
            warnings TEXT NOT NULL,
            source TEXT NOT NULL
        )""",
        "CREATE INDEX failure_report_domain ON failure_report (reported_domain, arrival_ts)",
    ]

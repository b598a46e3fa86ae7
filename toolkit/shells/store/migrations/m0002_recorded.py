"""Version 2: the messages a receiver verified (verify-eml / milter / pipeline --record), for `report generate`.

One row per message, written once: message_key (a digest of the message and its envelope) is UNIQUE and every
insert is `ON CONFLICT DO NOTHING`, so a message recorded twice (a retry after a tempfail, verify-eml run again
over the same Maildir, two recorders racing) counts once. The columns are toolkit.core.dmarc.report_xml_record's
MessageRecord; the lists in a message (DKIM results, reasons) are compact JSON text, so `report generate` can
GROUP BY them as plain values; group_key, a digest of every column a report row is made of, lets the database
group a million rows on one narrow column instead of twelve wide ones.
"""

from __future__ import annotations

from toolkit.shells.store.db import Dialect

VERSION = 2
DESCRIPTION = "recorded messages (receiver side)"


def statements(d: Dialect) -> list[str]:
    return [
        f"""CREATE TABLE recorded_message (
            id {d.serial},
            message_key TEXT NOT NULL UNIQUE,
            received_at BIGINT NOT NULL,
            source_ip TEXT NOT NULL,
            header_from TEXT NOT NULL,
            envelope_from TEXT,
            envelope_to TEXT,
            policy_domain TEXT,
            dmarc_result TEXT NOT NULL,
            disposition TEXT NOT NULL,
            dkim_aligned TEXT NOT NULL,
            spf_aligned TEXT NOT NULL,
            reasons TEXT NOT NULL,
            dkim_auth TEXT NOT NULL,
            spf_domain TEXT, spf_scope TEXT, spf_result TEXT,
            p TEXT, sp TEXT, np TEXT, adkim TEXT, aspf TEXT, fo TEXT, testing TEXT, pct INTEGER,
            discovery_method TEXT,
            rua TEXT,
            group_key TEXT NOT NULL
        )""",
        "CREATE INDEX recorded_message_time ON recorded_message (received_at)",
    ]

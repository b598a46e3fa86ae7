"""Recording verified messages for DMARC aggregate reports (`--record URL` on verify-eml, milter and pipeline).

The row comes from the Report the verifier already computed (toolkit.core.dmarc.report_xml_record); nothing is
verified twice. Writes are `INSERT ... ON CONFLICT (message_key) DO NOTHING` in short transactions, so several
processes (two milter instances, verify-eml over an archive) can share one store, SQLite on one host or
PostgreSQL for a fleet, and a message is counted once however often it is recorded.

Recording never costs a message: if the store cannot be written, the milter and pipeline log one line and let
the mail through; verify-eml says so and exits 2.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from toolkit.core.dmarc.report_xml_record import COLUMNS, MessageRecord, record_from_report
from toolkit.shells.hooks import STAGES, Action, Envelope, Handler, Session, call_hook, run_blocking
from toolkit.shells.store import Store, StoreError, open_store

log = logging.getLogger("emlauth.record")

_INSERT = (
    f"INSERT INTO recorded_message ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
    "ON CONFLICT (message_key) DO NOTHING"
)


class Recorder:
    """One store connection, safe to share between threads (a lock serialises its use)."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout
        self._lock = threading.Lock()
        self._store: Store | None = open_store(url, timeout=timeout)  # creates or migrates: errors show at start

    @property
    def label(self) -> str:
        return self._store.label if self._store is not None else self.url

    def add(self, records: Iterable[MessageRecord]) -> int:
        """Store the records in one transaction; returns how many were new (duplicates are skipped)."""
        rows = [r.values() for r in records]
        if not rows:
            return 0
        with self._lock:
            store = self._connection()
            try:
                with store.transaction():
                    # one statement per row: rowcount says whether it was new (0 = already recorded)
                    return sum(max(store.execute(_INSERT, row).rowcount, 0) for row in rows)
            except StoreError:
                self._drop()  # a broken connection is reopened on the next write
                raise

    def record_report(self, report: Any, received_at: int, recipients: Sequence[str] = ()) -> int:
        return self.add([record_from_report(report, received_at, recipients)])

    def _connection(self) -> Store:
        if self._store is None:
            self._store = open_store(self.url, timeout=self.timeout)
        return self._store

    def _drop(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def close(self) -> None:
        with self._lock:
            self._drop()


class RecordHandler(Handler):
    """Wraps the VerifyHandler: runs it, then records the Report it left on the envelope.

    A wrapper rather than a link in a ChainHandler because the chain stops at a reject, and rejected mail must be
    counted too (RFC 9990 §2.1: counts are of all messages received, even if delivery is blocked).
    """

    def __init__(self, verify: Handler, recorder: Recorder, *, clock: Callable[[], float] | None = None) -> None:
        self.inner = verify
        self.recorder = recorder
        self.clock = clock or time.time
        self.wants = frozenset(verify.wants | {"rcpt"})  # the first recipient's domain is envelope_to
        for stage in STAGES:
            if stage != "end_of_message" and verify.implements(stage):
                setattr(self, stage, getattr(verify, stage))

    async def end_of_message(self, session: Session, envelope: Envelope) -> tuple[Action, ...]:
        actions = await call_hook(self.inner, "end_of_message", session, envelope)
        report = getattr(envelope, "report", None)
        if report is not None and not report.context.ip:
            log.warning("not recorded for DMARC reports: the client IP is unknown")
        elif report is not None:
            try:
                await run_blocking(self.recorder.record_report, report, int(self.clock()), list(envelope.rcpts))
            except StoreError as exc:
                log.warning("not recorded for DMARC reports: %s", exc)
        return actions

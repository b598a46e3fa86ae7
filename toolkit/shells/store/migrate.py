"""Versioned schema migrations, the same for SQLite and PostgreSQL.

Each migration is one module in migrations/ named mNNNN_what.py, with VERSION (= NNNN), DESCRIPTION and
statements(dialect) -> list of SQL. Adding one is adding a file; versions must run 1, 2, 3 ... without gaps.
The table emlauth_schema has one row per applied version. Migrations run in one transaction (DDL is
transactional in both databases); on PostgreSQL an advisory lock keeps two hosts from migrating at once.
A store at a version newer than the newest file here was written by a newer emlauth: refused, never touched.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache
from types import ModuleType

from toolkit.shells.store import migrations as _package
from toolkit.shells.store.db import POSTGRESQL, Store, StoreError

_ADVISORY_LOCK = 0x656D6C61  # "emla": any constant shared by every emlauth process


@cache
def all_migrations() -> tuple[ModuleType, ...]:
    found = []
    for info in pkgutil.iter_modules(_package.__path__):
        if re.fullmatch(r"m\d{4}_\w+", info.name):
            found.append(importlib.import_module(f"{_package.__name__}.{info.name}"))
    found.sort(key=lambda m: m.VERSION)
    versions = [m.VERSION for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"store migrations must be numbered 1..N without gaps, found {versions}")
    return tuple(found)


def latest_version() -> int:
    return len(all_migrations())


def current_version(store: Store) -> int | None:
    """The store's schema version, or None when it has no emlauth tables yet."""
    if store.dialect is POSTGRESQL:
        exists = store.query("SELECT to_regclass('emlauth_schema') IS NOT NULL")[0][0]
    else:
        exists = bool(store.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'emlauth_schema'"))
    if not exists:
        return None
    return store.query("SELECT MAX(version) FROM emlauth_schema")[0][0] or 0


def _refuse_newer(store: Store, version: int) -> None:
    if version > latest_version():
        raise StoreError(
            f"{store.label} is at schema version {version}, newer than this emlauth knows "
            f"({latest_version()}); upgrade emlauth to use it"
        )


def check_version(store: Store, need: int) -> int:
    """For readers: the store exists, is at least at version `need` and not newer than we know."""
    version = current_version(store)
    if version is None:
        raise StoreError(f"{store.label} holds no emlauth reports (run `emlauth report ingest` first)")
    _refuse_newer(store, version)
    if version < need:
        raise StoreError(f"{store.label} is at schema version {version}; a writing command upgrades it to {need}")
    return version


def migrate(store: Store) -> int:
    """Bring the store to the latest version; returns the version it was at before (0 for a new store)."""
    before = current_version(store)
    if before is not None:
        _refuse_newer(store, before)
        if before == latest_version():
            return before
    with store.transaction():
        if store.dialect is POSTGRESQL:
            store.execute("SELECT pg_advisory_xact_lock(?)", (_ADVISORY_LOCK,))
        store.execute(
            "CREATE TABLE IF NOT EXISTS emlauth_schema (version INTEGER PRIMARY KEY, description TEXT NOT NULL)"
        )
        now = store.query("SELECT MAX(version) FROM emlauth_schema")[0][0] or 0  # another host may have won
        _refuse_newer(store, now)
        for migration in all_migrations()[now:]:
            for statement in migration.statements(store.dialect):
                store.execute(statement)
            store.execute(
                "INSERT INTO emlauth_schema (version, description) VALUES (?, ?)",
                (migration.VERSION, migration.DESCRIPTION),
            )
    return before or 0

"""Store fixtures: every storage test runs on SQLite and on a real PostgreSQL 15 server (tests/support/postgres.py)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.postgres import PostgresServer, start_postgres

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    try:
        server = start_postgres().start()
    except RuntimeError as exc:
        pytest.fail(f"cannot start PostgreSQL (CI installs `postgresql`): {exc}", pytrace=False)
    yield server
    server.cleanup()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty store: a SQLite file, or a fresh database on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'reports.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = f"t{next(_names)}"
    yield server.url(name)
    server.drop_database(name)


@pytest.fixture
def postgres_or_none(request: pytest.FixtureRequest, store_url: str) -> PostgresServer | None:
    """The PostgreSQL server behind store_url, or None for SQLite."""
    return request.getfixturevalue("postgres") if store_url.startswith("postgresql") else None

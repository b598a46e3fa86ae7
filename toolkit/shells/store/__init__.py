"""The DMARC report store: SQLite by default (nothing to run), PostgreSQL for several hosts (MX fleet, shared
reporting), one schema and one set of versioned migrations for both.

    store = open_store("reports.db")                 # plain path = SQLite
    store = open_store("sqlite:///var/lib/emlauth/reports.db")
    store = open_store("postgresql://user@db.example.net/dmarc")

Plain DB-API (sqlite3 from the standard library, psycopg 3 for PostgreSQL), not SQLAlchemy: see db.py.
"""

from toolkit.shells.store.db import SCHEMA_VERSION, Store, StoreError, open_store

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "open_store"]

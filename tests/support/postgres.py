"""A private PostgreSQL 15 server for the store tests (Debian package `postgresql`, binaries in
/usr/lib/postgresql/15/bin; the Debian cluster tools and the system service are not used).

    with start_postgres() as pg:
        pg.url("dmarc")  -> "postgresql://emlauth@127.0.0.1:<port>/dmarc" (the database is created on demand)

initdb writes a fresh data folder under /tmp; the server listens on 127.0.0.1:<free port> only, with its Unix
socket in that folder; trust authentication, which is fine for a server nobody else can reach. PostgreSQL
refuses to run as root, so as root everything runs as the `postgres` user (or `nobody` when that is missing).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from support.postfix import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SUPERUSER = "emlauth"


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and there is no `postgres` or `nobody` user to run PostgreSQL as")


@dataclass
class PostgresServer:
    root: Path
    port: int
    user: str | None
    databases: set[str] = field(default_factory=set)
    running: bool = False

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        result = subprocess.run(
            list(args), capture_output=True, text=True, timeout=timeout, user=self.user, cwd=self.root, check=False
        )
        if result.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace") if (self.root / "server.log").exists() else ""
            raise RuntimeError(f"{args[0]} failed:\n{result.stdout}{result.stderr}\n{log[-3000:]}")
        return result

    def start(self) -> PostgresServer:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"{PG_BIN}/initdb not found: apt-get install postgresql")
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c full_page_writes=off"
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w",
            "start",
        )  # fmt: skip
        self.running = True
        return self

    def create_database(self, name: str) -> None:
        if name not in self.databases:
            self.psql("postgres", f'CREATE DATABASE "{name}"')
            self.databases.add(name)

    def drop_database(self, name: str) -> None:
        self.psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.databases.discard(name)

    def psql(self, database: str, sql: str) -> str:
        return self._run(
            str(PG_BIN / "psql"),
            "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, "-d", database, "-v", "ON_ERROR_STOP=1",
            "-Atc", sql,
        ).stdout  # fmt: skip

    def url(self, database: str = "emlauth") -> str:
        self.create_database(database)
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.running:
            subprocess.run(
                [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                capture_output=True, timeout=60, user=self.user, check=False,
            )  # fmt: skip
            self.running = False

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def start_postgres() -> PostgresServer:
    user = _run_as()
    root = Path(tempfile.mkdtemp(prefix="emlauth-pg-", dir="/tmp"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    root.chmod(0o700)
    return PostgresServer(root, free_port(), user)

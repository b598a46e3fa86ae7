"""Shared fixtures. `knot_factory` starts knotd (Debian package `knot`) for a folder of zone files."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from support.knot import KNOTD, KnotServer, start_knot


@pytest.fixture(scope="session")
def knot_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., KnotServer]]:
    """Call with a zone folder (and optionally servfail_zones=[...]) to get a running KnotServer on 127.0.0.1.

    knotd reads the files once at start; the same folder and options give the same server for the whole session.
    Every server is stopped at the end of the session. A missing knotd fails the test (CI installs `knot`).
    """
    servers: dict[tuple[Path, tuple[str, ...]], KnotServer] = {}

    def start(zone_dir: Path | str, servfail_zones: Iterable[str] = ()) -> KnotServer:
        if not KNOTD.exists():
            pytest.fail(f"{KNOTD} not found: install the Debian package 'knot' (apt-get install knot)", pytrace=False)
        key = (Path(zone_dir).resolve(), tuple(sorted(servfail_zones)))
        server = servers.get(key)
        if server is None or not server.running:
            server = start_knot(key[0], tmp_path_factory.mktemp("knot"), servfail_zones=key[1])
            servers[key] = server
        return server

    yield start
    for server in servers.values():
        server.stop()

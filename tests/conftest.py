"""Shared fixtures. `knot_factory` starts knotd (Debian package `knot`) for a folder of zone files."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from support import fuzz
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


# --- hypothesis profiles (issue 13 §9) ------------------------------------------------------------------------
# "ci" (selected when CI=true, as .ci/run's machine sets it): derandomized, so a run finds the same bugs every time
# and a failure reproduces; more examples (support.fuzz.examples scales each test's own count); no example database
# (a fresh clone has none to replay). "dev" (default): random, so local runs keep exploring new inputs.
# HYPOTHESIS_PROFILE=ci selects the CI behaviour locally.
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, print_blob=True, max_examples=fuzz.CI_DEFAULT_EXAMPLES
)
settings.register_profile("dev", deadline=None)
settings.load_profile(fuzz.PROFILE)

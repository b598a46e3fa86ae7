"""Issue 14 §5: a fleet's milters share one DMARC report store. Two `emlauth milter --record URL` instances (two
MX hosts, each with 2 pre-forked workers) write into one PostgreSQL database at once: every message is one row,
none lost, none counted twice, also when the same message reaches both (a retry on the second MX after the
first tempfailed it). README "Running a fleet" describes the setup this stands for.
"""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support.mailworld import AUTHSERV_ID, SENDER_IP, make_message
from support.milter_client import ALL_PROTOCOL, MilterClient
from support.postfix import free_port, wait_for_port
from support.postgres import start_postgres

from toolkit.shells.store import open_store

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 40
AGAIN = 10  # of those, delivered a second time through the other MX


@pytest.fixture(scope="module")
def store_url():
    try:
        server = start_postgres().start()
    except RuntimeError as exc:
        pytest.fail(f"cannot start PostgreSQL (CI installs `postgresql`): {exc}", pytrace=False)
    try:
        yield server.url("fleet")
    finally:
        server.cleanup()


def start_milter(zones: Path, url: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, "-m", "toolkit", "milter", "--listen", f"inet:127.0.0.1:{port}", "--zones",
               str(zones), "--authserv-id", AUTHSERV_ID, "--record", url, "--processes", "2"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT)
    wait_for_port(port)
    return process, port


def deliver(port: int, raw: bytes) -> bytes:
    client = MilterClient(("127.0.0.1", port))
    client.negotiate(protocol=ALL_PROTOCOL)
    client.connect(ip=SENDER_IP)
    outcome = client.transaction(raw, "alice@example.org", ["bob@example.net"])
    client.quit()
    return outcome.code


def test_two_milters_one_store_no_row_lost_or_doubled(world, tmp_path: Path, store_url: str) -> None:
    zones = world.write_zones(tmp_path / "zones")
    messages = [world.sign_as_sender(make_message(subject=f"fleet {i}")) for i in range(MESSAGES)]
    milters = [start_milter(zones, store_url) for _ in range(2)]
    try:
        time.sleep(1.0)  # the workers start after the parent binds
        jobs = [(milters[i % 2][1], raw) for i, raw in enumerate(messages)]
        jobs += [(milters[(i + 1) % 2][1], raw) for i, raw in enumerate(messages[:AGAIN])]  # the other MX
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda job: deliver(*job), jobs))
        assert codes == [b"c"] * len(jobs)  # every message accepted, with our A-R
    finally:
        for process, _port in milters:
            process.terminate()
            process.wait(timeout=10)
    with open_store(store_url) as store:
        keys = [row[0] for row in store.query("SELECT message_key FROM recorded_message")]
    assert len(keys) == MESSAGES and len(set(keys)) == MESSAGES

"""Run knotd (Debian package `knot`) on 127.0.0.1 serving a folder of zone files, for interop tests.

    with start_knot(zone_dir, workdir) as knot:
        LiveResolver([knot.nameserver], timeout=2.0).query("example.com", "SOA")

The same folder works with ZoneFileResolver: each `*.zone` file becomes one `zone:` (origin from `$ORIGIN` or the
file name, exactly as ZoneFileResolver decides). knotd never writes to the files (zonefile-sync -1, no journal, no
DNSSEC); its state, config and log live in `workdir`.

Faults each side can produce (for comparison tests):
- SERVFAIL: knot answers SERVFAIL for every name in a zone that is configured but cannot be loaded. start_knot
  configures such a zone (file missing on purpose) for each name in `servfail_zones`, and for each rule
  `<name> * SERVFAIL` in the folder's faults.txt. ZoneFileResolver gives SERVFAIL from faults.txt only for the names
  the rules match: write `<name> * SERVFAIL` and `*.<name> * SERVFAIL` to cover the same names knot does.
- REFUSED: both sides, for names outside every zone.
- TIMEOUT and per-type faults: only ZoneFileResolver (faults.txt). For a live timeout, point LiveResolver at a UDP
  socket that never answers (see tests/resolvers/test_live.py).
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from toolkit.resolvers.zonefile import FAULTS_FILE, load_faults, zone_files, zone_origin

KNOTD = Path("/usr/sbin/knotd")
HOST = "127.0.0.1"
STARTUP_SECONDS = 15.0


class KnotError(RuntimeError):
    pass


@dataclass
class KnotServer:
    host: str
    port: int
    workdir: Path
    config: Path
    log: Path
    zones: tuple[str, ...]  # origins served from files, absolute ("example.com.")
    servfail_zones: tuple[str, ...]  # configured to fail loading: SERVFAIL for these names and below
    process: subprocess.Popen = field(repr=False)

    @property
    def nameserver(self) -> tuple[str, int]:
        return (self.host, self.port)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def __enter__(self) -> KnotServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def zones_in(zone_dir: Path) -> list[tuple[str, Path]]:
    """(origin, file) for each zone file, origins decided exactly as ZoneFileResolver decides them."""
    return [(zone_origin(path, path.read_text(encoding="utf-8")), path.resolve()) for path in zone_files(zone_dir)]


def servfail_rules(zone_dir: Path) -> list[str]:
    """Names with a `<name> * SERVFAIL` rule in faults.txt (not wildcards), as absolute names."""
    faults = zone_dir / FAULTS_FILE
    if not faults.is_file():
        return []
    rules = load_faults(faults)
    return [
        f"{name}."
        for (name, rdtype), detail in rules.items()
        if rdtype == "*" and detail == "SERVFAIL" and not name.startswith("*")
    ]


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 right now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((HOST, 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((HOST, port))
                except OSError:
                    continue
                return port
    raise KnotError("no free port on 127.0.0.1")


def write_config(workdir: Path, port: int, zones: list[tuple[str, Path]], servfail_zones: list[str]) -> Path:
    lines = [
        "server:",
        f'    rundir: "{workdir / "run"}"',
        f"    listen: {HOST}@{port}",
        "    udp-workers: 2",
        "    tcp-workers: 2",
        "    background-workers: 1",
        "log:",
        "  - target: stderr",
        "    any: info",
        "database:",
        f'    storage: "{workdir / "db"}"',
        "template:",
        "  - id: default",
        "    journal-content: none",  # no journal: nothing to replay, nothing to go stale between runs
        "    zonefile-sync: -1",  # never write the zone files back
        "    zonefile-load: whole",
        "    dnssec-signing: off",
        "zone:",
    ]
    for origin, path in zones:
        lines += [f'  - domain: "{origin}"', f'    file: "{path}"']
    for origin in servfail_zones:
        missing = workdir / f"missing-{origin.rstrip('.') or 'root'}.zone"  # absent on purpose: load fails
        lines += [f'  - domain: "{origin}"', f'    file: "{missing}"']
    config = workdir / "knot.conf"
    config.write_text("\n".join(lines) + "\n")
    return config


def start_knot(
    zone_dir: Path | str,
    workdir: Path | str,
    *,
    servfail_zones: Iterable[str] = (),
    startup_seconds: float = STARTUP_SECONDS,
) -> KnotServer:
    """Start knotd for the zone files in zone_dir and return once every zone answers its SOA."""
    if not KNOTD.exists():
        raise KnotError(f"{KNOTD} not found: install the Debian package 'knot'")
    zone_dir, workdir = Path(zone_dir), Path(workdir)
    zones = zones_in(zone_dir)
    served = {origin.lower() for origin, _ in zones}
    failing = []
    for name in [*servfail_zones, *servfail_rules(zone_dir)]:
        origin = name if name.endswith(".") else name + "."
        if origin.lower() in served:
            raise KnotError(f"{origin} is both a zone file and a SERVFAIL zone")
        if origin.lower() not in {f.lower() for f in failing}:
            failing.append(origin)
    if not zones and not failing:
        raise KnotError(f"{zone_dir}: no *.zone files")
    for sub in ("run", "db"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)

    last_error = ""
    for _attempt in range(3):  # a port taken between free_port() and knotd's bind: try another
        port = free_port()
        config = write_config(workdir, port, zones, failing)
        log = workdir / "knotd.log"
        with log.open("ab") as log_file:
            process = subprocess.Popen(
                [str(KNOTD), "-c", str(config)], stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        server = KnotServer(HOST, port, workdir, config, log, tuple(o for o, _ in zones), tuple(failing), process)
        last_error = _wait_ready(server, startup_seconds)
        if not last_error:
            return server
        server.stop()
    tail = "\n".join(server.log_text().splitlines()[-15:])
    raise KnotError(f"knotd did not come up: {last_error}\n--- {server.log} (tail) ---\n{tail}")


def _wait_ready(server: KnotServer, seconds: float) -> str:
    """Poll until each file zone answers NOERROR with its SOA (and a SERVFAIL zone answers at all); '' when ready."""
    deadline = time.monotonic() + seconds
    pending = list(server.zones) or list(server.servfail_zones[:1])
    problem = "no answer yet"
    while pending and time.monotonic() < deadline:
        if not server.running:
            return f"knotd exited with status {server.process.returncode}"
        origin = pending[0]
        try:
            response = dns.query.udp(
                dns.message.make_query(origin, dns.rdatatype.SOA), server.host, timeout=0.2, port=server.port
            )
        except (dns.exception.DNSException, OSError) as exc:
            problem = f"{origin} SOA: {type(exc).__name__}"
            time.sleep(0.05)
            continue
        loaded = response.rcode() == dns.rcode.NOERROR and response.answer
        if loaded or (origin in server.servfail_zones and response.rcode() == dns.rcode.SERVFAIL):
            pending.pop(0)
        else:
            problem = f"{origin} SOA: {dns.rcode.to_text(response.rcode())}"
            log = server.log_text().splitlines()
            failures = [line for line in log if f"[{origin}]" in line and "error:" in line]
            if failures and origin not in server.servfail_zones:  # knot could not load a zone file: no use waiting
                return f"{origin} did not load: {failures[0]}"
            time.sleep(0.05)
    return problem if pending else ""

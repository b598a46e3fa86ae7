"""The issue-15 attacks, measured: CPU seconds, peak RSS and wall time of one `emlauth verify` run each.

    python3 bench/bench_hostile.py [--tree DIR] [--diagnose-mb 200] [--only NAME ...]

--tree runs the toolkit found in DIR instead of this checkout, for before/after figures:
    git archive <old-commit> | tar -x -C /tmp/before && python3 bench/bench_hostile.py --tree /tmp/before

- dkim-exponents: 55 RSA-3072 key records with 3,070-bit exponents at one selector, 10 signatures (~10 KB).
- dns-timeouts:   10 signatures with 10 selectors, a nameserver on 127.0.0.1 that never answers, --dns-timeout 1.
- folded-headers: a 20 MB message whose header is one field of 4-byte continuation lines.
- diagnose-body:  --json (diagnostics) on a --diagnose-mb MB body whose signature fails (a footer added).
- mbox-lines:     a 60 MB mbox whose one message is mostly empty lines.
Each figure is for the child process alone (wait4), interpreter start-up included (~0.1-0.3 s CPU).
"""

from __future__ import annotations

import argparse
import base64
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa  # noqa: E402

from toolkit.core.dkim import SignerConfig, sign  # noqa: E402

NOW = "1700000000"
SOA = ["$ORIGIN example.com.", "@ 300 IN SOA ns.example.com. h.example.com. 1 3600 600 86400 300", "@ 300 IN NS ns"]
HEAD = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: hello\r\n\r\n"


def run(tree: Path, args: list[str]) -> tuple[int, float, float, float]:
    """(exit code, CPU s, peak RSS MB, wall s) of `emlauth <args>` with the toolkit of `tree`."""
    code = f"import sys; sys.path.insert(0, {str(tree)!r}); from toolkit.shells.cli import main; sys.exit(main())"
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    return os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, wall


def _txt(text: str) -> str:
    return "( " + " ".join(f'"{text[i : i + 250]}"' for i in range(0, len(text), 250)) + " )"


def dkim_exponents(work: Path) -> list[str]:
    signer = rsa.generate_private_key(65537, 3072)
    n = signer.public_key().public_numbers().n
    lines = list(SOA)
    for i in range(55):
        public = rsa.RSAPublicNumbers((1 << 3069) + 2 * i + 1, n).public_key()
        der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        lines.append(f"big._domainkey 300 IN TXT {_txt('v=DKIM1; k=rsa; p=' + base64.b64encode(der).decode())}")
    (work / "example.com.zone").write_text("\n".join(lines) + "\n")
    body = (b"y" * 76 + b"\r\n") * 38
    eml = work / "m.eml"
    eml.write_bytes(sign(HEAD + body, [SignerConfig("example.com", "big", signer) for _ in range(10)], int(NOW)))
    return ["verify", "--checks", "dkim", "--zones", str(work), "--now", NOW, "--header-only", str(eml)]


class Silent:
    """A UDP 'nameserver' on 127.0.0.1 that reads queries and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while self.running:
            try:
                self.sock.recvfrom(4096)
            except OSError:
                continue

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


def dns_timeouts(work: Path, server: Silent) -> list[str]:
    key = ed25519.Ed25519PrivateKey.generate()
    eml = work / "m.eml"
    eml.write_bytes(sign(HEAD + b"body\r\n", [SignerConfig("example.com", f"s{i}", key) for i in range(10)], int(NOW)))
    port = server.sock.getsockname()[1]
    return ["verify", "--nameserver", f"127.0.0.1:{port}", "--dns-timeout", "1", "--checks", "dkim", "--now", NOW,
            "--header-only", str(eml)]  # fmt: skip


def folded_headers(work: Path) -> list[str]:
    eml = work / "m.eml"
    eml.write_bytes(
        b"From: a@example.com\r\nSubject: s" + b"\r\n x" * (5 * 2**20) + b"\r\nTo: b@example.org\r\n\r\nb\r\n"
    )
    return ["verify", "--checks", "dkim", "--zones", str(work), "--now", NOW, "--json", str(eml)]


def diagnose_body(work: Path, megabytes: int) -> list[str]:
    key = ed25519.Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    record = f'"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode()}"'
    (work / "example.com.zone").write_text("\n".join([*SOA, f"ed._domainkey 300 IN TXT {record}"]) + "\n")
    body = (b"a" * 78 + b"\r\n") * (megabytes * 1_000_000 // 80)
    eml = work / "m.eml"
    eml.write_bytes(sign(HEAD + body, [SignerConfig("example.com", "ed", key)], int(NOW)) + b"footer\r\n")
    return ["verify", "--checks", "dkim", "--zones", str(work), "--now", NOW, "--json", str(eml)]


def mbox_lines(work: Path) -> list[str]:
    mbox = work / "m.mbox"
    mbox.write_bytes(b"From a@example.com Mon Jan  1 00:00:00 2024\nSubject: s\n\n" + b"\n" * (60 * 2**20))
    return ["verify", "--checks", "dkim", "--header-only", str(mbox)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose toolkit runs (default: this one)")
    parser.add_argument("--diagnose-mb", type=int, default=200, help="body size for diagnose-body (200)")
    parser.add_argument("--only", nargs="*", help="run only these (dkim-exponents, dns-timeouts, ...)")
    args = parser.parse_args()
    print(f"toolkit from {args.tree.resolve()}; load average {os.getloadavg()[0]:.2f}")
    server = Silent()
    cases = {
        "dkim-exponents": dkim_exponents,
        "dns-timeouts": lambda work: dns_timeouts(work, server),
        "folded-headers": folded_headers,
        "diagnose-body": lambda work: diagnose_body(work, args.diagnose_mb),
        "mbox-lines": mbox_lines,
    }
    try:
        for name, build in cases.items():
            if args.only and name not in args.only:
                continue
            with tempfile.TemporaryDirectory() as scratch:
                code, cpu, rss, wall = run(args.tree, build(Path(scratch)))
            print(f"{name:16} exit {code}  cpu {cpu:6.2f} s  peak RSS {rss:7.0f} MB  wall {wall:6.2f} s")
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""DKIM CPU and DNS amplification (issue 15): one message must not buy seconds of work.

The attack: a selector with 55 RSA-3072 key records whose public exponents are ~3,070 bits, and 10 signatures
naming it; each check costs a multiplication per exponent bit: 5.7 s per 3 KB message. And 10 selectors whose
lookups time out: one timeout each, 11 s. Now: e above 2^32 is refused (KEY_BAD_EXPONENT, DKIM-16 [ours]), at most
3 key records are tried per selector (DKIM-14 [ours]), and after 3 failed lookups the rest are not asked.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from pathlib import Path

import dns.message
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from support.bounded import EMLAUTH, run_bounded

from toolkit.core.dkim import SignerConfig, sign

NOW = 1_700_000_000
MESSAGE = (
    (
        b"From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: hello\r\n"
        b"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <m1@example.com>\r\n\r\n" + b"x" * 76 + b"\r\n"
    )
    + b"y" * 76 * 30
    + b"\r\n"
)  # about 3 KB, like the reproduction


@pytest.fixture(scope="module")
def signer() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


def _record_strings(text: str) -> str:
    return " ".join(f'"{text[i : i + 250]}"' for i in range(0, len(text), 250))


def _zone(directory: Path, records: list[str]) -> Path:
    directory.mkdir()
    lines = [
        "$ORIGIN example.com.",
        "@ 300 IN SOA ns.example.com. hostmaster.example.com. 1 3600 600 86400 300",
        "@ 300 IN NS ns.example.com.",
        *(f"big._domainkey 300 IN TXT ( {_record_strings(r)} )" for r in records),
    ]
    (directory / "example.com.zone").write_text("\n".join(lines) + "\n")
    return directory


def test_55_keys_with_huge_exponents_and_10_signatures_are_cheap(tmp_path: Path) -> None:
    signer3072 = rsa.generate_private_key(65537, 3072)  # signatures of the modulus' length: a full check each
    n = signer3072.public_key().public_numbers().n
    records = []
    for i in range(55):
        exponent = (1 << 3069) + 2 * i + 1  # odd, 3,070 bits
        public = rsa.RSAPublicNumbers(exponent, n).public_key()
        der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        records.append("v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode())
    zones = _zone(tmp_path / "zones", records)
    message = sign(MESSAGE, [SignerConfig("example.com", "big", signer3072) for _ in range(10)], NOW)
    eml = tmp_path / "attack.eml"
    eml.write_bytes(message)
    run = run_bounded([*EMLAUTH, "verify", "--zones", str(zones), "--now", str(NOW), "--json", str(eml)], cpu=20)
    assert run.returncode == 1, run.stderr_text
    report = json.loads(run.stdout)
    assert [d["reason"] for d in report["dkim"]] == ["KEY_BAD_EXPONENT"] * 10
    assert any("not tried" in s["detail"] for s in report["dkim"][0]["steps"])  # 3 of the 55 records parsed
    assert run.cpu_seconds < 1.5, run.cpu_seconds  # interpreter start included; before the fix: 2.6 s here


def test_many_keys_that_do_not_fit_stay_within_the_work_budget(tmp_path: Path, signer) -> None:
    """Valid exponents this time: each selector gives 3 checks at most, the message 20 (then policy)."""
    others = [rsa.generate_private_key(65537, 1024) for _ in range(4)]
    records = []
    for key in others * 14:  # 56 records
        der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        records.append("v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode())
    zones = _zone(tmp_path / "zones", records)
    message = sign(MESSAGE, [SignerConfig("example.com", "big", signer) for _ in range(10)], NOW)
    eml = tmp_path / "attack.eml"
    eml.write_bytes(message)
    run = run_bounded([*EMLAUTH, "verify", "--zones", str(zones), "--now", str(NOW), "--json", str(eml)], cpu=20)
    reasons = [d["reason"] for d in json.loads(run.stdout)["dkim"]]
    assert reasons == ["SIGNATURE_MISMATCH"] * 6 + ["WORK_BUDGET"] * 4, reasons
    assert json.loads(run.stdout)["dkim"][9]["result"] == "policy"


class SilentServer:
    """A UDP 'nameserver' on 127.0.0.1 that never answers and records the names it was asked."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.names: list[str] = []
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while self.running:
            try:
                data, _ = self.sock.recvfrom(4096)
            except OSError:
                continue
            try:
                self.names.append(str(dns.message.from_wire(data).question[0].name).rstrip(".").lower())
            except Exception:  # noqa: BLE001 - not a DNS query: ignore it like a dead server would
                continue

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


def test_key_lookups_that_time_out_stop_after_three(tmp_path: Path, signer) -> None:
    signers = [SignerConfig("example.com", f"s{i}", signer) for i in range(10)]
    eml = tmp_path / "timeouts.eml"
    eml.write_bytes(sign(MESSAGE, signers, NOW))
    server = SilentServer()
    try:
        argv = [*EMLAUTH, "verify", "--nameserver", server.address, "--dns-timeout", "0.3", "--checks", "dkim"]
        run = run_bounded([*argv, "--now", str(NOW), "--json", str(eml)], cpu=20)
    finally:
        server.close()
    assert run.returncode == 3, run.stderr_text  # temperror
    report = json.loads(run.stdout)
    assert [d["reason"] for d in report["dkim"]] == ["KEY_DNS_TEMPFAIL"] * 3 + ["TIME_BUDGET"] * 7
    asked = {name for name in server.names if "._domainkey." in name}
    assert len(asked) == 3, asked  # the other seven selectors were never asked

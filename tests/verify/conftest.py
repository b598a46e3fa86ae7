"""Fixtures for verify tests: keys, zone folders (usable by ZoneFileResolver and knot) and signed messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from toolkit.core.dkim import SignerConfig, sign
from toolkit.core.dkim.keys import SigningKey, generate_key

NOW = 1_700_000_000
GOOD_IP = "192.0.2.25"
BAD_IP = "203.0.113.9"

SOA = """$TTL 300
@ IN SOA ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 60
@ NS ns1.example.com.
"""


@dataclass(frozen=True)
class Corpus:
    zones: Path
    author_key: SigningKey
    esp_key: SigningKey

    def message(self, *, from_domain: str = "example.com", signer: str | None = "example.com", extra: bytes = b"",
                subject: str = "hello", body: bytes = b"Hello there.\r\n") -> bytes:  # fmt: skip
        raw = (
            extra
            + f"From: Joe <joe@{from_domain}>\r\nTo: ann@example.org\r\nSubject: {subject}\r\n".encode()
            + b"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <1@example.com>\r\n\r\n"
            + body
        )
        if signer is None:
            return raw
        key, selector = (self.author_key, "sel1") if signer == "example.com" else (self.esp_key, "esp")
        return sign(raw, [SignerConfig(signer, selector, key)], NOW)


def write_zones(directory: Path, author_key: SigningKey, esp_key: SigningKey, *, faults: str = "") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    zones = {
        "example.com": (
            f'@ TXT "v=spf1 ip4:{GOOD_IP} -all"\n'
            "@ A 192.0.2.10\n"
            f'mail A {GOOD_IP}\nmail TXT "v=spf1 a -all"\n'
            "ns1 A 192.0.2.53\n"
            '_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"\n'
            + author_key.zone_line("sel1", "example.com")
            + "\n"
        ),
        "example.net": ('@ TXT "v=spf1 ip4:198.51.100.0/24 -all"\n' + esp_key.zone_line("esp", "example.net") + "\n"),
        "example.org": '@ A 192.0.2.11\n_dmarc TXT "v=DMARC1; p=quarantine"\nbroken A 192.0.2.12\n',
        "com": "",
        "net": "",
        "org": "",
    }
    for origin, body in zones.items():
        (directory / f"{origin}.zone").write_text(f"$ORIGIN {origin}.\n" + SOA + body)
    if faults:
        (directory / "faults.txt").write_text(faults)
    return directory


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    author_key = generate_key("rsa", 2048)
    esp_key = generate_key("ed25519")
    zones = write_zones(tmp_path_factory.mktemp("zones"), author_key, esp_key)
    return Corpus(zones, author_key, esp_key)


@pytest.fixture(scope="session")
def faulty_zones(tmp_path_factory: pytest.TempPathFactory, corpus: Corpus) -> Path:
    """The same zones, with `_dmarc.broken.example.org` answering SERVFAIL."""
    return write_zones(tmp_path_factory.mktemp("faulty"), corpus.author_key, corpus.esp_key,
                       faults="_dmarc.broken.example.org * SERVFAIL\n")  # fmt: skip

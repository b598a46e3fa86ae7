"""The committed test keys in keys/test/ are what keys/README.md says, and their .txt lines publish them."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.core.dkim.keycheck import KeyCheckStatus, check_published_key
from toolkit.core.dkim.keys import load_private_key
from toolkit.resolvers.zonefile import ZoneFileResolver

KEYS = Path(__file__).resolve().parents[2] / "keys" / "test"
EXPECTED = [
    ("example.com", "s2048", "rsa", 2048),
    ("example.com", "ed1", "ed25519", 256),
    ("example.com", "s1024", "rsa", 1024),
    ("example.com", "old", "rsa", 2048),
    ("example.org", "sel1", "rsa", 2048),
    ("esp.example.net", "esp1", "rsa", 2048),
    ("forwarder.test", "arc1", "rsa", 2048),
    ("lists.test", "arc1", "rsa", 2048),
]
SOA = "@ IN SOA ns1.{0}. hostmaster.{0}. 1 3600 600 86400 300\n@ IN NS ns1.{0}.\nns1 IN A 192.0.2.53\n"


def test_every_key_file_is_listed():
    found = sorted((p.parent.name, p.name.removesuffix(".private.pem")) for p in KEYS.glob("*/*.private.pem"))
    assert found == sorted((domain, selector) for domain, selector, _, _ in EXPECTED)


@pytest.mark.parametrize(("domain", "selector", "key_type", "bits"), EXPECTED)
def test_key_and_zone_line(domain, selector, key_type, bits):
    path = KEYS / domain / f"{selector}.private.pem"
    key = load_private_key(path.read_bytes(), str(path))
    assert (key.key_type, key.bits) == (key_type, bits)
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----\n")
    records = [line for line in (KEYS / domain / f"{selector}.txt").read_text().splitlines() if line[:1] != ";"]
    if selector == "old":
        assert records == ['old._domainkey.example.com. 3600 IN TXT "v=DKIM1; k=rsa; p="']
        assert f"; {key.zone_line(selector, domain)}" in (KEYS / domain / "old.txt").read_text()
    else:
        assert records == [key.zone_line(selector, domain)]


def test_published_lines_check_out_through_a_zone_folder(tmp_path):
    for domain in sorted({d for d, *_ in EXPECTED}):
        lines = [(KEYS / domain / f"{selector}.txt").read_text() for d, selector, *_ in EXPECTED if d == domain]
        (tmp_path / f"{domain}.zone").write_text(
            f"$ORIGIN {domain}.\n$TTL 3600\n" + SOA.format(domain) + "".join(lines)
        )
    resolver = ZoneFileResolver(tmp_path)
    for domain, selector, _, _ in EXPECTED:
        key = load_private_key((KEYS / domain / f"{selector}.private.pem").read_bytes())
        result = check_published_key(key, selector, domain, resolver)
        expected = KeyCheckStatus.REVOKED if selector == "old" else KeyCheckStatus.MATCH
        assert result.status is expected, (domain, selector, result.to_json())

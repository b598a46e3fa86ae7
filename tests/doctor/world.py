"""A small offline world for doctor tests: a well-configured SES sender (example.com), the ESP stand-in and a
report receiver (example.net), and reverse DNS for 192.0.2.0/24.

Zone bodies are dicts of named lines, so a scenario replaces or drops one line (None) and keeps the rest.
`amazonses.example.net` stands in for amazonses.com (doctor --ses-domain), as in samples/zones.
The keys below are public keys (and one deliberately published private key) made for these tests only.
"""

from __future__ import annotations

import base64
import copy
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from support.weak_keys import short_rsa_key

from .zonekit import write_zones

SES = "amazonses.example.net"
REGION = "us-east-1"
KEY_2048 = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAq45C9ujZnb/6jpaCibevZbIxrH08ILiSTy7Em1XJAnhtcrhPl+R+ZCGExmNQailJ+6lOA7svIdebtwtuN/Elkas57/Jlotdu0lRskwa6qOxv9p7xVFIfoWGKBLkczwnZX+D/n4rpebXD8OgXVGWRnjYulEh3oLFsnPX4A5tdk7Qbhuvcr/nfoy1QFkfiEn+LMwZVfxaZuEexqRZEeqy/naacC2kNqE8sgbhkWLFMIUDQT4emP6vlkLkGsPeoXBZJONBf5e2eEiFhHBo/Ey7l8iBEb1IbsqJXZyc476SYfGqavOmT1Xak4Av8VYDEvqI/bxAkjCGM8MtclUPqMj++SwIDAQAB"  # noqa: E501
KEY_2048_B = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAkxYUPO1TZA7SS2j87VyMRhUEllQGN3dFdNvmcFNYTbrlUw78T19Sx3npt1NxFasjrly6KP2UVUW7gF+DzR6+YNinA11MRdHu7bha4WXCLtGsDz+Wt/SKykNxOLkaVQ+785v6NgpXgdRXtoAdb6QnN0dydFtYVLLgz7B47Qf9hifj1TpEESz9oij8J1uC27A9g5iBAi7h8bC0n1JB2OQoTbTQ4McDj/ZByflaHmQ3Y22dUi6fTGvnSwY1jfCp2YMilnY+I+XXwUbdg31luJnKYGcU+2WIPt5xIN//o7FnKOnscDNAQH+DIxwMviydMHbclcqh1Ehg44pdz7ruS3AI8QIDAQAB"  # noqa: E501
KEY_1024 = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCtI9rj3N+qVGoO4VSqDNZbcuXcC+fnvBcj5iP7qOv3s8O5vggP+W9lDcxlOROh/1gchjHeiE66zY2XeNAYMhnA1g+AimP6A/w427eFdYeTkvvhXMFZ6lcFwRdhtoYukOK05T1sdiiUiQ6huov7pYomwPaDMFx+9o8w/elxRfI4YQIDAQAB"  # noqa: E501
PRIVATE_1024 = "MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAK0j2uPc36pUag7hVKoM1lty5dwL5+e8FyPmI/uo6/ezw7m+CA/5b2UNzGU5E6H/WByGMd6ITrrNjZd40BgyGcDWD4CKY/oD/Djbt4V1h5OS++FcwVnqVwXBF2G2hi6Q4rTlPWx2KJSJDqG6i/uliibA9oMwXH72jzD96XFF8jhhAgMBAAECgYBNokgh6AX6UAOGTI8z+LGdK7XZpxUDGZmepTD5RNMZrGdUv9rJnuTOARPnR2KAPwh5Mcrmp2P16vlUM/3K+5wD2IMv4c49SwKbDo1QNOWEurdboirOZN2/LRT+loJBegBgMilzW+tG3bTVqUFKKA7tNVOaOjDEoiUGNhyB0C8oqQJBANsuCytozRngrm44030LlLJVBqUhHBn6LkN2fZdJS7DrvJE6InUCzPZEkmb02aBpcC9xUES/S4H9aWyZeJuIfY8CQQDKOdffnbUeYNUcdMHgUhiOsSYB4UuHZI9Vcu5w4Dq89nITxr9WlfGW+TZ1WS5PIeMMPiIgSxhshdvkA6zwKtMPAkBrtkn48EzzLa6rLjQI3LsblJtqZUYZIhDASKfZxER1UrRdrnMmi9TMJdDI1gVpRsfCGO64ikYCQNYhb56M2NvTAkACgKK+PqpeHN6mQn+fsgRhx6lrvoj7vO/VI931gaDYc8hHnF8DyEk8EAtvelILYqT3otEzSxqbRTDKao06T51bAkEAmuAx9KxuA0eafocDURTmhj0pFhFqoA0Y34UanbMPXedE6cnQYp132jBdUOn4d2Xeq36FBX92gLdhBDzu+VkWrQ=="  # noqa: E501


def txt(value: str) -> str:
    """A TXT rdata in 255-byte strings."""
    return "( " + " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255)) + " )"


@cache
def key_512() -> str:
    key = short_rsa_key(512, seed=7)
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


GOOD_COM = {
    "spf": '@ IN TXT "v=spf1 include:amazonses.example.net ~all"',
    "mx": "@ IN MX 10 mx.example.com.",
    "a": "@ IN A 192.0.2.80",
    "mx-a": "mx IN A 192.0.2.25",
    "s1": f"s1._domainkey IN TXT {txt('v=DKIM1; k=rsa; p=' + KEY_2048)}",
    "tok1": f"tok1._domainkey IN CNAME tok1.dkim.{SES}.",
    "tok2": f"tok2._domainkey IN CNAME tok2.dkim.{SES}.",
    "tok3": f"tok3._domainkey IN CNAME tok3.dkim.{SES}.",
    "dmarc": '_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com,mailto:dmarc@reports.example.net"',
    "mailfrom-mx": f"mail IN MX 10 feedback-smtp.{REGION}.{SES}.",
    "mailfrom-spf": f'mail IN TXT "v=spf1 include:{SES} ~all"',
    "mta-sts": '_mta-sts IN TXT "v=STSv1; id=20260301T000000"',
    "tls-rpt": '_smtp._tls IN TXT "v=TLSRPTv1; rua=mailto:tls-reports@example.com"',
    "bimi": 'default._bimi IN TXT "v=BIMI1; l=https://example.com/bimi/logo.svg"',
}

ESP_NET = {
    "ses-spf": 'amazonses IN TXT "v=spf1 ip4:198.51.100.0/26 ip4:192.0.2.128/25 -all"',
    "feedback": f"feedback-smtp.{REGION}.amazonses IN A 198.51.100.9",
    "tok1": f"tok1.dkim.amazonses IN TXT {txt('v=DKIM1; k=rsa; p=' + KEY_2048_B)}",
    "tok2": f"tok2.dkim.amazonses IN TXT {txt('v=DKIM1; k=rsa; p=' + KEY_2048_B)}",
    "tok3": f"tok3.dkim.amazonses IN TXT {txt('v=DKIM1; k=rsa; p=' + KEY_2048_B)}",
    "report-auth": 'example.com._report._dmarc.reports IN TXT "v=DMARC1"',
    "out130": "out130 IN A 192.0.2.130",
}

REVERSE = {"130": "130 IN PTR out130.example.net."}

BASE = {"example.com": GOOD_COM, "example.net": ESP_NET, "2.0.192.in-addr.arpa": REVERSE}


def world(changes: dict[str, dict[str, str | None]] | None = None) -> dict[str, dict[str, str]]:
    zones = copy.deepcopy(BASE)
    for origin, lines in (changes or {}).items():
        zone = zones.setdefault(origin, {})
        for key, line in lines.items():
            if line is None:
                zone.pop(key, None)
            else:
                zone[key] = line
    return zones


def write_world(folder: Path, changes=None, faults: str = "") -> Path:
    zones = world(changes)
    return write_zones(folder, {o: "\n".join(lines.values()) for o, lines in zones.items()}, faults)

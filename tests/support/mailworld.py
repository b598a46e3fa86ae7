"""A small, hermetic mail world for the milter/pipeline/Postfix tests: keys, DNS data, messages.

- example.org sends to us: SPF `ip4:198.51.100.0/24 -all`, DKIM selector `s1`, DMARC `p=reject`.
- example.com is ours for outbound mail: signing table entry (selector `out`), SPF `ip4:192.0.2.0/24 -all`,
  DMARC `p=quarantine`.
- example.net is the receiving domain (Postfix virtual domain). Our authserv-id is `mx.example.net`.
The same data is served by MemoryResolver (`world.resolver()`) and written as zone files (`world.write_zones(dir)`).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.core.dkim import SignerConfig, sign
from toolkit.core.dkim.keys import SigningKey, generate_key
from toolkit.resolvers.memory import MemoryResolver

AUTHSERV_ID = "mx.example.net"
SENDER_IP = "198.51.100.7"  # allowed by example.org's SPF
OUR_IP = "192.0.2.25"  # allowed by example.com's SPF (our outbound relay)
STRANGER_IP = "203.0.113.99"  # allowed by nobody
OUR_NETWORKS = ("192.0.2.0/24",)  # the signer's internal hosts (OUR_IP is one)

_counter = itertools.count(1)


@dataclass
class MailWorld:
    sender_key: SigningKey  # example.org, selector s1
    our_key: SigningKey  # example.com, selector out
    extra: dict = field(default_factory=dict)

    def dns(self) -> dict:
        data = {
            "example.org": {"TXT": ["v=spf1 ip4:198.51.100.0/24 -all"], "MX": [[10, "mx.example.org"]]},
            "_dmarc.example.org": {"TXT": ["v=DMARC1; p=reject"]},
            "s1._domainkey.example.org": {"TXT": [self.sender_key.dns_txt_strings()]},
            "mail.example.org": {"A": ["198.51.100.7"], "TXT": ["v=spf1 ip4:198.51.100.0/24 -all"]},
            "example.com": {"TXT": ["v=spf1 ip4:192.0.2.0/24 -all"]},
            "_dmarc.example.com": {"TXT": ["v=DMARC1; p=quarantine"]},
            "out._domainkey.example.com": {"TXT": [self.our_key.dns_txt_strings()]},
            "relay.example.com": {"A": ["192.0.2.25"]},
            "example.net": {"TXT": ["v=spf1 -all"]},
        }
        data.update(self.extra)
        return data

    def resolver(self) -> MemoryResolver:
        return MemoryResolver(self.dns())

    def write_zones(self, directory: Path) -> Path:
        """One zone file per domain (SOA and NS included, as ZoneFileResolver and knot want)."""
        directory.mkdir(parents=True, exist_ok=True)
        zones: dict[str, list[str]] = {"example.org": [], "example.com": [], "example.net": []}
        for name, types in self.dns().items():
            origin = next(z for z in zones if name == z or name.endswith("." + z))
            for rdtype, values in types.items():
                for value in values:
                    zones[origin].append(f"{name}. 300 IN {rdtype} {_rdata(rdtype, value)}")
        for origin, lines in zones.items():
            head = [
                f"$ORIGIN {origin}.",
                f"@ 300 IN SOA ns.{origin}. hostmaster.{origin}. 1 3600 600 86400 300",
                f"@ 300 IN NS ns.{origin}.",
            ]
            (directory / f"{origin}.zone").write_text("\n".join(head + lines) + "\n")
        return directory

    def write_sign_table(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "out.example.com.pem").write_bytes(self.our_key.private_pem())
        table = directory / "signing.table"
        table.write_text("example.com  d=example.com  out  out.example.com.pem\n")
        return table

    def sign_as_sender(self, raw: bytes, now: int | None = None) -> bytes:
        config = SignerConfig(domain="example.org", selector="s1", key=self.sender_key)
        return sign(raw, [config], int(now or time.time()))


def _rdata(rdtype: str, value) -> str:
    if rdtype == "TXT":
        strings = [value] if isinstance(value, str) else list(value)
        return " ".join('"' + s.replace('"', '\\"') + '"' for s in strings)
    if rdtype == "MX":
        return f"{value[0]} {value[1]}."
    return str(value)


def make_world() -> MailWorld:
    return MailWorld(sender_key=generate_key("rsa", 2048), our_key=generate_key("ed25519"))


def make_message(
    from_addr: str = "alice@example.org",
    to: str = "bob@example.net",
    subject: str = "Hello",
    body: str = "Hi Bob,\r\n\r\nJust testing.\r\n",
    message_id: str | None = None,
    extra_headers: tuple[str, ...] = (),
) -> bytes:
    message_id = message_id or f"<{time.time_ns()}.{next(_counter)}@{from_addr.rpartition('@')[2]}>"
    lines = [
        *extra_headers,
        f"From: {from_addr}",
        f"To: {to}",
        f"Subject: {subject}",
        "Date: Sat, 28 Nov 2026 00:00:00 +0000",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def envelope_for(raw: bytes, mail_from: str = "alice@example.org"):
    """The hooks' Envelope for a message, as the milter or the pipeline would have built it."""
    from toolkit.core.message import parse_message
    from toolkit.shells.hooks import Envelope

    envelope = Envelope(mail_from=mail_from, rcpts=["bob@example.net"])
    message = parse_message(raw)
    for h in message.headers:
        colon = h.raw.find(b":")
        envelope.headers.append((h.raw[:colon].decode(), h.raw[colon + 1 : -2]))
    envelope.body_chunks = [bytes(message.body)]
    return envelope

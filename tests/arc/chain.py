"""Build ARC chains for tests with our own sealer: hops that verify, then seal, as an intermediary does."""

from __future__ import annotations

from toolkit.core.arc import verify
from toolkit.core.arc.seal import SealConfig, seal
from toolkit.core.dkim.keys import SigningKey, generate_key
from toolkit.resolvers.memory import MemoryResolver

NOW = 1_772_442_000
MESSAGE = (
    b"From: Alice <alice@example.com>\r\nTo: list@example.org\r\nSubject: hello\r\n"
    b"Date: Mon, 2 Mar 2026 09:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nHi there.\r\n"
)


class Hops:
    """Keys for forwarders fwd<n>.example.net (selector arc) and the resolver that publishes them."""

    def __init__(self, count: int = 3, key_type: str = "rsa") -> None:
        self.keys: dict[str, SigningKey] = {}
        for n in range(1, count + 1):
            self.keys[f"fwd{n}.example.net"] = (
                generate_key(key_type, 1024) if key_type == "rsa" else generate_key("ed25519")
            )
        self.extra: dict[str, dict] = {}

    def resolver(self) -> MemoryResolver:
        mapping = {
            f"arc._domainkey.{domain}": {"TXT": [f"v=DKIM1; k={key.key_type}; p={key.public_key_b64()}"]}
            for domain, key in self.keys.items()
        }
        return MemoryResolver({**mapping, **self.extra})

    def seal_once(self, message: bytes, domain: str, now: int = NOW) -> bytes:
        chain = verify(message, self.resolver(), now)
        config = SealConfig(domain, "arc", self.keys[domain], f"mx.{domain}")
        sealed = seal(message, config, f"arc={chain.verdict.value}", chain, now)
        return b"".join(sealed.fields) + message

    def chain(self, hops: int, message: bytes = MESSAGE, domains: list[str] | None = None) -> bytes:
        names = domains or [f"fwd{1 + n % len(self.keys)}.example.net" for n in range(hops)]
        for domain in names[:hops]:
            message = self.seal_once(message, domain)
        return message

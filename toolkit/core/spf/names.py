"""The names and addresses SPF works on, checked before any query: the client IP (SPF-2), a domain (SPF-3), a query
target a macro or a DNS answer produced, and the sender's local-part and domain (SPF-1). Pure and memoised: the same
few values recur in every check.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from toolkit.core.spf.macro import MAX_DOMAIN


@dataclass(frozen=True, slots=True)
class Client:
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    value: int
    version: int  # 4 or 6; an IPv4-mapped IPv6 address is 4 (SPF-2)

    @property
    def rdtype(self) -> str:
        return "A" if self.version == 4 else "AAAA"


@lru_cache(maxsize=4096)
def domain_problem(domain: str) -> str | None:
    """SPF-3: why a name is not a usable domain (None if it is). A trailing dot is allowed."""
    if domain.endswith("."):
        domain = domain[:-1]
    if not domain:
        return "empty domain"
    if not domain.isascii():
        return "non-ASCII name"
    if domain.startswith("[") or ((domain[-1].isdigit() or ":" in domain) and _is_ip_literal(domain)):
        return "IP literal"
    if len(domain) > MAX_DOMAIN:
        return "longer than 253 characters"
    if "." not in domain:
        return "a single label"
    return _label_problem(domain)


def _is_ip_literal(domain: str) -> bool:
    try:
        ipaddress.ip_address(domain)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=4096)
def query_name_problem(name: str) -> str | None:
    """A target that no DNS query can carry (empty or long label): the mechanism does not match."""
    if not name:
        return "empty name"
    if not name.isascii():
        return "non-ASCII name (a macro expanded to it)"
    if len(name) > MAX_DOMAIN:
        return "longer than 253 characters"
    return _label_problem(name)


def _label_problem(name: str) -> str | None:
    for label in name.split("."):
        if not label:
            return "empty label"
        if len(label) > 63:
            return "label longer than 63 octets"
    return None


@lru_cache(maxsize=4096)
def address_value(text: str, version: int) -> int | None:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if ip.version != version:
        return None
    return int(ip)


@lru_cache(maxsize=1024)
def parse_client(ip: str) -> Client | None:
    try:
        addr = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped  # SPF-2: an IPv4-mapped IPv6 address is IPv4
    return Client(addr, int(addr), addr.version)


def split_sender(sender: str, domain: str) -> tuple[str, str]:
    local, at, sender_domain = sender.rpartition("@")
    if not at:
        local, sender_domain = "", sender
    return local or "postmaster", sender_domain or domain  # SPF-1: no local-part -> postmaster

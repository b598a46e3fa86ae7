"""Trust boundaries by network: who may talk to the milter, send a PROXY header or XCLIENT, and who is internal.

Every list is CIDR text (`127.0.0.0/8`, `::1`, `192.0.2.25`); command lines give them space- or comma-separated.
An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack socket reports) is matched as IPv4.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Sequence

from toolkit.shells.common import UsageError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK = ("127.0.0.0/8", "::1/128")


def parse_networks(items: Iterable[str], flag: str) -> tuple[Network, ...]:
    """CIDR texts (each may hold several, comma-separated) as networks; a bad one is a one-line usage error."""
    out: list[Network] = []
    for item in items:
        for text in item.split(","):
            if not text.strip():
                continue
            try:
                out.append(ipaddress.ip_network(text.strip(), strict=False))
            except ValueError:
                raise UsageError(f"{flag}: {text.strip()!r} is not an address or CIDR network") from None
    return tuple(out)


def address_in(address: str | None, networks: Sequence[Network]) -> bool:
    """Whether `address` (text, possibly with a %zone) is in one of `networks`; unparsable text never is."""
    ip = _parse_address(address) if address else None
    return ip is not None and any(ip in network for network in networks)


@functools.lru_cache(maxsize=4096)
def _parse_address(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Parsed once per address text: the milter asks for every connection, and the same peers come back."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def peer_address(peer: object) -> str | None:
    """The address of a socket peer (`(host, port, ...)` for inet sockets; a path or '' for Unix sockets)."""
    if isinstance(peer, tuple) and peer and isinstance(peer[0], str):
        return peer[0]
    return None

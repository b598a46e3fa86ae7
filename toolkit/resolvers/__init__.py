"""DNS resolvers: live (dnspython), zone files (offline), in-memory (tests), and a TTL cache around any of them."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from toolkit.resolvers.base import DnsAnswer, DnsStatus, Resolver, normalize_name

_LAZY = {
    "MemoryResolver": "toolkit.resolvers.memory",
    "ZoneFileResolver": "toolkit.resolvers.zonefile",
    "LiveResolver": "toolkit.resolvers.live",
    "CachingResolver": "toolkit.resolvers.caching",
}

__all__ = ["DnsAnswer", "DnsStatus", "Resolver", "normalize_name", *_LAZY]


def __getattr__(name: str) -> Any:  # lazy, so importing the package does not import dnspython
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(name)

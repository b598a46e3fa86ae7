"""DNS resolvers: live (dnspython), zone files (offline), in-memory (tests), and a TTL cache around any of them.

Each resolver is imported when first named (PEP 562 module __getattr__): dnspython's stub resolver and transports
cost about 0.1 s of start-up, which a command reading zone files (`--zones`) never uses (issue 14). The CLI
imports this package only when a command needs DNS (shells/common.py), so `--help` and argument errors stay fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from toolkit.resolvers.base import DnsAnswer, DnsStatus, Resolver, ZoneFileError, normalize_name

if TYPE_CHECKING:
    from toolkit.resolvers.caching import CachingResolver
    from toolkit.resolvers.live import LiveResolver
    from toolkit.resolvers.memory import MemoryResolver
    from toolkit.resolvers.zonefile import ZoneFileResolver

_LAZY = {
    "CachingResolver": "toolkit.resolvers.caching",
    "LiveResolver": "toolkit.resolvers.live",
    "MemoryResolver": "toolkit.resolvers.memory",
    "ZoneFileResolver": "toolkit.resolvers.zonefile",
}

__all__ = [
    "CachingResolver",
    "DnsAnswer",
    "DnsStatus",
    "LiveResolver",
    "MemoryResolver",
    "Resolver",
    "ZoneFileError",
    "ZoneFileResolver",
    "normalize_name",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once imported, a plain attribute
    return value

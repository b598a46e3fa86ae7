"""DNS resolvers: live (dnspython), zone files (offline), in-memory (tests), and a TTL cache around any of them.

Importing this package imports dnspython; the CLI imports it only when a command needs DNS (shells/common.py), so
`--help` and argument errors stay fast.
"""

from __future__ import annotations

from toolkit.resolvers.base import DnsAnswer, DnsStatus, Resolver, ZoneFileError, normalize_name
from toolkit.resolvers.caching import CachingResolver
from toolkit.resolvers.live import LiveResolver
from toolkit.resolvers.memory import MemoryResolver
from toolkit.resolvers.zonefile import ZoneFileResolver

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

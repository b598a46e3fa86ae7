"""In-memory resolver for tests: `{name: {rdtype: [values]}}`.

Values: A/AAAA/PTR/CNAME/NS are strings; TXT values are lists of strings (one list per record, or a plain
string for a one-string record); MX values are `[preference, host]`. The string "TIMEOUT" in place of a
list makes that type time out; "SERVFAIL" makes it fail. A `"*": "TIMEOUT"` entry makes every type not
listed time out. A name absent from the mapping is NXDOMAIN; a present name without the type is NODATA.
A CNAME entry is followed for other types (at most 8 steps).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from toolkit.core.dns import DnsAnswer, DnsStatus, Record, normalize_name

_FAULTS = ("TIMEOUT", "SERVFAIL")
_MAX_CNAME = 8


class MemoryResolver:
    local = True  # every answer comes from memory, never the network (resolvers/in_memory.py)

    def __init__(self, mapping: Mapping[str, Mapping[str, Any]], ttl: int = 300) -> None:
        self._data = {normalize_name(n): {t.upper(): v for t, v in types.items()} for n, types in mapping.items()}
        self._ttl = ttl
        self.queries: list[tuple[str, str]] = []  # what was asked, in order (tests read it)

    def query(self, name: str, rdtype: str) -> DnsAnswer:
        rdtype = rdtype.upper()
        qname = normalize_name(name)
        self.queries.append((qname, rdtype))
        chain: list[str] = []
        current = qname
        for _ in range(_MAX_CNAME + 1):
            types = self._data.get(current)
            if types is None:
                return self._answer(qname, rdtype, DnsStatus.NXDOMAIN, chain=chain)
            value = types.get(rdtype)
            if value is None:
                cname = types.get("CNAME")
                if rdtype != "CNAME" and isinstance(cname, str) and cname not in _FAULTS:
                    chain.append(current)
                    current = normalize_name(cname)
                    continue
                if cname in _FAULTS and rdtype != "CNAME":
                    value = cname
                elif types.get("*") in _FAULTS:
                    value = types["*"]
                else:
                    return self._answer(qname, rdtype, DnsStatus.NODATA, chain=chain)
            if isinstance(value, str) and value in _FAULTS:
                detail = "timeout" if value == "TIMEOUT" else "SERVFAIL"
                return self._answer(qname, rdtype, DnsStatus.TEMPFAIL, detail=detail, chain=chain)
            records = tuple(_record(rdtype, v) for v in (value if isinstance(value, list | tuple) else [value]))
            if rdtype == "TXT" and isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                # a flat list of strings is one record per string
                records = tuple((v.encode("utf-8"),) for v in value)
            if not records:
                return self._answer(qname, rdtype, DnsStatus.NODATA, chain=chain)
            return self._answer(qname, rdtype, DnsStatus.OK, records, chain=chain)
        return self._answer(qname, rdtype, DnsStatus.TEMPFAIL, detail="CNAME chain too long", chain=chain)

    def _answer(self, name, rdtype, status, records=(), detail="", chain=()) -> DnsAnswer:
        ttl = self._ttl if status is not DnsStatus.TEMPFAIL else 0
        return DnsAnswer(name, rdtype, status, tuple(records), ttl, "memory", detail, tuple(chain))


def _record(rdtype: str, value: Any) -> Record:
    if rdtype == "TXT":
        strings = [value] if isinstance(value, str | bytes) else list(value)
        return tuple(s.encode("utf-8") if isinstance(s, str) else bytes(s) for s in strings)
    if rdtype == "MX":
        preference, host = value
        return (int(preference), normalize_name(str(host)))
    if rdtype in ("CNAME", "PTR", "NS"):
        return normalize_name(str(value))
    return str(value)

"""The DNS vocabulary the core speaks: answers with a status, and the Resolver protocol.

Keeping NXDOMAIN, NODATA and TEMPFAIL apart is what lets SPF say none vs permerror vs temperror,
DKIM say "no key" vs temperror, and DMARC tell a missing record from a DNS outage.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


class DnsStatus(enum.Enum):
    OK = "OK"  # NOERROR with at least one record of the asked type
    NXDOMAIN = "NXDOMAIN"  # RCODE 3: the name does not exist
    NODATA = "NODATA"  # NOERROR, the name exists, no record of this type
    TEMPFAIL = "TEMPFAIL"  # timeout, SERVFAIL, REFUSED or any other RCODE


# Record shapes by type (what DnsAnswer.records holds):
#   A, AAAA, PTR, CNAME, NS: str (names lowercased, no trailing dot)
#   TXT: tuple[bytes, ...], the character-strings of one record, unjoined
#   MX: tuple[int, str], (preference, exchange)
Record = str | tuple[bytes, ...] | tuple[int, str]


def normalize_name(name: str) -> str:
    """Lowercase, no trailing dot: the one spelling of a name used in answers and caches."""
    return name.rstrip(".").lower()


@dataclass(frozen=True, slots=True)
class DnsAnswer:
    name: str
    rdtype: str
    status: DnsStatus
    records: tuple[Record, ...] = ()
    ttl: int = 0
    source: str = ""  # where the answer came from: "memory", "zone:<file>", "live:<server>", "cache:..."
    detail: str = ""  # why a TEMPFAIL happened ("timeout", "SERVFAIL", "REFUSED") or other notes
    cname_chain: tuple[str, ...] = field(default=())  # names followed to reach the answer

    @property
    def ok(self) -> bool:
        return self.status is DnsStatus.OK

    @property
    def is_void(self) -> bool:
        """RFC 7208 §4.6.4 void lookup: NXDOMAIN, or NOERROR with no answer."""
        return self.status in (DnsStatus.NXDOMAIN, DnsStatus.NODATA)

    def txt_joined(self) -> tuple[bytes, ...]:
        """Each TXT record's strings joined with nothing between them (DKIM-14, SPF-4, DMARC-2)."""
        return tuple(b"".join(r) for r in self.records if isinstance(r, tuple) and not (r and isinstance(r[0], int)))

    def to_json(self) -> dict:
        def rec(r: Record):
            if isinstance(r, tuple) and r and isinstance(r[0], bytes):
                return [s.decode("utf-8", "backslashreplace") for s in r]
            return list(r) if isinstance(r, tuple) else r

        out = {
            "name": self.name,
            "type": self.rdtype,
            "status": self.status.value,
            "records": [rec(r) for r in self.records],
            "ttl": self.ttl,
            "source": self.source,
        }
        if self.detail:
            out["detail"] = self.detail
        if self.cname_chain:
            out["cname_chain"] = list(self.cname_chain)
        return out


@runtime_checkable
class Resolver(Protocol):
    """One seam to DNS. query() never raises for DNS outcomes: timeouts are TEMPFAIL answers.

    Names are absolute (no search list); a trailing dot is optional.
    """

    def query(self, name: str, rdtype: str) -> DnsAnswer: ...

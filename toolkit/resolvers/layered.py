"""Zone files in front of live DNS: `--zones DIR --live`.

The zone files answer for the zones they hold (and for the names faults.txt names); every other name goes to the
live resolver. This lets a user try a record before publishing it: write `example.com.zone` with the new DMARC
record, and includes such as `amazonses.com` still come from the real DNS.

A CNAME inside the zone files that points outside them is followed into live DNS, so an Easy DKIM CNAME written
locally still reaches the ESP's key; the answer's `cname_chain` keeps both parts.
"""

from __future__ import annotations

from toolkit.core.dns import DnsAnswer, DnsStatus, Resolver, normalize_name
from toolkit.resolvers.zonefile import ZoneFileResolver, text_key

OUTSIDE = "outside every zone"


class LayeredResolver:
    def __init__(self, zones: ZoneFileResolver, live: Resolver) -> None:
        self.zones = zones
        self.live = live

    def _local(self, name: str) -> bool:
        key = text_key(name)
        if isinstance(key, str) or not key:
            return True  # a name that cannot exist: let the zone resolver say NXDOMAIN without a network trip
        return self.zones._zone_for(key) is not None or bool(self.zones.faults and self.zones._fault(key, "*"))

    def query(self, name: str, rdtype: str) -> DnsAnswer:
        if not self._local(name):
            return self.live.query(name, rdtype)
        answer = self.zones.query(name, rdtype)
        if answer.status is not DnsStatus.NXDOMAIN or answer.detail != OUTSIDE or not answer.cname_chain:
            return answer
        # the chain left the zone files: ask live DNS for the CNAME target
        target = self.zones.query(answer.cname_chain[-1], "CNAME")
        if not target.ok:
            return answer
        outside = self.live.query(str(target.records[0]), rdtype)
        return DnsAnswer(
            normalize_name(name),
            outside.rdtype,
            outside.status,
            outside.records,
            outside.ttl,
            outside.source,
            outside.detail,
            answer.cname_chain + outside.cname_chain,
        )

"""Offline DNS from a folder of RFC 1035 zone files, answering the way an authoritative server plus a recursive
resolver would.

Zone files: every `*.zone` file in the folder (not recursive). The origin is the first `$ORIGIN` in the file, or
else the file name without `.zone` (`example.com.zone` -> `example.com.`). Each zone needs an SOA and NS records at
its origin, so that knot (tests/support/knot.py) can serve the very same files. `$INCLUDE` is refused.

Answers (RFC 1034 §4.3.2, RFC 4592, RFC 2308):
- The zone with the longest origin that is a suffix of the name answers. A name under no zone is, by default,
  NXDOMAIN with detail "outside every zone": the folder is the whole DNS of an offline world, so a one-zone folder
  still gives DMARC's tree walk (`_dmarc.com`) a definite "no record". With `outside_zones="refused"` it is
  TEMPFAIL "REFUSED" instead, what an authoritative server such as knot says for a zone it does not serve (the
  live-vs-zone-file agreement tests use that).
- CNAMEs are followed across zones (at most 8 links; a loop is TEMPFAIL "CNAME loop"); `cname_chain` lists the
  owner names followed. A CNAME into no zone ends like a direct query for the target.
- Wildcards per RFC 4592: `*.<closest encloser>` answers only for names that do not exist; a name that exists,
  even as an empty non-terminal (`b.example.com` when only `a.b.example.com` has records), is NODATA instead.
- A name at or below a delegation (NS records below the origin) whose child zone has no file is TEMPFAIL
  "SERVFAIL", what a recursive resolver reports for a lame delegation.
- TTL: the smallest TTL of the records used; negative answers use min(SOA TTL, SOA MINIMUM) (RFC 2308 §5).
- TXT records keep their character-strings separate; `source` is "zone:<file name>".
- Names that cannot exist (empty label, label over 63 octets) are NXDOMAIN with a detail saying why.

Fault injection for tests: an optional `faults.txt` next to the zone files, one rule per line,
`<name> <TYPE|*> TIMEOUT|SERVFAIL|REFUSED`, `#` starts a comment. `*.example.com` as name matches every name below
example.com (at any depth), not example.com itself. An exact name beats a wildcard, and a type beats `*`. Rules are
checked before the zones (the name need not be in any zone) and at every step of a CNAME chain. TIMEOUT answers at
once (TEMPFAIL "timeout"); nothing sleeps. knot can reproduce only `<name> * SERVFAIL` for a name (see
tests/support/knot.py).

Errors in files raise ZoneFileError("<file>:<line>: <message>"), one line; a missing folder too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import dns.exception
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.zone

from toolkit.core.dns import DnsAnswer, DnsStatus, Record, normalize_name
from toolkit.resolvers.base import ZoneFileError
from toolkit.resolvers.records import MAX_CNAME, parse_name, parse_rdtype, records_from_rdataset

FAULTS_FILE = "faults.txt"
FAULT_KINDS = {"TIMEOUT": "timeout", "SERVFAIL": "SERVFAIL", "REFUSED": "REFUSED"}
_INCLUDE_LINE = re.compile(r"^\$INCLUDE\b", re.IGNORECASE | re.MULTILINE)
_CNAME = dns.rdatatype.CNAME
_NS = dns.rdatatype.NS
_SOA = dns.rdatatype.SOA


Key = tuple[bytes, ...]  # a name as lowercased labels, leftmost first, root label left out: parent = key[1:]


@dataclass(slots=True)
class Zone:
    """One zone flattened into dicts keyed by label tuples: lookups are plain dict hits, no dns.name objects."""

    origin: dns.name.Name
    key: Key
    filename: str
    data: dict[Key, dict[int, tuple[int, tuple[Record, ...]]]] = field(default_factory=dict)
    cnames: dict[Key, tuple[int, Key]] = field(default_factory=dict)
    existing: set[Key] = field(default_factory=set)  # owners plus empty non-terminals
    cuts: set[Key] = field(default_factory=set)  # delegation points below the origin
    negative_ttl: int = 0


def name_key(name: dns.name.Name) -> Key:
    return tuple(label.lower() for label in name.labels[:-1])  # bytes.lower(): ASCII only, as DNS compares


_PLAIN_LABEL = re.compile(r"[A-Za-z0-9_*-]{1,63}\Z")


def text_key(name: str) -> Key | str:
    """The key for a name as text, or why it cannot be a DNS name. Plain ASCII names skip dns.name (hot path)."""
    text = name.strip()
    text = text[:-1] if text.endswith(".") else text
    labels = text.split(".")
    if len(text) <= 253 and all(_PLAIN_LABEL.match(label) for label in labels):
        return tuple(label.lower().encode("ascii") for label in labels)
    parsed = parse_name(name)
    return parsed if isinstance(parsed, str) else name_key(parsed)


def key_text(key: Key) -> str:
    return normalize_name(dns.name.Name((*key, b"")).to_text())


def zone_origin(path: Path, text: str) -> str:
    """The origin, absolute, as text: a `$ORIGIN` that comes before any record, else the file name."""
    for line in text.splitlines():
        fields = line.split(";", 1)[0].split()
        if not fields or fields[0].upper() == "$TTL":
            continue
        if fields[0].upper() == "$ORIGIN" and len(fields) > 1:
            origin = fields[1]
            return origin if origin.endswith(".") else origin + "."
        break
    origin = path.name.removesuffix(".zone")
    return origin if origin.endswith(".") else origin + "."


def zone_files(directory: Path | str) -> list[Path]:
    folder = Path(directory)
    if not folder.is_dir():
        raise ZoneFileError(f"{folder}: not a directory of zone files")
    return sorted(p for p in folder.glob("*.zone") if p.is_file())


def load_zone(path: Path) -> Zone:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ZoneFileError(f"{path.name}: cannot read: {exc}") from None
    if match := _INCLUDE_LINE.search(text):
        raise ZoneFileError(f"{path.name}:{text.count(chr(10), 0, match.start()) + 1}: $INCLUDE is not supported")
    origin_text = zone_origin(path, text)
    try:
        origin = dns.name.from_text(origin_text)
        parsed = dns.zone.from_text(text, origin=origin, relativize=False, filename=path.name)
    except dns.zone.NoSOA:
        raise ZoneFileError(f"{path.name}: no SOA record at the zone origin {origin_text}") from None
    except dns.zone.NoNS:
        raise ZoneFileError(f"{path.name}: no NS records at the zone origin {origin_text}") from None
    except (dns.exception.DNSException, ValueError, UnicodeError) as exc:
        raise ZoneFileError(_locate_error(path.name, text, origin_text, exc)) from None

    zone = Zone(origin=origin, key=name_key(origin), filename=path.name)
    for owner_name, node in parsed.nodes.items():
        owner = name_key(owner_name)
        types = zone.data.setdefault(owner, {})
        for rdataset in node.rdatasets:
            types[rdataset.rdtype] = (rdataset.ttl, records_from_rdataset(rdataset))
            if rdataset.rdtype == _CNAME:
                zone.cnames[owner] = (rdataset.ttl, name_key(rdataset[0].target))
            elif rdataset.rdtype == _NS and owner != zone.key:
                zone.cuts.add(owner)
        name = owner
        while name not in zone.existing and name != zone.key:  # the owner and every empty non-terminal above it
            zone.existing.add(name)
            name = name[1:]
    zone.existing.add(zone.key)
    soa = parsed.nodes[origin].get_rdataset(dns.rdataclass.IN, _SOA)
    zone.negative_ttl = min(soa.ttl, soa[0].minimum)
    return zone


def _locate_error(filename: str, text: str, origin: str, exc: Exception) -> str:
    """'file:line: message (in: <line text>)'. dnspython counts the line after a record that ended at a newline, and
    names no line for some errors (CNAME and other data): confirm or find the line by parsing shorter prefixes."""
    message = str(exc)
    lines = text.splitlines(keepends=True)
    reported = re.match(rf"{re.escape(filename)}:(\d+): (.*)", message, re.DOTALL)

    def failure_within(count: int) -> str | None:
        """The error (location stripped) parsing only the first `count` lines gives, if of the same kind."""
        try:
            dns.zone.from_text("".join(lines[:count]), origin=origin, relativize=False, check_origin=False)
        except (dns.exception.DNSException, ValueError, UnicodeError) as again:
            return re.sub(r"^[^:]*:\d+: ", "", str(again)) if type(again) is type(exc) else None
        return None

    if reported:
        line, message = int(reported.group(1)), reported.group(2)
        if line > 1 and failure_within(line - 1) == message:
            line -= 1
    else:  # binary search for the shortest failing prefix
        low, high = 1, len(lines)
        while low < high:
            middle = (low + high) // 2
            if failure_within(middle) is not None:
                high = middle
            else:
                low = middle + 1
        line = low
    message = message.strip().rstrip(".") or "syntax error"
    snippet = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return f"{filename}:{line}: {message}" + (f" (in: {snippet[:80]})" if snippet else "")


def load_faults(path: Path) -> dict[tuple[str, str], str]:
    """faults.txt -> {(name, TYPE or "*"): detail}."""
    rules: dict[tuple[str, str], str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fields = raw.split("#", 1)[0].split()
        if not fields:
            continue
        where = f"{path.name}:{number}"
        if len(fields) != 3:
            raise ZoneFileError(f"{where}: expected '<name> <TYPE|*> TIMEOUT|SERVFAIL|REFUSED', got {raw.strip()!r}")
        name, rdtype, kind = fields[0], fields[1].upper(), fields[2].upper()
        if kind not in FAULT_KINDS:
            raise ZoneFileError(f"{where}: unknown fault {fields[2]!r} (TIMEOUT, SERVFAIL or REFUSED)")
        if rdtype != "*" and parse_rdtype(rdtype) is None:
            raise ZoneFileError(f"{where}: unknown record type {fields[1]!r}")
        plain = name[2:] if name.startswith("*.") else name
        if isinstance(parse_name(plain), str):
            raise ZoneFileError(f"{where}: bad name {name!r}")
        rules[(normalize_name(name), rdtype)] = FAULT_KINDS[kind]
    return rules


class ZoneFileResolver:
    local = True  # every answer comes from memory, never the network (resolvers/in_memory.py)

    def __init__(self, directory: Path | str, *, outside_zones: str = "nxdomain") -> None:
        if outside_zones not in ("nxdomain", "refused"):
            raise ValueError("outside_zones must be 'nxdomain' or 'refused'")
        self.directory = Path(directory)
        self.outside_refused = outside_zones == "refused"
        self.zones: dict[Key, Zone] = {}
        for path in zone_files(self.directory):
            zone = load_zone(path)
            if zone.key in self.zones:
                other = self.zones[zone.key].filename
                raise ZoneFileError(f"{path.name}: zone {zone.origin} is already loaded from {other}")
            self.zones[zone.key] = zone
        faults = self.directory / FAULTS_FILE
        rules = load_faults(faults) if faults.is_file() else {}
        self.faults: dict[tuple[Key, str], str] = {}
        for (name, rdtype), detail in rules.items():
            key = text_key(name)
            assert not isinstance(key, str)  # load_faults checked the name
            self.faults[(key, rdtype)] = detail

    def query(self, name: str, rdtype: str) -> DnsAnswer:
        rdtype = rdtype.upper()
        shown = normalize_name(name)
        qkey = text_key(name)
        if isinstance(qkey, str) or not qkey:
            detail = qkey if isinstance(qkey, str) else "empty name"
            return DnsAnswer(shown, rdtype, DnsStatus.NXDOMAIN, source="zone", detail=detail)
        rdt = parse_rdtype(rdtype)
        if rdt is None:
            return DnsAnswer(shown, rdtype, DnsStatus.TEMPFAIL, source="zone", detail=f"unknown type {rdtype}")

        chain: list[str] = []
        seen = {qkey}
        ttl: int | None = None
        current = qkey
        while True:
            fault = self._fault(current, rdtype) if self.faults else ""
            if fault:
                return DnsAnswer(shown, rdtype, DnsStatus.TEMPFAIL, (), 0, f"zone:{FAULTS_FILE}", fault, tuple(chain))
            zone = self._zone_for(current)
            if zone is None:
                if self.outside_refused:
                    return DnsAnswer(shown, rdtype, DnsStatus.TEMPFAIL, (), 0, "zone", "REFUSED", tuple(chain))
                return DnsAnswer(shown, rdtype, DnsStatus.NXDOMAIN, (), 0, "zone", "outside every zone", tuple(chain))
            source = f"zone:{zone.filename}"
            if zone.cuts and _delegated(zone, current):
                return DnsAnswer(shown, rdtype, DnsStatus.TEMPFAIL, (), 0, source, "SERVFAIL", tuple(chain))

            owner = current
            if current not in zone.existing:
                owner = _wildcard_source(zone, current)
                if owner is None:
                    ttl = _min(ttl, zone.negative_ttl)
                    return DnsAnswer(shown, rdtype, DnsStatus.NXDOMAIN, (), ttl, source, "", tuple(chain))
            types = zone.data.get(owner, {})
            if rdt in types:
                rr_ttl, records = types[rdt]
                return DnsAnswer(shown, rdtype, DnsStatus.OK, records, _min(ttl, rr_ttl), source, "", tuple(chain))
            if owner in zone.cnames and rdt != _CNAME:
                cname_ttl, target = zone.cnames[owner]
                chain.append(shown if current is qkey else key_text(current))
                ttl = _min(ttl, cname_ttl)
                if target in seen or len(chain) > MAX_CNAME:
                    detail = "CNAME loop" if target in seen else "CNAME chain too long"
                    return DnsAnswer(shown, rdtype, DnsStatus.TEMPFAIL, (), 0, source, detail, tuple(chain))
                seen.add(target)
                current = target
                continue
            ttl = _min(ttl, zone.negative_ttl)
            return DnsAnswer(shown, rdtype, DnsStatus.NODATA, (), ttl, source, "", tuple(chain))

    def _zone_for(self, key: Key) -> Zone | None:
        for start in range(len(key) + 1):  # longest suffix first; the last try is the root, ()
            zone = self.zones.get(key[start:])
            if zone is not None:
                return zone
        return None

    def _fault(self, key: Key, rdtype: str) -> str:
        """Exact name (type, then '*'), then '*.<ancestor>' from the closest ancestor up (type, then '*')."""
        faults = self.faults
        for rule in ((key, rdtype), (key, "*")):
            if rule in faults:
                return faults[rule]
        for start in range(1, len(key) + 1):
            wildcard = (b"*", *key[start:])
            for rule in ((wildcard, rdtype), (wildcard, "*")):
                if rule in faults:
                    return faults[rule]
        return ""


def _delegated(zone: Zone, key: Key) -> bool:
    return any(key[start:] in zone.cuts for start in range(len(key) - len(zone.key)))


def _wildcard_source(zone: Zone, key: Key) -> Key | None:
    """RFC 4592 §3.3.1: '*.' + the closest encloser, if that wildcard exists; None means NXDOMAIN."""
    encloser = key[1:]
    while encloser not in zone.existing:
        encloser = encloser[1:]
    wildcard = (b"*", *encloser)
    return wildcard if wildcard in zone.existing else None


def _min(a: int | None, b: int) -> int:
    return b if a is None else min(a, b)

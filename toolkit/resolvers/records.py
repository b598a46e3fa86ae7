"""dnspython's names, types and rdata in the shapes toolkit.core.dns documents: shared by the live and the zone-file
resolvers. Its own module so that reading zone files does not import dnspython's stub resolver and transports
(dns.resolver, dns.query: about 0.1 s of start-up that `--zones` never uses, issue 14)."""

from __future__ import annotations

import functools

import dns.exception
import dns.name
import dns.rdata
import dns.rdataset
import dns.rdatatype

from toolkit.core.dns import Record, normalize_name

MAX_CNAME = 8


def record_from_rdata(rdtype: int, rdata: dns.rdata.Rdata) -> Record:
    """One rdata in the shapes toolkit.core.dns documents (TXT strings stay separate, names lowercased)."""
    if rdtype == dns.rdatatype.TXT:
        return tuple(bytes(s) for s in rdata.strings)  # type: ignore[attr-defined]
    if rdtype == dns.rdatatype.MX:
        return (int(rdata.preference), normalize_name(rdata.exchange.to_text()))  # type: ignore[attr-defined]
    if rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
        return str(rdata.address)  # type: ignore[attr-defined]
    if rdtype in (dns.rdatatype.CNAME, dns.rdatatype.NS, dns.rdatatype.PTR):
        return normalize_name(rdata.target.to_text())  # type: ignore[attr-defined]
    return rdata.to_text()


def records_from_rdataset(rdataset: dns.rdataset.Rdataset) -> tuple[Record, ...]:
    return tuple(record_from_rdata(rdataset.rdtype, rd) for rd in rdataset)


def parse_name(name: str) -> dns.name.Name | str:
    """The absolute dnspython name for `name`, or a one-line reason why it cannot be a DNS name."""
    text = name.strip()
    if not text or text == ".":
        return "empty name"
    try:
        return dns.name.from_text(text if text.endswith(".") else text + ".")
    except (dns.exception.DNSException, UnicodeError, ValueError) as exc:
        return f"invalid name: {exc}"


@functools.lru_cache(maxsize=256)
def parse_rdtype(rdtype: str) -> int | None:
    try:
        return dns.rdatatype.from_text(rdtype.upper())
    except (dns.exception.DNSException, ValueError):
        return None

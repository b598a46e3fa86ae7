"""The resolver seam. The protocol and answer types live in the pure core (toolkit.core.dns)."""

from toolkit.core.dns import DnsAnswer, DnsStatus, Record, Resolver, normalize_name

__all__ = ["DnsAnswer", "DnsStatus", "Record", "Resolver", "normalize_name"]

"""The Resolver seam, re-exported from toolkit.core.dns (the core consumes answers and may not import this package),
and the one error of this ring: a zone folder the caller pointed at is unusable."""

from toolkit.core.dns import DnsAnswer, DnsStatus, Record, Resolver, normalize_name
from toolkit.core.errors import ToolkitError

__all__ = ["DnsAnswer", "DnsStatus", "Record", "Resolver", "ZoneFileError", "normalize_name"]


class ZoneFileError(ToolkitError):
    """A zone folder or file cannot be used: one line, `<file>:<line>: <message>` where a line is known."""

"""Public SPF API: `from toolkit.spf import check_host`.

The core (toolkit.core.spf) reads no clock; these wrappers supply the wall clock for the SPF-14 time budget
and the `%{t}` macro when the caller does not pass one.
"""

from __future__ import annotations

import time
from typing import Any

from toolkit.core import spf as _core
from toolkit.core.dns import Resolver
from toolkit.core.spf import (
    DEFAULT_MAX_VOID,
    DEFAULT_TIME_BUDGET,
    LedgerEntry,
    SpfReason,
    SpfResult,
    domain_problem,
)

__all__ = [
    "DEFAULT_MAX_VOID",
    "DEFAULT_TIME_BUDGET",
    "LedgerEntry",
    "SpfReason",
    "SpfResult",
    "check_host",
    "check_identities",
    "domain_problem",
]


def _with_clock(options: dict[str, Any]) -> dict[str, Any]:
    if options.get("clock") is None:
        options["clock"] = time.monotonic
    if options.get("now") is None:
        options["now"] = int(time.time())
    return options


def check_host(ip: str, domain: str, sender: str, helo: str = "", resolver: Resolver | None = None, **options: Any):
    """toolkit.core.spf.check_host with the wall clock as the default clock (SPF-14 time budget)."""
    return _core.check_host(ip, domain, sender, helo, resolver, **_with_clock(options))


def check_identities(ip: str, mail_from: str, helo: str, resolver: Resolver, **options: Any):
    """toolkit.core.spf.check_identities (SPF-1) with the wall clock as the default clock."""
    return _core.check_identities(ip, mail_from, helo, resolver, **_with_clock(options))

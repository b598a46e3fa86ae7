"""Helpers every command shares: DNS options, reading inputs, one-line errors."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from toolkit.core.dns import Resolver
from toolkit.core.errors import UsageError


def add_dns_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("DNS")
    group.add_argument("--zones", metavar="DIR", type=Path, help="answer from a folder of zone files (offline)")
    group.add_argument(
        "--nameserver", metavar="HOST:PORT", action="append", help="ask this DNS server (repeatable); default: system"
    )
    if "--live" not in parser._option_string_actions:  # walkthrough has its own --live (live instead of samples)
        group.add_argument(
            "--live",
            dest="zones_then_live",
            action="store_true",
            help="with --zones: names outside the zone files go to live DNS (try a record before publishing it)",
        )
    group.add_argument(
        "--dns-timeout", type=positive_seconds, default=5.0, metavar="SECONDS", help="per-query timeout (5)"
    )


def positive_seconds(text: str) -> float:
    """argparse type: a finite number of seconds above zero (rejects -1, 0, nan, inf)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"want a number of seconds above 0, not {text!r}")
    return value


MAX_EPOCH = 10**12 - 1  # DKIM t= and x= hold at most 12 digits (RFC 6376 3.5)


def epoch(text: str) -> int:
    """argparse type for --now: Unix seconds, 0 to 12 digits (a negative or huge clock is a typo, not a time)."""
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_EPOCH:
        raise argparse.ArgumentTypeError(f"want Unix seconds from 0 to {MAX_EPOCH}, not {text!r}")
    return int(text)


def parse_hostport(text: str, default_port: int = 53) -> tuple[str, int]:
    """'127.0.0.1:5353', '[::1]:53', '::1', 'ns.example' -> (host, port)."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.lstrip(":") or str(default_port)
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, str(default_port)
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"bad HOST:PORT {text!r}")
    return host, int(port)


def resolver_from_args(args: argparse.Namespace) -> Resolver:
    from toolkit.resolvers import CachingResolver, LiveResolver, ZoneFileResolver

    zones, nameservers, live = (
        getattr(args, "zones", None),
        getattr(args, "nameserver", None),
        getattr(args, "zones_then_live", False),
    )
    if live and zones is None:
        raise UsageError("--live goes with --zones DIR (zone files first, live DNS for every other name)")
    if zones is not None and nameservers and not live:
        raise UsageError("--zones and --nameserver: pick one, or add --live to send names outside the zones there")
    timeout = getattr(args, "dns_timeout", 5.0)
    if zones is not None and not live:
        return CachingResolver(ZoneFileResolver(zones))
    if nameservers:
        inner: Resolver = LiveResolver(nameservers=[parse_hostport(n) for n in nameservers], timeout=timeout)
    else:
        inner = LiveResolver(timeout=timeout)
    if zones is not None:
        from toolkit.resolvers.layered import LayeredResolver

        inner = LayeredResolver(ZoneFileResolver(zones), inner)
    return CachingResolver(inner)


def read_input(path: str) -> bytes:
    """Read a file, or standard input for '-'. Errors become one-line UsageErrors."""
    try:
        if path == "-":
            if sys.stdin is None:  # started with standard input closed (<&-)
                raise UsageError("cannot read standard input: it is closed")
            return sys.stdin.buffer.read()
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {'standard input' if path == '-' else path}: {exc.strerror or exc}") from None


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)

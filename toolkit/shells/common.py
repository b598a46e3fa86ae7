"""Helpers every command shares: DNS options, reading inputs, one-line errors."""

from __future__ import annotations

import argparse
import io
import math
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from toolkit.core.dns import Resolver
from toolkit.core.errors import KeyFileError, ToolkitError

if TYPE_CHECKING:
    from toolkit.core.dkim.signtable import SigningTable


class UsageError(ToolkitError):
    """A bad command line or an input the command cannot read: one line on stderr, exit 2 (the CLI's error)."""


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
    if not host or not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536:
        raise UsageError(f"bad HOST:PORT {text!r}")
    return host, int(port)


def resolver_from_args(args: argparse.Namespace) -> Resolver:
    from toolkit.resolvers import CachingResolver, ZoneFileResolver

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
    from toolkit.resolvers.live import LiveResolver  # only here: dnspython's transports cost ~0.1 s of start-up

    if nameservers:
        inner: Resolver = LiveResolver(nameservers=[parse_hostport(n) for n in nameservers], timeout=timeout)
    else:
        inner = LiveResolver(timeout=timeout)
    if zones is not None:
        from toolkit.resolvers.layered import LayeredResolver

        inner = LayeredResolver(ZoneFileResolver(zones), inner)
    return CachingResolver(inner)


MAX_MESSAGE_BYTES = 256 * 2**20  # [ours] --max-size default for a message (or an mbox) read from a file or stdin
_CHUNK = 2**20
_SIZE = re.compile(r"([0-9]{1,15})([KMG]?)(?:i?B)?", re.IGNORECASE)


def byte_size(text: str) -> int:
    """argparse type for --max-size: bytes, or with a K, M or G suffix (powers of 1024): 1048576, 256M, 1G."""
    found = _SIZE.fullmatch(text.strip())
    if not found or int(found.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"want a size above 0 like 1048576, 256M or 1G, not {text!r}")
    return int(found.group(1)) * 1024 ** " KMG".index(found.group(2).upper() or " ")


def read_limited(handle: BinaryIO, limit: int, name: str, flag: str = "--max-size") -> bytes:
    """Read to the end, but stop as soon as more than `limit` bytes came: /dev/zero ends in one line, not a
    MemoryError. Chunks go into a BytesIO, whose getvalue() hands its buffer over without a second copy."""
    out = io.BytesIO()
    while True:
        chunk = handle.read(min(_CHUNK, limit + 1 - out.tell()))
        if not chunk:
            return out.getvalue()
        out.write(chunk)
        if out.tell() > limit:
            raise too_large(name, limit, flag)


def too_large(name: str, limit: int, flag: str = "--max-size") -> UsageError:
    hint = f" (raise it with {flag})" if flag else ""
    return UsageError(f"{name} is larger than {limit} bytes{hint}; not read")


def read_input(path: str, limit: int = MAX_MESSAGE_BYTES, flag: str = "--max-size") -> bytes:
    """Read a file, or standard input for '-', at most `limit` bytes. Errors become one-line UsageErrors."""
    name = "standard input" if path == "-" else path
    try:
        if path == "-":
            if sys.stdin is None:  # started with standard input closed (<&-)
                raise UsageError("cannot read standard input: it is closed")
            return read_limited(sys.stdin.buffer, limit, name, flag)
        with open(path, "rb") as handle:
            return read_limited(handle, limit, name, flag)
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror or exc}") from None


def read_key_file(path: str | Path) -> bytes:
    """A key file, at most MAX_KEY_BYTES (1 MiB): a device or a hostile PEM is refused in one line."""
    from toolkit.core.dkim.keys import MAX_KEY_BYTES

    try:
        with open(path, "rb") as handle:
            return read_limited(handle, MAX_KEY_BYTES, f"key {path}", flag="")
    except OSError as exc:
        raise KeyFileError(f"cannot read key {path}: {exc.strerror or exc}") from None
    except UsageError:
        raise KeyFileError(f"{path}: over {MAX_KEY_BYTES} bytes, not a key file") from None


class BlockWriter:
    """Output of a batch, handed to `stream` in blocks of at least 64 KiB: one write syscall per block, not two per
    message, even when standard output is unbuffered (PYTHONUNBUFFERED or -u, common in containers; then
    sys.stdout.buffer is the raw file and each write was a syscall)."""

    BLOCK = 1 << 16

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.pending: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> None:
        self.pending.append(data)
        self.size += len(data)
        if self.size >= self.BLOCK:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            data = b"".join(self.pending)
            self.pending.clear()
            self.size = 0
            self.stream.write(data)
        self.stream.flush()


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def default_authserv_id() -> str:
    """This host's name (AR-2: the id names the host that did the checks), or `localhost` if it is not a name."""
    import socket

    from toolkit.core import arheader

    name = socket.getfqdn().lower().rstrip(".")
    try:
        arheader.build_field(name)
    except ValueError:
        return "localhost"
    return name


MAX_TABLE_BYTES = 16 * 2**20  # a signing table of ~200,000 lines; /dev/zero ends in one line (issue 15)


def load_signing_table(path: Path) -> SigningTable:
    """A signing table file, read with a size cap (sign-eml, the milter and the pipeline)."""
    from toolkit.core.dkim.signtable import SigningTable

    try:
        with path.open("rb") as handle:
            text = read_limited(handle, MAX_TABLE_BYTES, f"signing table {path}", flag="").decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read signing table {path}: {getattr(exc, 'strerror', None) or exc}") from None
    return SigningTable.parse(text, base_dir=path.parent, source=str(path))

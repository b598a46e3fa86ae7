"""`sign-eml --arc-seal`: verify a message as received, then add one ARC set (RFC 8617 §5.1; ARC-4).

The AAR records our own verdicts (arc first, then spf, dkim and dmarc as our Authentication-Results writes them,
ARC-1); the cv= comes from the chain as we verified it. A message that gets no new set (its chain already says
cv=fail, or it holds 50 sets) passes through unchanged with a one-line warning: a message is never lost.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from toolkit.shells.common import UsageError, warn

if TYPE_CHECKING:
    from toolkit.core.arc.seal import SealConfig
    from toolkit.core.dns import Resolver

# The verifier and the sealer are imported where they are used: sign-eml without --arc-seal loads neither (their
# imports were a third of its start-up, issue 14).


def add_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("ARC sealing (instead of DKIM signing; RFC 8617)")
    group.add_argument(
        "--arc-seal", action="store_true", help="verify, then add an ARC set (AAR, AMS, AS) with one --domain/--key"
    )
    group.add_argument("--authserv-id", metavar="ID", help="our authserv-id in the AAR (required with --arc-seal)")
    group.add_argument("--ip", help="client IP address of the SMTP session we received the message in")
    group.add_argument("--helo", help="HELO/EHLO name of that session")
    group.add_argument("--mail-from", help="MAIL FROM of that session; '' (empty) is the null sender <>")


def sealer(args: argparse.Namespace, load_key: Callable[[str], Any]) -> SealConfig:
    from toolkit.core.arc.seal import SealConfig

    if args.sign_table or len(args.domain) != 1 or len(args.selector) != 1 or len(args.key) != 1:
        raise UsageError("--arc-seal takes exactly one --domain, --selector and --key (no --sign-table)")
    if not args.authserv_id:
        raise UsageError("--arc-seal needs --authserv-id (our host name, written in the AAR)")
    key = load_key(args.key[0])
    if key.key_type == "ed25519":
        warn("ARC with Ed25519: RFC 8617 names only rsa-sha256; Mail::DKIM and dkimpy will not validate this seal")
    headers = [n for n in (args.headers or "").replace(",", ":").split(":") if n.strip()] or None
    oversign = None if args.oversign is None else [n for n in args.oversign.replace(",", ":").split(":") if n]
    return SealConfig(
        args.domain[0],
        args.selector[0],
        key,
        args.authserv_id,
        algorithm=args.algorithm[0] if args.algorithm else None,
        canon=args.canon[0] if args.canon else "relaxed/relaxed",
        headers=headers,
        oversign=oversign,
    )


def seal_one(raw: bytes, name: str, config: SealConfig, args: argparse.Namespace, resolver: Resolver, now: int):
    """The message with a new ARC set on top (CRLF line endings), or unchanged when no set may be added."""
    from toolkit.core import arheader
    from toolkit.core.arc import verify as arc_verify
    from toolkit.core.arc.seal import SealRefused, seal
    from toolkit.core.message import parse_message
    from toolkit.core.verify import ALL_CHECKS, SmtpContext, VerifyOptions, verify_message

    message = parse_message(raw)
    context = SmtpContext(args.ip, args.helo, args.mail_from)
    checks = ALL_CHECKS if args.ip else tuple(c for c in ALL_CHECKS if c != "spf")
    options = VerifyOptions(authserv_id=config.authserv_id, checks=checks, clock=time.monotonic)
    report = verify_message(message, context, resolver, now, options)
    chain = report.arc if report.arc is not None else arc_verify(message, resolver, now, time.monotonic)
    # ARC-1: one AAR holds all our results; arc= first, for the chain as we found it
    found = [chain.ar_entry(args.ip)] + report.ar_entries(skip=("arc",))
    results = "; ".join(arheader.format_entry(entry) for entry in found)
    try:
        sealed = seal(message, config, results, chain, now)
    except SealRefused as exc:
        warn(f"{name}: {exc}; passed through unchanged")
        return message.raw
    return b"".join(sealed.fields) + message.raw

"""`emlauth milter` (Postfix/Sendmail milter) and `emlauth pipeline` (embedded SMTP server), both on hooks/.

Modes, as OpenDKIM's: without --sign-table, every message is verified (SPF, DKIM, DMARC; our
Authentication-Results on top, forged ones with our authserv-id removed). With it, mail from --internal-hosts is
signed and not verified (it is ours, and an A-R written before our signature exists would say dmarc=fail on top of
it), and everyone else's is verified and never signed: both jobs in one process. --no-verify signs only.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from pathlib import Path

from toolkit.shells.common import (
    UsageError,
    add_dns_options,
    default_authserv_id,
    epoch,
    load_signing_table,
    parse_hostport,
    positive_seconds,
    resolver_from_args,
)
from toolkit.shells.hooks import ChainHandler, DmarcAction, Handler, SignHandler, VerifyHandler
from toolkit.shells.peers import LOOPBACK, parse_networks
from toolkit.shells.server_limits import (
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_MESSAGE_SIZE,
    install_rate_limit,
    parse_size,
)

MODES = """\
modes (as OpenDKIM's): no --sign-table: verify everything. --sign-table: sign mail from --internal-hosts,
verify everyone else's. --no-verify: sign only.

signing table (--sign-table FILE), one signature per line; key paths relative to the table's folder:
  <pattern>        <d=domain>       <selector>  <key file>          [algorithm= canon= expire= identity=]
  example.com      d=example.com    rsa2026     example.com.pem
  example.com      d=example.com    ed2026      example.com.ed25519.pem    (a second signature, DKIM-33)
  *.example.com    d=example.com    rsa2026     example.com.pem            (any subdomain)
  *@example.org    d=example.org    s1          example.org.pem            (OpenDKIM spelling of example.org)
  *                d=relay.example.net relay    relay.pem                  (every other domain)
the most specific pattern wins: exact, then the longest *., then *.
"""

MILTER_EPILOG = (
    MODES
    + """\

Postfix main.cf:
  smtpd_milters = inet:127.0.0.1:8891
  non_smtpd_milters = $smtpd_milters
  milter_default_action = tempfail

example:
  emlauth milter --listen inet:127.0.0.1:8891 --authserv-id mx.example.net --sign-table /etc/emlauth/signing.table
"""
)

PIPELINE_EPILOG = (
    MODES
    + """\

example (deliver into a Maildir; tests play remote senders with XCLIENT ADDR=192.0.2.1 HELO=...):
  emlauth pipeline --listen 127.0.0.1:2525 --maildir ./Maildir --zones samples/zones --authserv-id mx.example.net
"""
)


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add_dns_options(parser)
    group = parser.add_argument_group("filtering")
    group.add_argument(
        "--authserv-id", metavar="ID", help="our authserv-id in Authentication-Results (this host's name)"
    )
    group.add_argument(
        "--sign-table", type=Path, metavar="FILE", help="DKIM-sign mail from the domains in this table (format below)"
    )
    group.add_argument(
        "--internal-hosts",
        default="127.0.0.0/8,::1/128",
        metavar="CIDR,...",
        help="with --sign-table, mail from these networks is signed and not verified; decided on the final client "
        "address, after PROXY and XCLIENT (127.0.0.0/8,::1/128)",
    )
    group.add_argument("--no-verify", action="store_true", help="only sign (needs --sign-table)")
    group.add_argument(
        "--on-error",
        choices=("tempfail", "accept"),
        default="tempfail",
        help="answer when a check fails internally or times out (tempfail)",
    )
    dmarc = group.add_mutually_exclusive_group()
    dmarc.add_argument(
        "--reject-on-dmarc",
        action="store_true",
        help="reject DMARC failures under p=reject, quarantine those under p=quarantine (off by default, DMARC-11)",
    )
    dmarc.add_argument(
        "--quarantine-on-dmarc", action="store_true", help="quarantine DMARC failures under p=quarantine or p=reject"
    )
    group.add_argument(
        "--checks",
        metavar="LIST",
        help="comma-separated subset of spf,dkim,arc,dmarc (default: all); 'dkim' alone works like OpenDKIM's verifier",
    )
    group.add_argument("--keep-forged", action="store_true", help="keep A-R fields that carry our authserv-id")
    group.add_argument("--record", metavar="URL", help="store one row per verified message for DMARC reports")
    group.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="per-stage time limit (60)")
    limits = parser.add_argument_group("limits")
    limits.add_argument(
        "--max-message-size",
        type=parse_size,
        default=DEFAULT_MAX_MESSAGE_SIZE,
        metavar="SIZE",
        help="larger messages are answered by --on-error without being kept (64M)",
    )
    limits.add_argument(
        "--idle-timeout",
        type=positive_seconds,
        default=DEFAULT_IDLE_TIMEOUT,
        metavar="SECONDS",
        help=f"close a connection silent this long ({DEFAULT_IDLE_TIMEOUT:.0f})",
    )
    limits.add_argument(
        "--max-connections",
        type=int,
        default=DEFAULT_MAX_CONNECTIONS,
        metavar="N",
        help=f"refuse connections past this many open ones; lowered to fit the file limit ({DEFAULT_MAX_CONNECTIONS})",
    )
    group.add_argument("--now", type=epoch, metavar="EPOCH", help="fixed clock for tests (default: the real time)")
    group.add_argument("--verbose", "-v", action="store_true", help="log each connection")


def register(subparsers: argparse._SubParsersAction) -> None:
    milter = subparsers.add_parser(
        "milter",
        help="run as a milter for Postfix/Sendmail (verify, sign)",
        description="Milter (Sendmail milter protocol v6) that verifies SPF/DKIM/DMARC and DKIM-signs.",
        epilog=MILTER_EPILOG,
    )
    milter.add_argument("--listen", required=True, metavar="inet:HOST:PORT|unix:PATH")
    _common_options(milter)
    milter.add_argument("--workers", type=int, default=16, help="threads for verify/sign work (16)")
    milter.add_argument(
        "--processes",
        type=int,
        default=1,
        metavar="N",
        help="worker processes sharing the listening socket, 0 = one per core (1); see README, Throughput",
    )
    milter.add_argument(
        "--allow",
        nargs="+",
        default=list(LOOPBACK),
        metavar="CIDR",
        help="MTA peers served; others are refused before any packet, since whoever speaks milter names the client "
        "(loopback)",
    )
    milter.set_defaults(func=run_milter)

    pipeline = subparsers.add_parser(
        "pipeline",
        help="run an SMTP server that verifies/signs and delivers to a Maildir or relays",
        description="Embedded SMTP pipeline (aiosmtpd) driving the same hooks as the milter.",
        epilog=PIPELINE_EPILOG,
    )
    pipeline.add_argument("--listen", default="127.0.0.1:2525", metavar="HOST:PORT")
    target = pipeline.add_mutually_exclusive_group(required=True)
    target.add_argument("--maildir", type=Path, metavar="DIR", help="deliver into this Maildir")
    target.add_argument("--relay", metavar="HOST:PORT", help="relay to this next hop")
    trust = pipeline.add_argument_group("trust boundaries (see README, Security model)")
    trust.add_argument(
        "--proxy-from",
        nargs="+",
        default=[],
        metavar="CIDR",
        help="proxies allowed to send a PROXY v1 header; with it, every connection must start with one and its "
        "source address is the client (off)",
    )
    trust.add_argument(
        "--xclient-from",
        nargs="+",
        default=list(LOOPBACK),
        metavar="CIDR",
        help="peers allowed to use XCLIENT ('none' for nobody); never honoured on a proxied connection (loopback)",
    )
    _common_options(pipeline)
    pipeline.set_defaults(func=run_pipeline)


def build_handler(args: argparse.Namespace) -> Handler:
    from toolkit.core import arheader

    args.authserv_id = args.authserv_id or default_authserv_id()
    networks = [n.strip() for n in args.internal_hosts.split(",") if n.strip()]
    try:
        arheader.build_field(args.authserv_id)  # the same check as verify-eml: a bad id fails now, not per message
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not 0 < args.timeout < float("inf"):  # also refuses nan
        raise UsageError("--timeout takes a finite number of seconds above 0")
    clock = (lambda: float(args.now)) if args.now is not None else None
    handlers: list[Handler] = []
    if not args.no_verify:
        action = DmarcAction.NONE
        if args.reject_on_dmarc:
            action = DmarcAction.REJECT
        elif args.quarantine_on_dmarc:
            action = DmarcAction.QUARANTINE
        handlers.append(
            VerifyHandler(
                resolver_from_args(args),
                args.authserv_id,
                clock=clock,
                dmarc_action=action,
                strip_forged=not args.keep_forged,
                checks=_checks(args.checks),
                sign_hosts=networks if args.sign_table is not None else None,  # theirs signed, not verified
            )
        )
        if args.record:  # wraps the verifier, so rejected mail is recorded too
            from toolkit.shells.record import Recorder, RecordHandler

            handlers[-1] = RecordHandler(handlers[-1], Recorder(args.record), clock=clock)
    elif args.record:
        raise UsageError("--record needs verification (drop --no-verify)")
    if args.sign_table is not None:
        table = load_signing_table(args.sign_table)
        try:
            handlers.append(SignHandler(table, clock=clock, internal_hosts=networks))
        except ValueError as exc:
            raise UsageError(f"bad --internal-hosts: {exc}") from None
    if not handlers:
        raise UsageError("--no-verify needs --sign-table")
    return handlers[0] if len(handlers) == 1 else ChainHandler(handlers)


def _checks(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    from toolkit.core.verify import ALL_CHECKS

    wanted = tuple(c.strip().lower() for c in text.split(",") if c.strip())
    if not wanted or any(c not in ALL_CHECKS for c in wanted):
        raise UsageError(f"--checks takes {', '.join(ALL_CHECKS)}; got {text!r}")
    return wanted


def _logging(args: argparse.Namespace) -> None:
    """Our one line per message always; aiosmtpd's and asyncio's chatter (connection lost...) only with -v."""
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(message)s")
    logging.getLogger("emlauth").setLevel(logging.INFO)
    install_rate_limit()  # a flood of connections must not become a flood of log lines


def _limits(args: argparse.Namespace) -> dict:
    if args.max_connections < 1:
        raise UsageError("--max-connections takes a number above 0")
    return {
        "max_message_size": args.max_message_size,
        "idle_timeout": args.idle_timeout,
        "max_connections": args.max_connections,
    }


def run_milter(args: argparse.Namespace) -> int:
    from toolkit.shells.milter import parse_listen, serve

    parse_listen(args.listen)  # a bad address is a caller error before anything starts
    parse_networks(args.allow, "--allow")
    if args.workers < 1:
        raise UsageError("--workers takes a number above 0")
    if args.processes < 0:
        raise UsageError("--processes takes 0 (one per core) or a positive number")
    limits = _limits(args)
    handler = build_handler(args)
    _logging(args)
    options = {"on_error": args.on_error, "timeout": args.timeout, "workers": args.workers, "allow": args.allow,
               **limits}  # fmt: skip
    processes = args.processes or len(os.sched_getaffinity(0))
    if processes > 1:
        from toolkit.shells import prefork

        sock = prefork.bind(parse_listen(args.listen))

        def worker() -> None:  # in each forked process: its own handler, resolver and DNS cache
            asyncio.run(serve(build_handler(args), args.listen, sock=sock, **options))

        return prefork.run(processes, worker)
    try:
        asyncio.run(serve(handler, args.listen, **options))
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.listen}: {exc.strerror or exc}") from None
    return 0


def run_pipeline(args: argparse.Namespace) -> int:
    from toolkit.shells.smtp import Pipeline

    host, port = parse_hostport(args.listen, default_port=2525)
    relay = parse_hostport(args.relay, default_port=25) if args.relay else None
    if args.maildir is not None and args.maildir.exists() and not args.maildir.is_dir():
        raise UsageError(f"--maildir {args.maildir} exists and is not a directory")
    limits = _limits(args)
    handler = build_handler(args)
    _logging(args)
    pipeline = Pipeline(
        handler,
        maildir=args.maildir,
        relay=relay,
        host=host,
        port=port,
        proxy_from=args.proxy_from,
        xclient_from=[] if args.xclient_from == ["none"] else args.xclient_from,
        **limits,
        on_error=args.on_error,
        timeout=args.timeout,
        hostname=args.authserv_id,
        trace=True,  # Received and Return-Path at delivery (issue 13 §5)
    )
    try:
        asyncio.run(pipeline.serve_forever())
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.listen}: {exc.strerror or exc}") from None
    return 0

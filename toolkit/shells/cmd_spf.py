"""`emlauth spf`: check_host() for the MAIL FROM and HELO identities (SPF-1), with the lookup ledger as a tree.

Exit codes follow the MAIL FROM result: 0 pass, 1 any other result, 3 temperror, 2 usage error.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import math
import sys
import time

from toolkit.core.display import printable, printable_json
from toolkit.core.results import Verdict
from toolkit.core.spf import (
    DEFAULT_MAX_VOID,
    DEFAULT_TIME_BUDGET,
    MAX_LOOKUP_TERMS,
    LedgerEntry,
    SpfResult,
    check_identities,
)
from toolkit.shells.common import UsageError, add_dns_options, resolver_from_args
from toolkit.shells.exits import doctor_exit

DESCRIPTION = "Evaluate SPF (RFC 7208) for a client IP, MAIL FROM and HELO, and show every DNS lookup it took."
EPILOG = """\
exit codes (from the MAIL FROM result):
  0  pass
  1  fail, softfail, neutral, none or permerror
  2  usage error
  3  temperror (DNS trouble or time budget)

Without --ip: the record analysis and the worst-case lookup tree (emlauth spf --domain D), exit 0 when no
error, 1 on an error, 3 when a DNS error left it open.

--mail-from "" checks a null reverse-path as postmaster@<HELO> (SPF-1).
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "spf", help="SPF check for MAIL FROM and HELO, with a lookup ledger", description=DESCRIPTION, epilog=EPILOG
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    configure(parser)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ip", help="the SMTP client address (IPv4 or IPv6); without it: the record analysis")
    parser.add_argument("--mail-from", metavar="ADDR", help='envelope sender; "" = null sender')
    parser.add_argument("--domain", help="without --ip: the domain whose record to analyse (else --mail-from's)")
    parser.add_argument("--helo", default="", metavar="NAME", help="the HELO/EHLO name (checked on its own too)")
    parser.add_argument("--receiver", default="unknown", help="our host name, for the %%{r} macro in exp text")
    parser.add_argument("--max-void", type=int, default=DEFAULT_MAX_VOID, metavar="N", help="void lookup limit (2)")
    parser.add_argument(
        "--time-budget", type=float, default=DEFAULT_TIME_BUDGET, metavar="SECONDS", help="whole-check budget (20)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON (results with their ledgers)")
    add_dns_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.ip:
        return run_analysis(args)
    if args.mail_from is None:
        raise UsageError("--ip needs --mail-from (the envelope sender to check)")
    try:
        ipaddress.ip_address(args.ip)
    except ValueError:
        raise UsageError(f"--ip {args.ip!r} is not an IP address") from None
    null = args.mail_from.strip() in ("", "<>")
    if null and not args.helo:
        raise UsageError("a null --mail-from needs --helo (the check uses postmaster@<HELO>)")
    if args.max_void < 0 or not args.time_budget > 0 or math.isinf(args.time_budget):  # `not >`: nan too
        raise UsageError("--max-void must be >= 0 and --time-budget a finite number > 0")
    resolver = resolver_from_args(args)
    mailfrom, helo = check_identities(
        args.ip,
        args.mail_from,
        args.helo,
        resolver,
        max_void=args.max_void,
        time_budget=args.time_budget,
        clock=time.monotonic,
        now=int(time.time()),
        receiver=args.receiver,
    )
    if args.json:
        out = {"ip": args.ip, "mailfrom": mailfrom.to_json(), "helo": helo.to_json() if helo else None}
        sys.stdout.write(printable_json(json.dumps(out, indent=2)) + "\n")
    else:  # HELO, exp= texts and DNS answers are attacker text (issue 15)
        sys.stdout.write(printable(render_text(mailfrom, helo, args.max_void)))
    return exit_code(mailfrom)


def run_analysis(args: argparse.Namespace) -> int:
    """No client IP: the record, its problems and the worst-case lookup tree (doctor's SPF section)."""
    from toolkit.core.domain import ascii_domain
    from toolkit.core.domain.spf import analyse_spf
    from toolkit.shells.cmd_doctor import render_findings

    target = args.domain or (args.mail_from or "").strip().strip("<>").rpartition("@")[2]
    if not target:
        raise UsageError("without --ip, name the domain: --domain D (or --mail-from ADDR)")
    domain, problem = ascii_domain(target)
    if problem:
        raise UsageError(f"{target!r} is not a usable domain: {problem}")
    analysis = analyse_spf(domain, resolver_from_args(args))
    code = doctor_exit(analysis.findings)
    if args.json:
        out = {"domain": domain, "record": analysis.record, "findings": [f.to_json() for f in analysis.findings],
               "tree": analysis.tree.to_json() if analysis.tree else None, "exit_code": code}  # fmt: skip
        json.dump(out, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(f"SPF for {domain} (no client IP: the record and its worst-case lookups)\n")
        sys.stdout.write("\n".join(render_findings(analysis.findings, analysis.tree)) + "\n")
    return code


def exit_code(result: SpfResult) -> int:
    if result.result is Verdict.PASS:
        return 0
    if result.result is Verdict.TEMPERROR:
        return 3
    return 1


def render_text(mailfrom: SpfResult, helo: SpfResult | None, max_void: int = DEFAULT_MAX_VOID) -> str:
    lines = [f"SPF for client {mailfrom.ip}"]
    lines += _render_one("MAIL FROM", mailfrom, max_void)
    if helo is not None:
        lines += _render_one("HELO", helo, max_void)
    return "\n".join(lines) + "\n"


def _render_one(title: str, result: SpfResult, max_void: int) -> list[str]:
    who = result.sender + (" (null reverse-path)" if result.null_sender else "")
    lines = ["", f"{title}: {who}  domain {result.domain}"]
    lines.append(f"  result: {result.result.value}  (reason: {result.reason.value if result.reason else '-'})")
    if result.matched_path:
        lines.append(f"  matched: {' -> '.join(result.matched_path)}")
    if result.record:
        lines.append(f"  record: {result.record}")
    if result.detail and result.reason and result.reason.value != "matched":
        lines.append(f"  detail: {result.detail}")
    if result.explanation is not None:
        lines.append(f"  explanation: {result.explanation}")
    lines.append(
        f"  lookups: {result.lookups}/{MAX_LOOKUP_TERMS} DNS-querying terms, {result.void_lookups}/{max_void} void"
        + (f"; limit broken: {result.limit_broken}" if result.limit_broken else "")
    )
    if result.ledger:
        lines.append("  ledger:")
        lines += [_ledger_line(e, max_void) for e in result.ledger]
    return lines


def _ledger_line(entry: LedgerEntry, max_void: int) -> str:
    level = entry.depth if entry.purpose == "record" else entry.depth + 1  # a record's terms sit under it
    indent = "    " + "  " * level + ("└ " if level else "")
    term = "" if entry.term == "<record>" else f"{entry.term}: "
    counts = f"[{entry.lookups}/{MAX_LOOKUP_TERMS} lookups, {entry.voids}/{max_void} void]"
    if entry.event == "query":
        plural = "" if entry.records == 1 else "s"
        flags = (" +1 lookup" if entry.counted else "") + (" VOID" if entry.void else "")
        detail = f" ({entry.detail})" if entry.detail else ""
        return (
            f"{indent}{term}{entry.name} {entry.rdtype} -> {entry.status}{detail}, {entry.records} record{plural}"
            f"{flags}  {counts}"
        )
    if entry.event == "limit":
        return f"{indent}!! LIMIT at {entry.term}: {entry.detail}  {counts}"
    return f"{indent}{entry.term}: {entry.detail}" + (" +1 lookup" if entry.counted else "") + f"  {counts}"

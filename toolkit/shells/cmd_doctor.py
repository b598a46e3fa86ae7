"""`emlauth doctor DOMAIN`: every check a sending domain needs, each finding with its fix and its rule.

The checks are pure (toolkit.core.domain); this shell reads options, the optional message, and prints the report
grouped by area (with colour on a terminal, never when piped) or as JSON.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import sys
import time
import unicodedata

from toolkit.core.display import printable, printable_json
from toolkit.core.domain import DoctorReport, diagnose
from toolkit.core.domain.findings import CHECKS, Finding
from toolkit.core.domain.spf import tree_lines
from toolkit.shells.common import UsageError, add_dns_options, read_input, resolver_from_args
from toolkit.shells.exits import doctor_exit

DESCRIPTION = "Check a sending domain's SPF, DKIM, DMARC, MX, MAIL FROM, PTR, MTA-STS, TLS-RPT and BIMI records."
EPILOG = """\
exit codes:
  0  no error
  1  an error or critical finding
  2  usage error
  3  a DNS error (timeout, SERVFAIL) left a check open, and nothing worse was found

Try a record before publishing it: --zones DIR --live (zone files first, live DNS for every other name).
"""
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}\Z")
AREA_EN = {"spf": "SPF", "dkim": "DKIM", "dmarc": "DMARC", "mx": "Mail flow (MX, A/AAAA)",
           "mailfrom": "Custom MAIL FROM (SES)", "ptr": "Reverse DNS", "bulk": "Bulk-sender readiness (this message)",
           "mta-sts": "MTA-STS", "tls-rpt": "TLS-RPT", "bimi": "BIMI"}  # fmt: skip
LABELS_EN = {"fix": "fix", "rule": "rule", "tree": "worst-case lookup tree:", "result": "result: "}
COLOURS = {"ok": "32", "info": "36", "warn": "33", "error": "31", "critical": "1;31"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check a sending domain's records, with ready fixes", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    configure(parser)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("domain", metavar="DOMAIN", help="the sending domain (an IDN is fine)")
    parser.add_argument("--selector", action="append", default=[], metavar="S", help="DKIM selector (repeatable)")
    parser.add_argument("--ses-region", metavar="R", help="check the SES custom MAIL FROM for this region")
    parser.add_argument("--mail-from-domain", metavar="NAME", help="the custom MAIL FROM domain (mail.DOMAIN)")
    parser.add_argument("--ses-domain", default="amazonses.com", help="SES's own domain (test worlds use a stand-in)")
    parser.add_argument("--ip", help="a sending IP: check its PTR, FCrDNS and SPF result")
    parser.add_argument("--message", metavar="EML", help="a message to check against the bulk-sender rules")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--lang", choices=("en", "ja"), default="en", help="language of the report")
    add_dns_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.ip:
        try:
            ipaddress.ip_address(args.ip)
        except ValueError:
            raise UsageError(f"--ip {args.ip!r} is not an IP address") from None
    if args.ses_region and not _REGION.match(args.ses_region):
        raise UsageError(f"--ses-region {args.ses_region!r} is not an AWS region name such as us-east-1")
    resolver = resolver_from_args(args)
    message_report = _verify(args, resolver) if args.message else None
    report = diagnose(
        args.domain, resolver, selectors=tuple(args.selector), ses_region=args.ses_region,
        mail_from=args.mail_from_domain, ip=args.ip, message_report=message_report, ses_domain=args.ses_domain,
    )  # fmt: skip
    if args.json:
        out = {**report.to_json(), "exit_code": doctor_exit(report.findings)}
        if args.lang == "ja":
            from toolkit.core.domain.text_ja import localize

            for item, f in zip(out["findings"], report.findings, strict=True):
                item["message"] = localize(f)
        print(printable_json(json.dumps(out, indent=2, ensure_ascii=False)))
    else:
        sys.stdout.write(render(report, args.lang, colour=_colour()))
    return doctor_exit(report.findings)


def _colour() -> bool:
    return "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb" and sys.stdout.isatty()


def _verify(args: argparse.Namespace, resolver):
    from toolkit.core.message import parse_message
    from toolkit.core.verify import SmtpContext, verify_message

    raw = read_input(args.message)
    message = parse_message(raw)
    path = message.get_first("Return-Path")
    mail_from = path.unfolded().strip("<> ") if path is not None else None
    return verify_message(message, SmtpContext(args.ip, None, mail_from), resolver, int(time.time()))


def render(report: DoctorReport, lang: str = "en", *, colour: bool = False) -> str:
    if lang == "ja":
        from toolkit.core.domain.text_ja import AREA_JA, LEVEL_JA, TITLE_JA

        areas, levels, title = AREA_JA, LEVEL_JA, TITLE_JA
    else:
        areas, levels, title = AREA_EN, {}, "emlauth doctor: {domain}"

    lines = [title.format(domain=report.domain)]
    for check in CHECKS:
        found = [f for f in report.findings if f.check == check]
        if found:
            lines += ["", _paint(areas[check], "1", colour)]
            lines += render_findings(found, report.spf_tree if check == "spf" else None, lang, colour=colour)
    counts = {level: sum(f.level == level for f in report.findings) for level in COLOURS}
    summary = ", ".join(f"{n} {levels.get(level, level)}" for level, n in counts.items() if n)
    result = LABELS_EN["result"]
    if lang == "ja":
        from toolkit.core.domain.text_ja import LABELS_JA

        result = LABELS_JA["result"]
    lines += ["", f"{result}{summary} (exit {doctor_exit(report.findings)})"]
    return "\n".join(lines) + "\n"


def render_findings(findings, tree=None, lang: str = "en", *, colour: bool = False) -> list[str]:
    """One area's findings (and the SPF worst-case tree), as doctor prints them; `emlauth spf` without --ip too."""
    if lang == "ja":
        from toolkit.core.domain.text_ja import LABELS_JA, LEVEL_JA, localize

        levels, text, labels = LEVEL_JA, localize, LABELS_JA
    else:
        levels, text, labels = {}, _english, LABELS_EN
    lines = []
    for f in findings:
        label = levels.get(f.level, f.level.upper())
        label += " " * (8 - _width(label))  # a Japanese label is two columns a character
        where = f" [{f.selector}]" if f.selector else ""
        # DNS text (records, rua addresses) is attacker text: escaped before our own colour codes go in (issue 15)
        shown = printable(f"{f.code}{where}: {text(f)}", one_line=True)
        lines.append(f"  {_paint(label, COLOURS[f.level], colour)} {shown}")
        lines += [
            f"           {labels['fix']}: {printable(line, one_line=True)}" for line in (f.fix or "").splitlines()
        ]
        if f.rule:
            lines.append(f"           {labels['rule']}: {f.rule}")
    if tree is not None:
        lines += ["", f"  {labels['tree']}"] + [f"    {printable(line)}" for line in tree_lines(tree, lang=lang)]
    return lines


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _english(f: Finding) -> str:
    return f.message


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text

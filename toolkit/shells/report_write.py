"""`emlauth report generate`: the aggregate reports a receiver owes, from the messages it recorded (--record).

One report per (policy domain, period), RFC 9990 XML (or RFC 7489 App. C with --format rfc7489), gzipped under
the RFC file name with the report email beside it, in --out and nowhere else. With --send, each report is mailed
to its rua mailto: addresses through --smtp, after the external-destination check (DMARC-20, RFC 9990 §4).
The XML, names and email are built by the pure core (toolkit.core.dmarc.report_xml); this module reads the
store, the clock and DNS, writes files and speaks SMTP.
"""

from __future__ import annotations

import argparse
import os
import re
import smtplib
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from toolkit.core.dmarc.discovery import DiscoveryTempError, DmarcLookups
from toolkit.core.dmarc.report_model import AggregateReport
from toolkit.core.dmarc.report_xml import (
    FORMATS,
    authorization_name,
    authorized_uris,
    build_report,
    file_name,
    gzip_bytes,
    parse_rua,
    report_email,
    to_xml,
)
from toolkit.core.dmarc.report_xml_record import GROUP_COLUMNS, POLICY_COLUMNS, policy_from_columns, row_from_group
from toolkit.core.dns import DnsStatus, Resolver
from toolkit.shells.common import UsageError, add_dns_options, parse_hostport, resolver_from_args
from toolkit.shells.store import Store, open_store

GENERATOR = "emlauth report generate"
DAY = 86400

EPILOG = """\
period: --day YYYY-MM-DD (a UTC day), or --begin T --end T where T is Unix seconds or an ISO 8601 date or date
  and time (UTC unless it says otherwise); messages with begin <= time < end are counted, and the report's
  date_range ends at end - 1. No period: the previous UTC day.

output: for each policy domain with recorded mail, DIR/receiver!domain!begin!end!id.xml.gz and the report
  email beside it (.eml). The Report-ID depends only on receiver, domain and period, so generating the same
  period again gives the same names (RFC 9990 says a re-sent report keeps its file name).

sending (--send --smtp HOST:PORT): each report goes to the rua mailto: addresses of the domain's DMARC record.
  An address whose Organizational Domain is not the policy domain's needs
  <policy-domain>._report._dmarc.<address-domain> TXT "v=DMARC1..."
  (checked with --zones/--nameserver/the system resolver); one without it is skipped and said so. In
  --format rfc7489 a rua "!size" limit smaller than the report email skips that address.

exit codes: 0 done (also when there was nothing to report); 1 some report could not be sent; 2 usage or store error.
"""


def register(actions: argparse._SubParsersAction) -> None:
    """Add this module's actions to `emlauth report`."""
    parser = actions.add_parser(
        "generate",
        help="write (and send) the aggregate reports for the messages recorded with --record",
        description="Write one DMARC aggregate report per policy domain and period from a store of recorded messages.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", required=True, metavar="URL", help="the store: a path, sqlite:///PATH or postgresql://")
    parser.add_argument("--org-name", required=True, metavar="ORG", help="your organisation (report_metadata)")
    parser.add_argument("--email", required=True, metavar="ADDR", help="your report contact address (also the sender)")
    parser.add_argument("--receiver", metavar="DOMAIN", help="your domain for names (default: --email's)")
    parser.add_argument("--extra-contact-info", metavar="TEXT", help="optional report_metadata/extra_contact_info")
    period = parser.add_mutually_exclusive_group()
    period.add_argument("--day", type=_day, metavar="YYYY-MM-DD", help="one UTC day")
    period.add_argument("--begin", type=_instant, metavar="T", help="start (Unix seconds or ISO 8601); needs --end")
    parser.add_argument("--end", type=_instant, metavar="T", help="end, exclusive (Unix seconds or ISO 8601)")
    parser.add_argument("--format", choices=FORMATS, default="rfc9990", help="report XML format (rfc9990)")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="write the reports here (only here)")
    parser.add_argument("--send", action="store_true", help="also mail each report to its rua addresses")
    parser.add_argument("--smtp", metavar="HOST:PORT", help="the SMTP server to send through (with --send)")
    parser.add_argument("--now", type=int, metavar="EPOCH", help=argparse.SUPPRESS)  # tests pin the clock
    add_dns_options(parser)
    parser.set_defaults(func=run)


# ---------------------------------------------------------------------------------------------------- period


def _day(text: str) -> int:
    try:
        return int(datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC).timestamp())
    except ValueError:
        raise argparse.ArgumentTypeError(f"want a date YYYY-MM-DD, not {text!r}") from None


def _instant(text: str) -> int:
    if re.fullmatch(r"\d{1,12}", text):
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"want Unix seconds or an ISO 8601 date/time, not {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def period_of(args: argparse.Namespace, now: float) -> tuple[int, int]:
    """[begin, end) in Unix seconds."""
    if args.end is not None and args.begin is None:
        raise UsageError("--end needs --begin")
    if args.begin is not None:
        if args.end is None:
            raise UsageError("--begin needs --end")
        if args.end <= args.begin:
            raise UsageError("--end must be after --begin")
        return args.begin, args.end
    if args.day is not None:
        return args.day, args.day + DAY
    today = int(now) // DAY * DAY
    return today - DAY, today


# ---------------------------------------------------------------------------------------------------- store


def load_reports(store: Store, begin: int, end: int, *, org_name: str, email: str, receiver: str, fmt: str,
                 extra_contact_info: str | None = None) -> list[tuple[AggregateReport, str]]:  # fmt: skip
    """Every (report, rua tag) for the period, one per policy domain, rows grouped by the database."""
    where = "received_at >= ? AND received_at < ? AND policy_domain IS NOT NULL"
    # group on the narrow group_key, then fetch one representative row per group: sorting a million rows by
    # twelve text columns costs the database several times more (bench/bench_generate.py)
    rows = store.query(
        f"SELECT r.policy_domain, {', '.join('r.' + c for c in GROUP_COLUMNS)}, g.n FROM "
        f"(SELECT MIN(id) AS id, COUNT(*) AS n FROM recorded_message WHERE {where} "
        f"GROUP BY policy_domain, group_key) g JOIN recorded_message r ON r.id = g.id",
        (begin, end),
    )
    rows.sort(key=lambda row: (row[0], row[1], -row[-1]))  # by domain, then source, biggest first
    # the last configuration seen in the period stands for the period (RFC 9990 §3.1.3)
    latest = store.query(
        f"SELECT policy_domain, {', '.join(POLICY_COLUMNS)} FROM recorded_message WHERE id IN "
        f"(SELECT MAX(id) FROM recorded_message WHERE {where} GROUP BY policy_domain)",
        (begin, end),
    )
    policies = {row[0]: row[1:] for row in latest}
    by_domain: dict[str, list] = {}
    for row in rows:
        by_domain.setdefault(row[0], []).append(row_from_group(row[1:-1], row[-1]))
    out = []
    for domain, records in by_domain.items():
        values = policies[domain]
        report = build_report(org_name=org_name, email=email, receiver=receiver,
                              policy=policy_from_columns(domain, values), records=records, begin=begin, end=end - 1,
                              fmt=fmt, generator=GENERATOR, extra_contact_info=extra_contact_info)  # fmt: skip
        out.append((report, values[POLICY_COLUMNS.index("rua")] or ""))
    return out


# ---------------------------------------------------------------------------------------------------- files


def write_file(directory: Path, name: str, data: bytes) -> Path:
    """Write DIR/name and nothing else: the name has no separator, and a symlink there is refused, not followed."""
    if "/" in name or "\\" in name or name in (".", ".."):
        raise UsageError(f"refusing to write {name!r}: not a plain file name")
    path = directory / name
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


# ---------------------------------------------------------------------------------------------------- sending


@dataclass(frozen=True, slots=True)
class Destination:
    address: str
    ok: bool
    why: str  # for the output line: why it is or is not sent


def destinations(report: AggregateReport, rua: str, resolver: Resolver, fmt: str, size: int) -> list[Destination]:
    """The rua addresses to send this report to, each with the verdict of the checks (DMARC-20)."""
    domain = report.head.domain.lower()
    uris, notes = parse_rua(rua)
    out = [Destination("", False, note) for note in notes]
    for uri in uris:
        target = uri.domain
        if not _same_organization(domain, target, resolver, report.head.policy.discovery_method):
            name = authorization_name(domain, target)
            answer = resolver.query(name, "TXT")
            if answer.status is DnsStatus.TEMPFAIL:
                out.append(
                    Destination(uri.address, False, f"not authorized: {name} TXT lookup failed ({answer.detail})")
                )
                continue
            texts = [t.decode("utf-8", "replace") for t in answer.txt_joined()] if answer.ok else []
            allowed, problem = authorized_uris(texts, uri)
            if not allowed:
                out.append(Destination(uri.address, False, f"not authorized: {problem} at {name}"))
                continue
            why = f"authorized by {name} TXT"
        else:
            allowed, why = [uri], "same Organizational Domain as the policy domain"
        for use in allowed:
            if fmt == "rfc7489" and use.max_bytes is not None and size > use.max_bytes:
                out.append(Destination(use.address, False, f"report is {size} bytes, over its !size limit of "
                                                           f"{use.max_bytes}"))  # fmt: skip
            else:
                note = why if use.address == uri.address else f"{why}, which names this address instead"
                out.append(Destination(use.address, True, note))
    return out


def _same_organization(domain: str, target: str, resolver: Resolver, method: str | None) -> bool:
    """RFC 9990 §4: a destination is external when its Organizational Domain differs from the policy domain's,
    found the way the policy was (tree walk or PSL). A DNS error counts as external: it is then checked."""
    if target == domain:
        return True
    lookups = DmarcLookups(resolver, "rfc7489" if method == "psl" else "rfc9989")
    try:
        return lookups.org_domain(domain) == lookups.org_domain(target)
    except DiscoveryTempError:
        return False


def send(smtp: tuple[str, int], sender: str, recipient: str, message: bytes) -> str:
    """One report email to one address; returns '' or the error in one line."""
    try:
        with smtplib.SMTP(smtp[0], smtp[1], timeout=30) as client:
            client.sendmail(sender, [recipient], message)
    except (OSError, smtplib.SMTPException) as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ""


# ---------------------------------------------------------------------------------------------------- command


def run(args: argparse.Namespace) -> int:
    if args.send and not args.smtp:
        raise UsageError("--send needs --smtp HOST:PORT")
    smtp = parse_hostport(args.smtp, default_port=25) if args.smtp else None
    if "@" not in args.email:
        raise UsageError(f"--email {args.email!r} is not an address")
    receiver = (args.receiver or args.email.rpartition("@")[2]).lower().rstrip(".")
    if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", receiver):
        raise UsageError(f"receiver {receiver!r} is not a domain name (use --receiver)")
    if not args.out.is_dir():
        raise UsageError(f"--out {args.out}: no such directory")
    now = args.now if args.now is not None else time.time()
    begin, end = period_of(args, now)
    with open_store(args.db, write=False, need=2) as store:
        reports = load_reports(store, begin, end, org_name=args.org_name, email=args.email, receiver=receiver,
                               fmt=args.format, extra_contact_info=args.extra_contact_info)  # fmt: skip
    if not reports:
        print(f"no recorded messages under a DMARC policy from {begin} to {end - 1}: no reports")
        return 0
    resolver = resolver_from_args(args) if args.send else None
    failed = False
    for report, rua in reports:
        xml_gz = gzip_bytes(to_xml(report, args.format))
        name = file_name(receiver, report)
        path = write_file(args.out, name, xml_gz)
        to = [u.address for u in parse_rua(rua)[0]] or [args.email]
        email = report_email(report, args.format, receiver=receiver, sender=args.email, recipients=to, date=now,
                             xml_gz=xml_gz)  # fmt: skip
        write_file(args.out, name.removesuffix(".xml.gz") + ".eml", email)
        print(f"{report.head.domain}: {report.messages} message(s) in {len(report.records)} record(s) -> {path}")
        if resolver is not None and smtp is not None:
            failed |= _send_report(report, rua, resolver, smtp, args, receiver, xml_gz, now)
    return 1 if failed else 0


def _send_report(report: AggregateReport, rua: str, resolver: Resolver, smtp: tuple[str, int],
                 args: argparse.Namespace, receiver: str, xml_gz: bytes, now: float) -> bool:  # fmt: skip
    """Send to every authorized rua address; True if a send failed."""
    failed = False
    if not rua:
        print(f"  {report.head.domain} publishes no rua: nothing to send")
    # the size that matters for !size is the email's; it differs between addresses only by the To field
    size = len(report_email(report, args.format, receiver=receiver, sender=args.email, recipients=[args.email],
                            date=now, xml_gz=xml_gz))  # fmt: skip
    for dest in destinations(report, rua, resolver, args.format, size):
        if not dest.ok:
            print(f"  skipped {dest.address or 'a URI'}: {dest.why}")
            continue
        message = report_email(report, args.format, receiver=receiver, sender=args.email, recipients=[dest.address],
                               date=now, xml_gz=xml_gz)  # fmt: skip
        error = send(smtp, args.email, dest.address, message)
        if error:
            failed = True
            print(f"  NOT sent to {dest.address}: {error}", file=sys.stderr)
        else:
            print(f"  sent to {dest.address} ({dest.why})")
    return failed

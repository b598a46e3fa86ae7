"""`emlauth report summary` and `emlauth report html`: what the stored reports say, per domain, and whether it is
safe to tighten the policy (toolkit/core/dmarc/report_digest.py decides; report_words.py says it).

Reverse names come through the project's resolver seam (--zones / --nameserver, or the system resolver); they are
what the IP's owner claims, used only to group and name sources, never to trust them. --no-rdns skips DNS.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import ipaddress
import json
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from toolkit.core.dmarc.report_digest import DomainDigest, Row, digest
from toolkit.core.dns import Resolver
from toolkit.shells.common import UsageError, add_dns_options, resolver_from_args
from toolkit.shells.report_words import (
    TEXT,
    fix_text,
    label,
    number,
    pad,
    percent,
    readiness_lines,
    reports_text,
    source_title,
)

MAX_RDNS = 5000  # distinct IPs looked up; beyond that sources are grouped by IP


def day(ts: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def since_date(text: str) -> int:
    """argparse type for --since: YYYY-MM-DD (00:00 UTC) or Unix seconds."""
    if text.isdigit():
        return int(text)
    try:
        return calendar.timegm(time.strptime(text, "%Y-%m-%d"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"want YYYY-MM-DD or Unix seconds, not {text!r}") from None


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, metavar="URL", help="a path, sqlite:///PATH or postgresql://...")
    parser.add_argument("--domain", metavar="D", help="only this policy domain")
    parser.add_argument("--since", type=since_date, metavar="DATE", help="only reports ending on or after DATE")
    parser.add_argument("--lang", choices=("en", "ja"), default="en", help="language of the text (en)")
    parser.add_argument("--no-rdns", action="store_true", help="do not look up reverse names (group by IP)")
    add_dns_options(parser)


def register(actions: argparse._SubParsersAction) -> None:
    summary = actions.add_parser("summary", help="per domain: pass rate, sending sources, readiness for p=reject")
    _common(summary)
    form = summary.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="one JSON object per domain")
    form.add_argument("--csv", action="store_true", help="one CSV line per source")
    summary.set_defaults(func=run_summary)
    html = actions.add_parser("html", help="one self-contained HTML page: volume, pass rate, sources, readiness")
    _common(html)
    html.add_argument("-o", "--output", required=True, type=Path, metavar="FILE", help="the HTML file to write")
    html.set_defaults(func=run_html)


def reverse_names(ips: Iterable[str], resolver: Resolver | None) -> dict[str, str | None]:
    """IP -> its PTR name (the first one), or None when there is none, DNS failed, or lookups are off."""
    names: dict[str, str | None] = {}
    for ip in ips:
        names[ip] = None
        if resolver is None or len(names) > MAX_RDNS:
            continue
        try:
            pointer = ipaddress.ip_address(ip).reverse_pointer
        except ValueError:
            continue
        answer = resolver.query(pointer, "PTR")
        if answer.ok and answer.records:
            names[ip] = str(answer.records[0])
    return names


def load_digests(args: argparse.Namespace) -> list[DomainDigest]:
    from toolkit.shells.store import open_store
    from toolkit.shells.store.reports import report_counts, stored_rows

    with open_store(args.db, write=False) as store:
        rows = [Row(s.domain, s.begin, s.p, s.record) for s in stored_rows(store, domain=args.domain, since=args.since)]
        counts = report_counts(store, domain=args.domain, since=args.since)
    resolver = None if args.no_rdns else resolver_from_args(args)
    names = reverse_names(dict.fromkeys(r.record.source_ip for r in rows), resolver)
    return digest(rows, names, counts)


def digest_json(d: DomainDigest, lang: str) -> dict:
    r = d.readiness
    return {
        "domain": d.domain,
        "reports": d.reports,
        "messages": d.messages,
        "dmarc_pass": d.passed,
        "pass_rate": round(d.pass_rate, 4),
        "policy": r.policy,
        "days": [{"day": day(x.day), "messages": x.messages, "dmarc_pass": x.passed} for x in d.days],
        "sources": [
            {
                "source": s.name,
                "reverse_names": list(s.reverse_names),
                "ips": list(s.ips),
                "aligned": s.aligned,
                "kind": s.kind,
                "label": label(s, lang),
                "legitimate": s.legitimate,
                "messages": s.messages,
                "dmarc_pass": s.passed,
                "authenticated_as": list(s.auth_domains),
            }
            for s in d.sources
        ],  # fmt: skip
        "readiness": {
            "verdict": r.verdict,
            "quarantine": {"legitimate_messages_to_spam": r.legitimate_lost},
            "reject": {"legitimate_messages_refused": r.legitimate_lost},
            "lost_sources": [{"source": s.name, "kind": s.kind, "messages": s.failed} for s in r.lost_sources],
            "spoofed_messages_stopped": r.spoofed,
            "fix_first": [
                {"kind": f.kind, "source": f.source.name, "messages": f.messages, "text": fix_text(f, lang)}
                for f in r.fixes
            ],
            "text": readiness_lines(d, lang),
        },
    }


def digest_text(d: DomainDigest, lang: str) -> str:
    t = TEXT[lang]
    rate = percent(d.passed, d.messages)
    policy = d.readiness.policy or "?"
    lines = [t["head"].format(domain=d.domain, messages=number(d.messages, lang), rate=rate, policy=policy,
                              reports=reports_text(d.reports, lang)), ""]  # fmt: skip
    lines.append(t["sources"])
    cols = t["columns"]
    lines.append(f"  {pad(cols[0], 9, True)}  {pad(cols[1], 6, True)}  {pad(cols[2], 9)} {pad(cols[3], 36)} {cols[4]}")
    for s in d.sources:
        aligned = s.aligned if s.aligned != "none" else t["none"]
        lines.append(
            f"  {number(s.messages, lang):>9}  {percent(s.passed, s.messages):>6}  {pad(aligned, 9)} "
            f"{pad(source_title(s, lang), 36)} {label(s, lang)}"
        )
    lines += ["", t["readiness"]]
    lines += [f"  {x}" if not x.startswith("  ") else x for x in readiness_lines(d, lang)]
    if d.readiness.fixes:
        lines += ["", t["fix_first"]]
        lines += [f"  {i}. {fix_text(f, lang)}" for i, f in enumerate(d.readiness.fixes, 1)]
    return "\n".join(lines) + "\n"


CSV_COLUMNS = ("domain", "source", "ips", "reverse_names", "aligned", "kind", "legitimate", "messages", "dmarc_pass")


def run_summary(args: argparse.Namespace) -> int:
    digests = load_digests(args)
    if not digests:
        print(TEXT[args.lang]["no_rows"], file=sys.stderr)
        return 1
    if args.json:
        for d in digests:
            print(json.dumps(digest_json(d, args.lang), ensure_ascii=False))
    elif args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for d in digests:
            for s in d.sources:
                writer.writerow([d.domain, s.name, " ".join(s.ips), " ".join(s.reverse_names), s.aligned, s.kind,
                                 s.legitimate, s.messages, s.passed])  # fmt: skip
    else:
        print("\n".join(digest_text(d, args.lang) for d in digests), end="")
    return 0


def run_html(args: argparse.Namespace) -> int:
    from toolkit.shells.report_html import render

    digests = load_digests(args)
    if not digests:
        print(TEXT[args.lang]["no_rows"], file=sys.stderr)
        return 1
    page = render(digests, args.lang)
    try:
        if args.output.is_symlink():
            raise UsageError(f"refusing to write through the symlink {args.output}")
        args.output.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"wrote {args.output}: {len(digests)} domain(s), {sum(d.messages for d in digests):,} messages")
    return 0

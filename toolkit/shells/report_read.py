"""`emlauth report parse | ingest | summary | html`: the domain owner's side of DMARC reports (see cmd_report.py).

parse prints each report (text, JSON Lines or CSV); ingest stores them (idempotent); summary and html read the
store back and say what the rows mean (report_summary.py, report_html.py).
Exit codes: 0 every input parsed, 1 some input was not a report (named on stderr, one line), 2 usage or store error.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import IO

from toolkit.core.display import printable
from toolkit.core.dmarc.report_model import FailureReport, Record, ReportEnd, ReportHead
from toolkit.core.dmarc.report_parse import ReportError
from toolkit.core.dmarc.report_unpack import Found, Limits
from toolkit.shells.common import UsageError, byte_size
from toolkit.shells.report_inputs import InputFailure, aggregate_items, read_inputs

CSV_COLUMNS = (
    "type", "source", "org_name", "report_id", "begin", "end", "domain", "p", "sp", "np", "pct", "testing",
    "source_ip", "count", "disposition", "dkim", "spf", "header_from", "envelope_from", "envelope_to", "reasons",
    "dkim_auth", "spf_auth",
)  # fmt: skip


def register(actions: argparse._SubParsersAction) -> None:
    """Add this module's actions to `emlauth report`."""
    from toolkit.shells import report_summary

    parse = actions.add_parser(
        "parse", help="read aggregate and failure reports (.xml, .gz, .zip, mail, mbox, Maildir)"
    )
    parse.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="report files, mails, mbox files or Maildirs; - = stdin"
    )
    form = parse.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="one JSON object per report (JSON Lines)")
    form.add_argument("--csv", action="store_true", help="one CSV line per record")
    _add_limits(parse)
    parse.set_defaults(func=run_parse)

    ingest = actions.add_parser("ingest", help="store reports in a database (the same report twice counts once)")
    ingest.add_argument("inputs", nargs="+", metavar="INPUT", help="as for `report parse`")
    ingest.add_argument("--db", required=True, metavar="URL", help="a path, sqlite:///PATH or postgresql://...")
    _add_limits(ingest)
    ingest.set_defaults(func=run_ingest)
    report_summary.register(actions)


def _add_limits(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-size", type=byte_size, default=Limits.max_size, metavar="SIZE", help="cap on decompressed bytes (50M)"
    )


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(max_size=args.max_size)


def _fail(command: str, failure: InputFailure | tuple[str, str]) -> None:
    label, message = (failure.label, failure.message) if isinstance(failure, InputFailure) else failure
    print(f"emlauth report {command}: {label}: {message}", file=sys.stderr)


# --- JSON shapes (the issue's contract: every field present, absent values null) ---------------------------------
def head_json(head: ReportHead, source: str) -> dict:
    p = head.policy
    return {
        "type": "aggregate",
        "source": source,
        "format": head.format,
        "version": head.version,
        "org_name": head.org_name,
        "email": head.email,
        "extra_contact_info": head.extra_contact_info,
        "report_id": head.report_id,
        "begin": head.begin,
        "end": head.end,
        "errors": list(head.errors),
        "generator": head.generator,
        "domain": head.domain,
        "policy_published": {
            "p": p.p, "sp": p.sp, "np": p.np, "pct": p.pct, "adkim": p.adkim, "aspf": p.aspf,
            "testing": p.testing, "discovery_method": p.discovery_method,
        },
    }  # fmt: skip


def record_json(r: Record) -> dict:
    return {
        "source_ip": r.source_ip,
        "count": r.count,
        "disposition": r.disposition,
        "dkim": r.dkim,
        "spf": r.spf,
        "header_from": r.header_from,
        "envelope_from": r.envelope_from,
        "envelope_to": r.envelope_to,
        "reasons": [{"type": x.type, "comment": x.comment} for x in r.reasons],
        "auth_results": {
            "dkim": [{"domain": a.domain, "selector": a.selector, "result": a.result} for a in r.dkim_auth],
            "spf": [{"domain": a.domain, "scope": a.scope, "result": a.result} for a in r.spf_auth],
        },
    }


def failure_json(f: FailureReport, source: str) -> dict:
    return {
        "type": "failure",
        "source": source,
        "feedback_type": f.feedback_type,
        "version": f.version,
        "user_agent": f.user_agent,
        "arrival_date": f.arrival_date,
        "arrival": f.arrival,
        "source_ip": f.source_ip,
        "reported_domain": f.reported_domain,
        "auth_failure": list(f.auth_failure),
        "authentication_results": list(f.authentication_results),
        "original_mail_from": f.original_mail_from,
        "original_rcpt_to": list(f.original_rcpt_to),
        "dkim_domain": f.dkim_domain,
        "dkim_selector": f.dkim_selector,
        "identity_alignment": f.identity_alignment,
        "delivery_result": f.delivery_result,
        "original_headers": f.original_headers,
        "warnings": list(f.warnings),
    }


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


# --- parse -----------------------------------------------------------------------------------------------------
class _Writer:
    """Writes one report to a spool; only a report read to its end is copied to stdout (no half reports)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.csv_header = False

    def aggregate(self, found: Found, out: IO[str]) -> None:
        items = aggregate_items(found)
        head = next(items)
        assert isinstance(head, ReportHead)
        if self.mode == "json":
            text = _dumps(head_json(head, found.label))
            out.write(text[:-1] + ', "records": [')
            first = True
            for item in items:
                if isinstance(item, Record):
                    out.write(("" if first else ", ") + _dumps(record_json(item)))
                    first = False
                else:
                    end = item
            tail = {"messages": end.messages, "extensions": list(end.extensions), "warnings": list(end.warnings)}
            out.write("], " + _dumps(tail)[1:] + "\n")
        elif self.mode == "csv":
            writer = csv.writer(out, lineterminator="\n")
            for item in items:
                if isinstance(item, Record):
                    writer.writerow(_csv_row(head, item, found.label))
        else:
            for item in items:  # the records are counted in ReportEnd; keep none of them
                end = item
            assert isinstance(end, ReportEnd)
            out.write(printable(_text_line(head, end, found.label)))  # report text is a stranger's (issue 15)

    def failure(self, found: Found, out: IO[str]) -> None:
        f = found.failure
        assert f is not None
        if self.mode == "json":
            out.write(_dumps(failure_json(f, found.label)) + "\n")
        elif self.mode == "csv":
            row = {"type": "failure", "source": found.label, "domain": f.reported_domain, "begin": f.arrival}
            row |= {"source_ip": f.source_ip, "count": 1, "reasons": ";".join(f.auth_failure)}
            csv.writer(out, lineterminator="\n").writerow([_cell(row.get(c)) for c in CSV_COLUMNS])
        else:
            line = (
                f"{found.label}: failure report for {f.reported_domain or '?'}: {', '.join(f.auth_failure) or '?'}"
                f" failed for a message from {f.source_ip or '?'} at {f.arrival_date or '?'}"
            )
            out.write(printable(line, one_line=True) + "\n")
            for warning in f.warnings:
                out.write(f"  warning: {printable(warning, one_line=True)}\n")


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _csv_row(head: ReportHead, r: Record, source: str) -> list[str]:
    p = head.policy
    values = [
        "aggregate", source, head.org_name, head.report_id, head.begin, head.end, head.domain, p.p, p.sp, p.np,
        p.pct, p.testing, r.source_ip, r.count, r.disposition, r.dkim, r.spf, r.header_from, r.envelope_from,
        r.envelope_to, ";".join(f"{x.type}:{x.comment or ''}" for x in r.reasons),
        ";".join(f"{a.domain}/{a.selector or ''}={a.result}" for a in r.dkim_auth),
        ";".join(f"{a.domain}/{a.scope or ''}={a.result}" for a in r.spf_auth),
    ]  # fmt: skip
    return [_cell(v) for v in values]


def _text_line(head: ReportHead, end: ReportEnd, source: str) -> str:
    from toolkit.shells.report_summary import day

    p = head.policy
    policy = " ".join(f"{k}={v}" for k, v in (("p", p.p), ("sp", p.sp), ("np", p.np), ("t", p.testing)) if v)
    lines = [
        f"{source}: aggregate report ({head.format}) from {head.org_name}, id {head.report_id}",
        f"  domain {head.domain} ({policy or 'no policy given'}), {day(head.begin)} to {day(head.end)}",
        f"  {end.records} records, {end.messages} messages",
    ]
    lines += [f"  warning: {w}" for w in end.warnings]
    return "\n".join(lines) + "\n"


def run_parse(args: argparse.Namespace) -> int:
    mode = "json" if args.json else "csv" if args.csv else "text"
    writer = _Writer(mode)
    failed = 0
    if mode == "csv":
        csv.writer(sys.stdout, lineterminator="\n").writerow(CSV_COLUMNS)
    for found in read_inputs(args.inputs, _limits(args)):
        if isinstance(found, InputFailure):
            _fail("parse", found)
            failed += 1
            continue
        with tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", encoding="utf-8") as spool:
            try:
                (writer.failure if found.failure else writer.aggregate)(found, spool)
            except ReportError as exc:
                _fail("parse", (found.label, str(exc)))
                failed += 1
                continue
            spool.seek(0)
            shutil.copyfileobj(spool, sys.stdout)
        sys.stdout.flush()
    return 1 if failed else 0


# --- ingest ----------------------------------------------------------------------------------------------------
def run_ingest(args: argparse.Namespace) -> int:
    from toolkit.shells.store import open_store
    from toolkit.shells.store.reports import add_aggregate, add_failure

    new = duplicate = failed = 0
    with open_store(args.db) as store:
        for found in read_inputs(args.inputs, _limits(args)):
            if isinstance(found, InputFailure):
                _fail("ingest", found)
                failed += 1
                continue
            try:
                if found.failure is not None:
                    fresh = add_failure(store, found.failure, found.label)
                    what = f"failure report for {found.failure.reported_domain or '?'}"
                else:
                    fresh, head = add_aggregate(store, aggregate_items(found), found.label)
                    what = f"aggregate report {head.report_id} from {head.org_name} for {head.domain}"
            except ReportError as exc:
                _fail("ingest", (found.label, str(exc)))
                failed += 1
                continue
            new += fresh
            duplicate += not fresh
            print(f"{found.label}: {what}: {'new' if fresh else 'duplicate, already stored'}")
    total = new + duplicate
    print(
        f"{total} report{'s' if total != 1 else ''}: {new} new, {duplicate} duplicate (stored once)"
        + (f", {failed} input{'s' if failed != 1 else ''} not read" if failed else "")
    )
    return 1 if failed else 0


def walkthrough_report_basics(folder: Path, lang: str) -> str:
    """`emlauth walkthrough report-basics`: the narrated reading of the sample report in samples/reports."""
    from toolkit.core.dmarc.report_parse import parse_aggregate
    from toolkit.walkthrough.report_basics import explain_report

    samples = sorted(folder.glob("*.xml"))
    if not samples:
        raise UsageError(f"no sample report (*.xml) in {folder}")
    try:
        items = list(parse_aggregate([samples[0].read_bytes()]))
    except OSError as exc:
        raise UsageError(f"cannot read {samples[0]}: {exc.strerror or exc}") from None
    except ReportError as exc:
        raise UsageError(f"{samples[0]}: {exc}") from None
    head = items[0]
    assert isinstance(head, ReportHead)
    records = [i for i in items if isinstance(i, Record)]
    return explain_report(head, records, f"samples/reports/{samples[0].name}", lang)

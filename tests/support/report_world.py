"""The sample mail world as recorded messages: verify every sample in samples/cases.toml, keep the Reports.

Shared by the report-generation tests (tests/reports/test_generate*.py, test_record*.py, test_roundtrip.py).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from toolkit.core.verify import Report, SmtpContext, verify_message
from toolkit.resolvers.zonefile import ZoneFileResolver

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
SCHEMAS = ROOT / "tests" / "reports" / "schema"
CASES = tomllib.loads((SAMPLES / "cases.toml").read_text())["sample"]
DAY = 1772409600  # 2026-03-02 00:00:00 UTC: every sample's `now` but expired-signature's falls in this UTC day


def in_day(record) -> bool:
    return record.policy_domain is not None and DAY <= record.received_at < DAY + 86400


@cache
def sample_reports() -> tuple[tuple[dict, Report], ...]:
    resolver = ZoneFileResolver(SAMPLES / "zones")
    out = []
    for case in CASES:
        raw = (SAMPLES / case["file"]).read_bytes()
        context = SmtpContext(case["ip"], case["helo"], case["mail_from"])
        out.append((case, verify_message(raw, context, resolver, case["now"])))
    return tuple(out)


@cache
def schema(fmt: str):
    """The typed-in XSD for fmt (see tests/reports/schema/README.md for the 7489 namespace note)."""
    import xmlschema

    if fmt == "rfc9990":
        return xmlschema.XMLSchema(str(SCHEMAS / "rfc9990.xsd"))
    text = (SCHEMAS / "rfc7489.xsd").read_text()
    return xmlschema.XMLSchema(text.replace(' targetNamespace="http://dmarc.org/dmarc-xml/0.1"', "", 1))


def record_samples(url: str, recipients: tuple[str, ...] = ("ann@receiver.test",)) -> list:
    """Record every sample message (at its own `now`) into the store at url; returns the MessageRecords."""
    from toolkit.core.dmarc.report_xml_record import record_from_report
    from toolkit.shells.record import Recorder

    records = [record_from_report(report, case["now"], recipients) for case, report in sample_reports()]
    recorder = Recorder(url)
    try:
        assert recorder.add(records) == len(records)
    finally:
        recorder.close()
    return records


def read_reports(directory: Path) -> dict[str, object]:
    """Every .xml.gz in directory parsed back by the report reader: {file name: AggregateReport}."""
    import gzip

    from toolkit.core.dmarc.report_model import AggregateReport, Record, ReportEnd, ReportHead
    from toolkit.core.dmarc.report_parse import parse_aggregate

    out = {}
    for path in sorted(directory.glob("*.xml.gz")):
        items = list(parse_aggregate([gzip.decompress(path.read_bytes())]))
        head = next(i for i in items if isinstance(i, ReportHead))
        end = next(i for i in items if isinstance(i, ReportEnd))
        records = tuple(i for i in items if isinstance(i, Record))
        out[path.name] = AggregateReport(head, records, end.extensions, end.warnings)
    return out

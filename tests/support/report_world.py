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
DAY = 1772409600  # 2026-03-02 00:00:00 UTC: every sample's `now` falls in this UTC day


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

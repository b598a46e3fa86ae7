"""`emlauth report ...`: DMARC aggregate and failure reports (RFC 9990, RFC 9991, RFC 7489 Appendix C).

The owner's side (parse, ingest, summary, html) registers from report_read; the receiver's side (generate)
from report_write.
"""

from __future__ import annotations

import argparse

from toolkit.shells import report_read, report_write


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report", help="DMARC reports: read the XML you receive, and write the reports a receiver owes"
    )
    actions = parser.add_subparsers(dest="report_command", metavar="ACTION", required=True)
    report_read.register(actions)
    report_write.register(actions)

"""Build report inputs for tests and the bench: aggregate XML of any size, report mails, ARF failure reports."""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

SAMPLE = next((Path(__file__).resolve().parents[2] / "samples" / "reports").glob("*.xml"))

ROW = """  <record>
    <row><source_ip>{ip}</source_ip><count>{count}</count>
      <policy_evaluated><disposition>none</disposition><dkim>{dkim}</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from><envelope_from>example.com</envelope_from></identifiers>
    <auth_results><dkim><domain>example.com</domain><selector>s1</selector><result>{dkim}</result></dkim>
      <spf><domain>example.com</domain><scope>mfrom</scope><result>fail</result></spf></auth_results>
  </record>
"""


def head(report_id: str = "r-1", domain: str = "example.com", namespace: str = "urn:ietf:params:xml:ns:dmarc-2.0",
         begin: int = 1772409600, org: str = "mail.example.org") -> str:  # fmt: skip
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<feedback{xmlns}>\n  <version>1.0</version>\n'
        f"  <report_metadata><org_name>{org}</org_name><email>dmarc@{org}</email>"
        f"<report_id>{report_id}</report_id><date_range><begin>{begin}</begin><end>{begin + 86399}</end></date_range>"
        f"</report_metadata>\n  <policy_published><domain>{domain}</domain><p>none</p><np>reject</np>"
        f"<testing>n</testing><discovery_method>treewalk</discovery_method></policy_published>\n"
    )


def report_chunks(rows: int, report_id: str = "r-1", **kw) -> Iterator[bytes]:
    """An aggregate report with `rows` records (IPs from 198.51.100.0/24 and 203.0.113.0/24), streamed."""
    yield head(report_id, **kw).encode()
    batch = []
    for i in range(rows):
        net = "198.51.100" if i % 2 else "203.0.113"
        batch.append(ROW.format(ip=f"{net}.{i % 250 + 1}", count=i % 7 + 1, dkim="pass" if i % 3 else "fail"))
        if len(batch) == 500:
            yield "".join(batch).encode()
            batch = []
    yield ("".join(batch) + "</feedback>\n").encode()


def report_xml(rows: int = 3, **kw) -> bytes:
    return b"".join(report_chunks(rows, **kw))


def messages_in(rows: int) -> int:
    return sum(i % 7 + 1 for i in range(rows))


def report_mail(attachment: bytes, filename: str, ctype: str = "application/gzip") -> bytes:
    msg = EmailMessage()
    msg["From"] = "dmarc-reports@mail.example.org"
    msg["To"] = "dmarc@example.com"
    msg["Subject"] = "Report Domain: example.com Submitter: mail.example.org Report-ID: r-1"
    msg["Date"] = "Tue, 03 Mar 2026 01:00:00 +0000"
    msg["Message-ID"] = "<r-1@mail.example.org>"
    msg.set_content("This is an aggregate report from mail.example.org.")
    maintype, subtype = ctype.split("/")
    msg.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


FAILURE_REPORT = b"""\
From: dmarc-failure@mail.example.org
To: dmarc-ruf@example.com
Subject: DMARC failure report for example.com
Date: Tue, 03 Mar 2026 09:12:00 +0000
Message-ID: <f-1@mail.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="b1"

--b1
Content-Type: text/plain

A message claiming to be from example.com failed DMARC.

--b1
Content-Type: message/feedback-report

Feedback-Type: auth-failure
User-Agent: ExampleMTA/2.0
Version: 1
Original-Mail-From: <billing@example.com>
Original-Rcpt-To: <someone@example.org>
Arrival-Date: Tue, 03 Mar 2026 09:10:41 +0000
Source-IP: 203.0.113.99
Reported-Domain: example.com
Authentication-Results: mx.example.org; dmarc=fail header.from=example.com; spf=fail smtp.mailfrom=example.com
Auth-Failure: dmarc
Identity-Alignment: none
Delivery-Result: reject

--b1
Content-Type: text/rfc822-headers

From: "Billing" <billing@example.com>
To: someone@example.org
Subject: Your invoice is overdue
Message-ID: <fake-1@203.0.113.99>

--b1--
"""

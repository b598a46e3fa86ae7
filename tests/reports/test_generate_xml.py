"""Report XML from recorded rows (pure core, toolkit/core/dmarc/report_xml*.py): schema-valid, RFC order, names.

STANDARDS DMARC-21 (RFC 9990 XML), DMARC-22 (RFC 7489), DMARC-20 (rua).
"""

from __future__ import annotations

import email
import email.policy
import gzip
import json
import xml.etree.ElementTree as ET

import pytest
from support.report_world import CASES, DAY, sample_reports, schema

from toolkit.core.dmarc.report_model import (
    AggregateReport,
    DkimAuth,
    PolicyPublished,
    Reason,
    Record,
    ReportHead,
    SpfAuth,
)
from toolkit.core.dmarc.report_xml import (
    NAMESPACE,
    build_report,
    file_name,
    gzip_bytes,
    parse_rua,
    report_email,
    report_id,
    subject,
    to_xml,
)
from toolkit.core.dmarc.report_xml_record import group_records, policy_from_columns, record_from_report

RECEIVER = "mx.receiver.test"


def _reports() -> list[AggregateReport]:
    records = [record_from_report(r, c["now"], ["ann@receiver.test"]) for c, r in sample_reports()]
    out = []
    for domain, (latest, rows) in sorted(group_records(records).items()):
        policy = policy_from_columns(domain, [getattr(latest, c) for c in
                                              ("p", "sp", "np", "adkim", "aspf", "fo", "testing", "pct",
                                               "discovery_method", "rua")])  # fmt: skip
        out.append(build_report(org_name="Receiver Test", email="dmarc-reports@receiver.test", receiver=RECEIVER,
                                policy=policy, records=rows, begin=DAY, end=DAY + 86399,
                                generator="emlauth test"))  # fmt: skip
    return out


def test_samples_give_one_report_per_policy_domain() -> None:
    reports = _reports()
    domains = [r.head.domain for r in reports]
    assert len(domains) == len(set(domains)) >= 2  # RFC 9990 §3.1: one policy domain per report
    counted = sum(r.messages for r in reports)
    with_policy = sum(1 for _, rep in sample_reports() if rep.dmarc and rep.dmarc.record is not None)
    assert counted == with_policy  # every message under a DMARC record is in exactly one report


@pytest.mark.parametrize("fmt", ["rfc9990", "rfc7489"])
def test_every_sample_report_validates_against_the_rfc_schema(fmt: str) -> None:
    for report in _reports():
        xml = to_xml(report, fmt)
        schema(fmt).validate(xml.decode())  # raises with the failing path if not valid


def test_9990_namespace_order_and_values() -> None:
    report = next(r for r in _reports() if r.head.domain == "example.org")
    root = ET.fromstring(to_xml(report, "rfc9990"))
    ns = {"d": NAMESPACE}
    assert root.tag == f"{{{NAMESPACE}}}feedback"
    children = [c.tag.split("}")[1] for c in root]
    assert children[:3] == ["version", "report_metadata", "policy_published"]  # DMARC-21 order
    assert set(children[3:]) == {"record"}
    pol = root.find("d:policy_published", ns)
    assert [c.tag.split("}")[1] for c in pol] == ["domain", "discovery_method", "p", "sp", "np", "fo", "adkim",
                                                  "aspf", "testing"]  # fmt: skip
    assert pol.findtext("d:p", namespaces=ns) == "reject" and pol.findtext("d:np", namespaces=ns) == "reject"
    assert root.findtext("d:report_metadata/d:generator", namespaces=ns) == "emlauth test"
    dispositions = {r.findtext("d:row/d:policy_evaluated/d:disposition", namespaces=ns) for r in root}
    assert "pass" in dispositions and "quarantine" in dispositions  # forwarded passes; mailing list quarantined
    # DMARC-11: p=reject alone gives quarantine, and the report says why (a reason is a MUST when they differ);
    # sp=quarantine applied as quarantine needs none
    reasons = {}
    for rec in root.findall("d:record", ns):
        key = (rec.findtext("d:identifiers/d:header_from", namespaces=ns),
               rec.findtext("d:row/d:policy_evaluated/d:disposition", namespaces=ns))  # fmt: skip
        reasons[key] = rec.findtext("d:row/d:policy_evaluated/d:reason/d:type", namespaces=ns)
    assert reasons[("example.org", "quarantine")] == "local_policy"
    assert reasons[("shop.example.org", "quarantine")] is None


def test_7489_has_no_pass_disposition_and_requires_pct_and_spf() -> None:
    for report in _reports():
        root = ET.fromstring(to_xml(report, "rfc7489"))
        assert root.tag == "feedback"  # no namespace, as big reporters send it
        assert root.findtext("policy_published/pct") is not None
        for rec in root.findall("record"):
            assert rec.findtext("row/policy_evaluated/disposition") != "pass"
            assert rec.findall("auth_results/spf")


def _row(**kw) -> Record:
    base = dict(source_ip="192.0.2.1", count=3, disposition="none", dkim="fail", spf="fail",
                header_from="example.com")  # fmt: skip
    base.update(kw)
    return Record(**base)


def _one(rows, **policy) -> AggregateReport:
    head = ReportHead("rfc9990", "1.0", "Org & Co <x>", "r@example.net", None, "abc123", 100, 200, (), None,
                      PolicyPublished("example.com", **({"p": "none"} | policy)))  # fmt: skip
    return AggregateReport(head, tuple(rows))


def test_at_most_100_dkim_results_per_row() -> None:
    sigs = tuple(DkimAuth(f"d{i}.example.com", "s", "fail") for i in range(150))
    xml = to_xml(_one([_row(dkim_auth=sigs)]))
    root = ET.fromstring(xml)
    assert len(root.findall(f".//{{{NAMESPACE}}}dkim/{{{NAMESPACE}}}selector")) == 100  # RFC 9990 §3.1.2
    schema("rfc9990").validate(xml.decode())


def test_hostile_text_is_escaped_and_control_characters_replaced() -> None:
    row = _row(header_from="ex<ample>.com\x01", reasons=(Reason("other", "a & b </comment>"),))
    for fmt in ("rfc9990", "rfc7489"):
        xml = to_xml(_one([row]), fmt)
        schema(fmt).validate(xml.decode())
        root = ET.fromstring(xml)
        assert root.findtext(".//{*}header_from") == "ex<ample>.com\ufffd"
        assert root.findtext(".//{*}org_name") == "Org & Co <x>"


def test_ipv6_is_spelled_out_for_the_7489_schema() -> None:
    report = _one([_row(source_ip="2001:db8::25", spf_auth=(SpfAuth("example.com", "mfrom", "pass"),))])
    schema("rfc7489").validate(to_xml(report, "rfc7489").decode())
    assert b"<source_ip>2001:db8:0:0:0:0:0:25</source_ip>" in to_xml(report, "rfc7489")
    assert b"<source_ip>2001:db8::25</source_ip>" in to_xml(report, "rfc9990")


def test_9990_reports_only_the_mail_from_spf_and_7489_maps_reason_words() -> None:
    row = _row(spf_auth=(SpfAuth("helo.example.com", "helo", "pass"),),
               reasons=(Reason("policy_test_mode", "t=y"),))  # fmt: skip
    r9990 = ET.fromstring(to_xml(_one([row])))
    assert r9990.findall(f".//{{{NAMESPACE}}}spf/{{{NAMESPACE}}}scope") == []
    r7489 = ET.fromstring(to_xml(_one([row]), "rfc7489"))
    assert r7489.findtext(".//reason/type") == "sampled_out"
    assert r7489.findtext(".//auth_results/spf/scope") == "helo"


def test_empty_report_and_unknown_format_are_refused() -> None:
    with pytest.raises(ValueError):
        to_xml(_one([]))
    with pytest.raises(ValueError):
        to_xml(_one([_row()]), "rfc1234")


def test_file_name_subject_and_gzip_are_deterministic() -> None:
    report = _one([_row()])
    assert file_name(RECEIVER, report) == f"{RECEIVER}!example.com!100!200!abc123.xml.gz"
    assert subject(RECEIVER, report) == f"Report Domain: example.com Submitter: {RECEIVER} Report-ID: abc123"
    xml = to_xml(report)
    assert gzip_bytes(xml) == gzip_bytes(xml) and gzip.decompress(gzip_bytes(xml)) == xml
    rid = report_id(RECEIVER, "example.com", 100, 200)
    assert rid == report_id(RECEIVER, "EXAMPLE.com", 100, 200) and rid.isalnum()
    with pytest.raises(ValueError):
        file_name("bad!receiver", report)


def test_report_email_is_multipart_with_the_gzip_attached() -> None:
    report = _one([_row()])
    raw = report_email(report, "rfc9990", receiver=RECEIVER, sender="dmarc@receiver.test",
                       recipients=["rua@example.com"], date=1772500000)  # fmt: skip
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == subject(RECEIVER, report)
    assert msg.is_multipart() and b"\r\n" in raw
    parts = [p for p in msg.walk() if p.get_content_type() == "application/gzip"]
    assert len(parts) == 1 and parts[0].get_filename() == file_name(RECEIVER, report)
    assert gzip.decompress(parts[0].get_payload(decode=True)) == to_xml(report)
    assert msg["Message-ID"] == f"<abc123@{RECEIVER}>"


def test_parse_rua_sizes_and_schemes() -> None:
    uris, notes = parse_rua("mailto:a@example.com!10m, https://example.com/x, mailto:b%21x@example.net!2k,"
                            "mailto:c@example.org!junk, mailto:nobody")  # fmt: skip
    assert [(u.address, u.max_bytes) for u in uris] == [
        ("a@example.com", 10 << 20), ("b!x@example.net", 2048), ("c@example.org", None)]  # fmt: skip
    assert len(notes) == 3  # https ignored (DMARC-20), junk size, not an address


def test_records_keep_alignment_and_priority_order() -> None:
    by_name = {c["name"]: rep for c, rep in sample_reports()}
    rec = record_from_report(by_name["ses-easy-dkim"], 1, [])
    dkim = json.loads(rec.dkim_auth)
    assert dkim[0][0] == "example.com" and dkim[0][3] is True  # the aligned pass comes first (RFC 9990 §3.1.2)
    assert rec.dkim_aligned == "pass" and rec.spf_aligned == "fail"
    null = record_from_report(by_name["null-sender-bounce"], 1, [])
    assert null.envelope_from == ""
    assert len(CASES) == len(sample_reports())

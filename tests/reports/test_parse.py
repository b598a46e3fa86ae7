"""`emlauth report parse`: every input form and format the issue names, the --json contract, CSV, and the
tolerated deviations each named in "warnings" (STANDARDS DMARC-21, DMARC-22)."""

from __future__ import annotations

import csv
import io
import json
import mailbox

import pytest
from reports.makers import (
    FAILURE_REPORT,
    SAMPLE,
    gzipped,
    head,
    messages_in,
    report_mail,
    report_xml,
    zipped,
)

from toolkit.shells.cli import main


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(["report", *[str(a) for a in argv]])
    out, err = capsys.readouterr()
    return code, out, err


def parse_json(capsys, *paths, extra=()) -> tuple[int, list[dict], str]:
    code, out, err = run(capsys, "parse", "--json", *extra, *paths)
    return code, [json.loads(line) for line in out.splitlines()], err


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


REPORT_KEYS = {
    "type", "source", "org_name", "email", "report_id", "begin", "end", "domain", "policy_published", "records",
    "messages", "warnings",
}  # fmt: skip
RECORD_KEYS = {
    "source_ip", "count", "disposition", "dkim", "spf", "header_from", "envelope_from", "envelope_to", "reasons",
    "auth_results",
}  # fmt: skip


def test_json_contract_on_the_sample(capsys):
    code, reports, err = parse_json(capsys, SAMPLE)
    assert (code, err) == (0, "")
    [report] = reports
    assert report.keys() >= REPORT_KEYS
    assert set(report["policy_published"]) == {"p", "sp", "np", "pct", "adkim", "aspf", "testing", "discovery_method"}
    assert report["policy_published"]["pct"] is None  # absent values are null, not missing
    assert (report["type"], report["org_name"], report["domain"]) == ("aggregate", "mail.example.org", "example.com")
    assert (report["begin"], report["end"], report["messages"]) == (1772409600, 1772495999, 1762)
    assert report["format"] == "rfc9990" and report["policy_published"]["np"] == "reject"
    assert all(set(r) == RECORD_KEYS for r in report["records"])
    listed = report["records"][3]
    assert listed["reasons"] == [{"type": "mailing_list", "comment": "list footer added"}]
    assert listed["auth_results"] == {
        "dkim": [{"domain": "example.com", "selector": "s2048", "result": "fail"}],
        "spf": [{"domain": "lists.example.org", "scope": "mfrom", "result": "pass"}],
    }
    assert report["records"][1]["envelope_to"] is None
    assert report["warnings"] == []


@pytest.mark.parametrize(
    ("ctype", "filename", "note"),
    [
        ("application/gzip", "r.xml.gz", None),
        ("application/x-gzip", "r.xml.gz", None),
        ("application/octet-stream", "r.xml.gz", None),
        ("application/zip", "r.zip", "attachment r.zip labelled application/zip is gzip; read as gzip"),
    ],
)
def test_gzipped_report_mail_as_sent_in_the_wild(capsys, tmp_path, ctype, filename, note):
    mail = write(tmp_path, "report.eml", report_mail(gzipped(report_xml(4)), filename, ctype))
    code, [report], err = parse_json(capsys, mail)
    assert (code, err) == (0, "")
    assert report["source"] == f"{mail}:{filename}"
    assert report["messages"] == messages_in(4)
    assert report["warnings"] == ([note] if note else [])


def test_zip_gzip_and_plain_xml_files(capsys, tmp_path):
    paths = [
        write(tmp_path, "a.xml", report_xml(2, report_id="a")),
        write(tmp_path, "b.xml.gz", gzipped(report_xml(3, report_id="b"))),
        write(tmp_path, "c.zip", zipped({"c.xml": report_xml(5, report_id="c")})),
        write(tmp_path, "d.eml", report_mail(zipped({"d.xml": report_xml(1, report_id="d")}), "d.zip", "application/zip")),  # noqa: E501
    ]  # fmt: skip
    code, reports, _ = parse_json(capsys, *paths)
    assert code == 0
    assert [(r["report_id"], len(r["records"])) for r in reports] == [("a", 2), ("b", 3), ("c", 5), ("d", 1)]
    assert reports[2]["source"] == f"{paths[2]}:c.xml"


def test_mbox_and_maildir(capsys, tmp_path):
    box = mailbox.mbox(tmp_path / "reports.mbox")
    for rid in ("m1", "m2"):
        box.add(report_mail(gzipped(report_xml(2, report_id=rid)), f"{rid}.xml.gz"))
    box.close()
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(report_mail(gzipped(report_xml(2, report_id="md")), "md.xml.gz"))
    maildir.add(FAILURE_REPORT)
    code, reports, _ = parse_json(capsys, tmp_path / "reports.mbox", tmp_path / "Maildir")
    assert code == 0
    ids = sorted(r.get("report_id") or r["type"] for r in reports)
    assert ids == ["failure", "m1", "m2", "md"]
    assert reports[0]["source"].startswith(f"{tmp_path / 'reports.mbox'}#1")


def test_failure_report_fields(capsys, tmp_path):
    code, [report], _ = parse_json(capsys, write(tmp_path, "f.eml", FAILURE_REPORT))
    assert code == 0
    assert report["type"] == "failure"
    assert (report["source_ip"], report["reported_domain"], report["auth_failure"]) == (
        "203.0.113.99",
        "example.com",
        ["dmarc"],
    )
    assert report["arrival"] == 1772529041  # 2026-03-03 09:10:41 UTC
    assert "Subject: Your invoice is overdue" in report["original_headers"]
    assert report["warnings"] == []


RFC7489 = b"""<?xml version="1.0"?>
<feedback><version>1.0</version>
<report_metadata><org_name>receiver.example.net</org_name><email>r@receiver.example.net</email>
<report_id>7489-1</report_id><date_range><begin>1772409600</begin><end>1772495999</end></date_range></report_metadata>
<policy_published><domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>quarantine</p><sp>none</sp>
<pct>50</pct></policy_published>
<record><row><source_ip>2001:db8::1</source_ip><count>2</count><policy_evaluated><disposition>none</disposition>
<dkim>fail</dkim><spf>fail</spf><reason><type>sampled_out</type></reason><reason><type>forwarded</type>
</reason></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers>
<auth_results><dkim><domain>example.com</domain><result>neutral</result></dkim>
<spf><domain>mx.example.net</domain><scope>helo</scope><result>pass</result></spf>
<spf><domain>example.com</domain><scope>mfrom</scope><result>softfail</result></spf></auth_results></record>
</feedback>
"""
DRAFT = b"""<feedback><report_metadata><org_name>old.example.net</org_name><email>x@old.example.net</email>
<report_id>draft-1</report_id><date_range><begin>1330000000</begin><end>1330086399</end></date_range>
</report_metadata><policy_published><domain>Example.COM</domain><p>none</p></policy_published>
<record><row><source_ip>192.0.2.1</source_ip><count>3</count><policy_evaluated><disposition>none</disposition>
<dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identities><header_from>example.com</header_from>
</identities><auth_results><dkim><domain>example.com</domain><result>hardfail</result></dkim></auth_results></record>
</feedback>"""


def test_rfc7489_and_draft_formats(capsys, tmp_path):
    code, (old, draft), _ = parse_json(capsys, write(tmp_path, "a.xml", RFC7489), write(tmp_path, "b.xml", DRAFT))
    assert code == 0
    assert (old["format"], old["policy_published"]["pct"], old["policy_published"]["np"]) == ("rfc7489", 50, None)
    record = old["records"][0]
    assert [r["type"] for r in record["reasons"]] == ["sampled_out", "forwarded"]
    assert record["auth_results"]["spf"][0] == {"domain": "mx.example.net", "scope": "helo", "result": "pass"}
    assert record["auth_results"]["dkim"][0]["selector"] is None  # optional in 7489
    assert old["warnings"] == []
    assert (draft["format"], draft["domain"]) == ("draft", "example.com")
    assert draft["records"][0]["header_from"] == "example.com"
    assert draft["records"][0]["auth_results"]["dkim"][0]["result"] == "fail"
    assert "pre-standard <identities> read as <identifiers>" in draft["warnings"]
    assert "obsolete DKIM result 'hardfail' read as 'fail'" in draft["warnings"]


def test_rfc9990_extensions_and_generator(capsys, tmp_path):
    xml = head().replace("<version>1.0</version>", "<version>1.0</version><extension><ext:x xmlns:ext='urn:x'/>"
                         "</extension>").encode()  # fmt: skip
    xml = xml.replace(b"</report_metadata>", b"<generator>gen 1</generator></report_metadata>")
    code, [report], _ = parse_json(capsys, write(tmp_path, "e.xml", xml + b"</feedback>"))
    assert code == 0
    assert (report["generator"], report["extensions"], report["warnings"]) == (
        "gen 1",
        ["x"],
        ["no <record> in the report"],
    )


MESSY = head().encode() + (
    "<record><row><source_ip>192.0.2.5</source_ip><count>4</count><policy_evaluated>"
    "<disposition>None</disposition><dkim>Pass</dkim><spf>FAIL</spf><reason></reason><reason><type></type></reason>"
    "</policy_evaluated><color>blue</color></row><identifiers><header_from>example.com</header_from></identifiers>"
    "<auth_results><dkim><domain>example.com</domain><selector>s\xe9l</selector><result>pass</result></dkim>"
    "</auth_results></record></feedback>\n<junk>"
).encode("latin-1")


def test_messy_report_is_read_and_every_deviation_named(capsys, tmp_path):
    code, [report], err = parse_json(capsys, write(tmp_path, "messy.xml", MESSY))
    assert (code, err) == (0, "")
    record = report["records"][0]
    assert (record["disposition"], record["dkim"], record["spf"], record["reasons"]) == ("none", "pass", "fail", [])
    assert record["auth_results"]["dkim"][0]["selector"] == "s\ufffdl"
    warnings = report["warnings"]
    for expected in (
        "upper-case 'None' read as 'none'",
        "upper-case 'Pass' read as 'pass'",
        "upper-case 'FAIL' read as 'fail'",
        "empty <reason> ignored (2 times)",
        "unknown element <color> in <row> ignored",
        "invalid UTF-8 replaced with U+FFFD",
    ):
        assert expected in warnings
    assert any(w.startswith("XML recovered after an error: text after </feedback> ignored") for w in warnings)


def test_truncated_report_keeps_complete_records(capsys, tmp_path):
    data = report_xml(10)
    cut = data[: data.index(b"<record>", data.index(b"<record>") + 8 * 400) + 30]
    code, [report], _ = parse_json(capsys, write(tmp_path, "cut.xml", cut))
    assert code == 0
    kept = len(report["records"])
    assert 0 < kept < 10
    assert any(f"kept the {kept} complete records" in w for w in report["warnings"])


def test_non_report_input_is_one_line_and_others_still_parse(capsys, tmp_path):
    bad = write(tmp_path, "notes.txt", b"just some text\n")
    other = write(tmp_path, "other.xml", b"<html><body>hi</body></html>")
    code, reports, err = parse_json(capsys, bad, SAMPLE, other, tmp_path / "missing.xml")
    assert code == 1
    assert [r["report_id"] for r in reports] == ["2026-03-02.example.com.7f3a"]
    lines = err.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"emlauth report parse: {bad}: not a DMARC report")
    assert (
        lines[1]
        == f"emlauth report parse: {other}: not a DMARC aggregate report: the root element is <html>, not <feedback>"
    )
    assert lines[2].startswith(f"emlauth report parse: {tmp_path / 'missing.xml'}: cannot read")


@pytest.mark.parametrize("argv", [("--json", "--csv"), ("--max-size", "lots")])
def test_usage_error_exits_2(capsys, argv):
    with pytest.raises(SystemExit) as exit_:
        run(capsys, "parse", *argv, SAMPLE)
    assert exit_.value.code == 2
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_csv_one_line_per_record_with_report_fields_repeated(capsys):
    code, out, _ = run(capsys, "parse", "--csv", SAMPLE)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 6
    assert {r["report_id"] for r in rows} == {"2026-03-02.example.com.7f3a"}
    assert [int(r["count"]) for r in rows] == [1240, 310, 42, 18, 95, 57]
    assert rows[3]["reasons"] == "mailing_list:list footer added"


def test_text_output(capsys):
    code, out, _ = run(capsys, "parse", SAMPLE)
    assert code == 0
    assert "6 records, 1762 messages" in out and "domain example.com (p=none sp=none np=reject t=n)" in out


def test_bad_source_ip_is_named_in_every_report(capsys, tmp_path):
    data = report_xml(1).replace(b"<source_ip>203.0.113.1</source_ip>", b"<source_ip>mx.example.net</source_ip>")
    paths = [write(tmp_path, f"{n}.xml", data) for n in ("a", "b")]
    code, reports, _ = parse_json(capsys, *paths)
    assert code == 0
    for report in reports:
        assert report["records"][0]["source_ip"] == "mx.example.net"
        assert report["warnings"] == ["source_ip 'mx.example.net' is not an IP address; kept as sent"]


def test_report_text_cannot_reach_the_terminal_raw(capsys, tmp_path):
    """Issue 15: org_name and report_id come from a stranger's XML; C1 (CSI) and bidi overrides are shown escaped."""
    path = tmp_path / "evil.xml"
    xml = report_xml(rows=1).decode().replace("mail.example.org", "evil&#x9b;2J&#x202e;gro.elpmaxe", 1)
    path.write_bytes(xml.replace("<report_id>r-1", "<report_id>r&#x9b;1", 1).encode())
    code, out, _ = run(capsys, "parse", str(path))
    assert code == 0 and "\x9b" not in out and "\u202e" not in out
    assert "evil\\x9b2J\\u202egro.elpmaxe" in out and "r\\x9b1" in out

"""`emlauth report ingest | summary` on SQLite and PostgreSQL: idempotent ingest, the sources table with its
plain-language labels, and the readiness verdict, from the sample reports (samples/reports)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from toolkit.core.dmarc.report_digest import Row, classify, digest
from toolkit.core.dmarc.report_model import DkimAuth, Reason, Record, SpfAuth
from toolkit.shells.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "reports"
INPUTS = sorted(SAMPLES.glob("*.xml")) + sorted(SAMPLES.glob("*.eml"))
ZONES = SAMPLES / "zones"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(["report", *[str(a) for a in argv]])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def sample_store(store_url, capsys) -> str:
    code, out, err = run(capsys, "ingest", *INPUTS, "--db", store_url)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "3 reports: 3 new, 0 duplicate (stored once)"
    return store_url


def test_ingest_twice_counts_once(sample_store, capsys):
    code, out, _ = run(capsys, "ingest", *INPUTS, "--db", sample_store)
    assert code == 0
    assert out.splitlines()[-1] == "3 reports: 0 new, 3 duplicate (stored once)"
    assert out.count("duplicate, already stored") == 3


def test_summary_json_sources_and_verdict(sample_store, capsys):
    code, out, _ = run(capsys, "summary", "--db", sample_store, "--zones", ZONES, "--json")
    assert code == 0
    [d] = [json.loads(line) for line in out.splitlines()]
    assert (d["domain"], d["reports"], d["messages"]) == ("example.com", 3, 1762 + 1056 + 1843)
    assert [x["day"] for x in d["days"]] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    by_name = {s["source"]: s for s in d["sources"]}
    assert by_name["esp.example.net"]["label"] == "your ESP: aligned by DKIM"
    assert by_name["forwarder.test"]["label"] == "forwarder: SPF fails, DKIM survives"
    assert by_name["lists.example.org"]["label"] == "mailing list: DKIM broken, not aligned"
    assert by_name["203.0.113.99"]["label"] == "unauthenticated: probably spoofing"  # no reverse name: the IP
    assert by_name["crm.example.net"]["kind"] == "unaligned"
    assert by_name["esp.example.net"]["reverse_names"] == ["out17.esp.example.net"]
    readiness = d["readiness"]
    assert readiness["verdict"] == "not_ready"
    lost = {s["source"]: s["messages"] for s in readiness["lost_sources"]}
    assert lost == {"crm.example.net": 95 + 57 + 76, "lists.example.org": 18 + 10 + 14}
    assert readiness["quarantine"]["legitimate_messages_to_spam"] == sum(lost.values())
    assert readiness["spoofed_messages_stopped"] == 57 + 34 + 480
    assert [f["kind"] for f in readiness["fix_first"]] == ["unaligned", "spf_only", "mailing_list"]
    assert d["dmarc_pass"] == d["messages"] - sum(lost.values()) - readiness["spoofed_messages_stopped"]


def test_summary_text_en_and_ja(sample_store, capsys):
    code, out, _ = run(capsys, "summary", "--db", sample_store, "--zones", ZONES)
    assert code == 0
    assert out.startswith("example.com: 4,661 messages in 3 reports, DMARC pass ")
    assert "Under p=quarantine: 270 messages (5.8%) from sources that look legitimate would go to spam." in out
    assert "1. Set up DKIM signing with your own domain at crm.example.net (192.0.2.140)" in out
    code, out, _ = run(capsys, "summary", "--db", sample_store, "--zones", ZONES, "--lang", "ja")
    assert code == 0
    assert "p=quarantine にすると: 正規と思われる送信元からの 270 通 (5.8%) が迷惑メールに入ります。" in out
    assert "判定: まだ早いです。" in out and "配信サービス (ESP): DKIM で一致" in out


def test_summary_filters_csv_and_no_rdns(sample_store, capsys):
    code, out, _ = run(capsys, "summary", "--db", sample_store, "--no-rdns", "--csv", "--since", "2026-03-04")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sum(int(r["messages"]) for r in rows) == 1843  # only the report of 2026-03-04
    assert {r["source"] for r in rows} >= {"192.0.2.17", "203.0.113.99"}  # grouped by IP without DNS
    code, out, err = run(capsys, "summary", "--db", sample_store, "--no-rdns", "--domain", "example.org")
    assert (code, out) == (1, "")
    assert err == "No aggregate reports in the store match.\n"


def test_summary_of_a_missing_store_is_one_line(tmp_path, capsys):
    missing = tmp_path / "none.db"
    code, out, err = run(capsys, "summary", "--db", missing, "--no-rdns")
    assert (code, out) == (2, "")
    hint = f"(run `emlauth report ingest ... --db {missing}` first)"
    assert err == f"emlauth report: error: no report store at {missing} {hint}\n"
    assert not missing.exists()


def rec(ip, count, dkim, spf, dkim_auth=(), spf_auth=(), reasons=()) -> Record:
    return Record(ip, count, "none", dkim, spf, "example.com", None, None, tuple(reasons), tuple(dkim_auth),
                  tuple(spf_auth))  # fmt: skip


@pytest.mark.parametrize(
    ("record", "kind"),
    [
        (rec("192.0.2.1", 1, "pass", "pass"), "aligned"),
        (rec("192.0.2.1", 1, "pass", "fail", spf_auth=[SpfAuth("esp.example.net", "mfrom", "pass")]), "esp_dkim"),
        (rec("192.0.2.1", 1, "pass", "fail", spf_auth=[SpfAuth("example.com", "mfrom", "fail")]), "forwarder"),
        (rec("192.0.2.1", 1, "fail", "pass"), "spf_only"),
        (rec("192.0.2.1", 1, "fail", "fail", dkim_auth=[DkimAuth("example.com", "s", "fail")]), "mailing_list"),
        (rec("192.0.2.1", 1, "fail", "fail", reasons=[Reason("forwarded")]), "forwarded"),
        (rec("192.0.2.1", 1, "fail", "fail", dkim_auth=[DkimAuth("crm.example.net", "s", "pass")]), "unaligned"),
        (rec("192.0.2.1", 1, "fail", "fail", spf_auth=[SpfAuth("spoofer.example.net", "mfrom", "pass")]), "spoofing"),
    ],
)
def test_classify(record, kind):
    assert classify(record, "example.com") == kind


@pytest.mark.parametrize(
    ("records", "verdict"),
    [
        ([rec("192.0.2.1", 9, "pass", "pass"), rec("203.0.113.9", 5, "fail", "fail")], "ready"),
        ([rec("192.0.2.1", 9, "pass", "pass"), rec("192.0.2.2", 1, "fail", "fail", reasons=[Reason("mailing_list")])],
         "ready_but_lists"),
        ([rec("192.0.2.1", 9, "fail", "fail", dkim_auth=[DkimAuth("esp.example.net", "s", "pass")])], "not_ready"),
    ],
)  # fmt: skip
def test_readiness_verdicts(records, verdict):
    [d] = digest([Row("example.com", 1772409600, "none", r) for r in records], {}, {"example.com": 1})
    assert d.readiness.verdict == verdict
    assert d.readiness.spoofed == (5 if verdict == "ready" else 0)


def test_ingest_into_a_newer_store_is_refused_in_one_line(store_url, capsys):
    from toolkit.shells.store import open_store

    with open_store(store_url) as store:
        store.execute("INSERT INTO emlauth_schema (version, description) VALUES (?, 'from the future')", (7,))
    code, out, err = run(capsys, "ingest", INPUTS[0], "--db", store_url)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "is at schema version 7, newer than this emlauth knows" in err


@pytest.mark.peers
def test_reverse_names_from_a_real_nameserver(tmp_path, capsys, knot_factory):
    """--nameserver goes through the same resolver seam: knot serving samples/reports/zones gives the same names."""
    server = knot_factory(ZONES)
    db = tmp_path / "r.db"
    assert run(capsys, "ingest", INPUTS[0], "--db", db)[0] == 0
    code, out, _ = run(capsys, "summary", "--db", db, "--json", "--nameserver", f"{server.host}:{server.port}")
    assert code == 0
    sources = {s["source"]: s["reverse_names"] for s in json.loads(out)["sources"]}
    assert sources["esp.example.net"] == ["out17.esp.example.net"]
    assert sources["forwarder.test"] == ["mx.forwarder.test"]
    assert sources["203.0.113.99"] == []


def test_ingest_failure_reports(tmp_path, capsys):
    from reports.makers import FAILURE_REPORT

    mail = tmp_path / "failure.eml"
    mail.write_bytes(FAILURE_REPORT)
    db = tmp_path / "r.db"
    code, out, _ = run(capsys, "ingest", mail, "--db", db)
    assert (code, out.splitlines()[0]) == (0, f"{mail}: failure report for example.com: new")
    code, out, _ = run(capsys, "ingest", mail, "--db", db)
    assert out.splitlines()[-1] == "1 report: 0 new, 1 duplicate (stored once)"

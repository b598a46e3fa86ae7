"""The whole receiver loop: verify a Maildir with --record, generate the reports, read them back with our own
report parser, and check the counts and verdicts equal what was recorded (and what the verifier said).

Runs on SQLite and PostgreSQL (RFC 9990) and on SQLite in RFC 7489 form.
"""

from __future__ import annotations

from collections import Counter

import pytest
from support.report_world import CASES, SAMPLES, read_reports

from toolkit.core.dmarc.report_xml_record import record_from_report
from toolkit.core.verify import SmtpContext, verify_message
from toolkit.resolvers.zonefile import ZoneFileResolver
from toolkit.shells.cli import main
from toolkit.shells.store import open_store

CONTEXT = dict(ip="198.51.100.17", helo="out17.esp.example.net", mail_from="news@mail.example.com")
NOW = 1772442120  # 2026-03-02


def _maildir(tmp_path):
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for case in CASES:
        name = case["file"].split("/")[1]
        (maildir / "new" / f"1772442120.{name}.receiver.test").write_bytes((SAMPLES / case["file"]).read_bytes())
    return maildir


def _expected() -> Counter:
    """What the verifier says about each message, straight from verify_message (no store involved)."""
    resolver = ZoneFileResolver(SAMPLES / "zones")
    out: Counter = Counter()
    for case in CASES:
        raw = (SAMPLES / case["file"]).read_bytes()
        report = verify_message(raw, SmtpContext(**CONTEXT), resolver, NOW)
        rec = record_from_report(report, NOW)
        if rec.policy_domain:
            key = (rec.policy_domain, rec.source_ip, rec.header_from, rec.disposition, rec.dkim_aligned,
                   rec.spf_aligned)  # fmt: skip
            out[key] += 1
    return out


@pytest.mark.parametrize("fmt", ["rfc9990", "rfc7489"])
def test_verify_record_generate_parse(store_url, tmp_path, capsys, fmt) -> None:
    if fmt == "rfc7489" and store_url.startswith("postgresql"):
        pytest.skip("the 7489 rendering does not depend on the database")
    maildir = _maildir(tmp_path)
    argv = ["--zones", str(SAMPLES / "zones"), "--ip", CONTEXT["ip"], "--helo", CONTEXT["helo"], "--mail-from",
            CONTEXT["mail_from"], "--now", str(NOW), "--header-only", "--jobs", "2", "--record", store_url,
            str(maildir)]  # fmt: skip
    main(["verify", *argv])
    assert f"recorded {len(CASES)} new message(s)" in capsys.readouterr().err
    out = tmp_path / "out"
    out.mkdir()
    generate = ["report", "generate", "--db", store_url, "--org-name", "Receiver Test", "--email",
                "dmarc-reports@receiver.test", "--day", "2026-03-02", "--format", fmt, "--out", str(out)]  # fmt: skip
    assert main(generate) == 0
    parsed = read_reports(out)
    got: Counter = Counter()
    for report in parsed.values():
        assert report.head.format == fmt and not report.warnings  # our own output needs no tolerance
        for r in report.records:
            got[(report.head.domain, r.source_ip, r.header_from, r.disposition, r.dkim, r.spf)] += r.count
    expected = _expected()
    if fmt == "rfc7489":  # 7489 has no `pass` disposition
        expected = Counter({(d, ip, hf, "none" if disp == "pass" else disp, dk, sp): n
                            for (d, ip, hf, disp, dk, sp), n in expected.items()})  # fmt: skip
    assert got == expected
    # and the store says the same: every recorded message under a policy is in exactly one report row
    with open_store(store_url) as store:
        recorded = store.query("SELECT COUNT(*) FROM recorded_message WHERE policy_domain IS NOT NULL")[0][0]
        passing = store.query("SELECT COUNT(*) FROM recorded_message WHERE dmarc_result = 'pass'")[0][0]
    assert sum(got.values()) == recorded == sum(expected.values())
    assert sum(n for (_, _, _, _, dk, sp), n in got.items() if "pass" in (dk, sp)) == passing

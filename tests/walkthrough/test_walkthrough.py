"""toolkit.walkthrough.explain and `emlauth walkthrough`: the narration carries the key facts of the evidence."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from toolkit.core.verify import SmtpContext, verify_message
from toolkit.resolvers.zonefile import ZoneFileResolver
from toolkit.shells.cli import main
from toolkit.shells.exits import report_exit_code
from toolkit.walkthrough import WIDTH, explain

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CASES = {c["name"]: c for c in tomllib.loads((SAMPLES / "cases.toml").read_text())["sample"]}
RESOLVER = ZoneFileResolver(SAMPLES / "zones")


def _report(name: str):
    case = CASES[name]
    raw = (SAMPLES / case["file"]).read_bytes()
    return verify_message(raw, SmtpContext(case["ip"], case["helo"], case["mail_from"]), RESOLVER, case["now"])


def test_all_pass_names_spf_term_keys_body_hashes_and_alignment() -> None:
    report = _report("all-pass")
    text = explain(report)
    assert "include:amazonses.example.net" in text  # the matched SPF term
    assert "ip4:198.51.100.0/26" in text  # ... and the term inside the include that matched
    assert '"v=spf1 include:amazonses.example.net ~all"' in text  # the record fetched
    assert "TXT amazonses.example.net -> OK" in text and "[lookup 1/10]" in text  # the ledger
    assert "d=example.com s=s2048" in text and "d=example.com s=ed1" in text
    for result in report.dkim:
        assert result.body_hash_expected in text and result.body_hash_computed in text
    assert "s2048._domainkey.example.com" in text and "2048 bits" in text
    assert "from:Example Newsletter <news@example.com>" in text  # a canonicalized header line
    assert '"v=DMARC1; p=none; pct=100; rua=mailto:dmarc@example.com"' in text
    assert "passed and aligned (relaxed)" in text
    assert "DMARC result: pass" in text
    assert "dmarc=pass" in text and "policy.dmarc=none" in text  # the A-R, item by item
    assert "pct= is not part of RFC 9989" in text  # the DMARC warning is passed on


def test_numbered_sections_and_width() -> None:
    text = explain(_report("ses-easy-dkim"))
    headings = [line for line in text.splitlines() if line[:1].isdigit() and ". " in line[:4]]
    assert [h.split(".")[0] for h in headings] == [str(n) for n in range(1, len(headings) + 1)]
    assert len(headings) == 7  # envelope, SPF, 2 signatures, DMARC, A-R, summary
    assert "through a CNAME at wxq6xgm2b4fpmf5l._domainkey.example.com" in text  # Easy DKIM (SES-1)
    long_lines = [line for line in text.splitlines() if len(line) > WIDTH and not line.startswith("    ")]
    assert long_lines == []


def test_mailing_list_walkthrough_has_the_diagnosis_and_the_policy() -> None:
    report = _report("mailing-list")
    text = explain(report)
    assert "they DIFFER" in text
    assert report.dkim[0].body_hash_expected in text and report.dkim[0].body_hash_computed in text
    assert "the last 3 lines (a footer) are removed" in text
    assert "SPF MAIL FROM domain lists.test: passed but NOT aligned" in text
    assert "p=reject" in text and "quarantine (never reject on p=reject alone" in text


def test_forwarded_spf_fail_dkim_rescues() -> None:
    text = explain(_report("forwarded"))
    assert "SPF result: fail" in text and "-all" in text
    assert "DKIM d=example.org s=sel1: passed and aligned" in text
    assert "DMARC result: pass" in text


def test_strict_alignment_is_explained() -> None:
    text = explain(_report("strict-alignment"))
    assert "adkim=s, aspf=s" in text
    assert "passed but NOT aligned (strict) with strict.example.org" in text
    assert "only the exact domain counts" in text


def test_null_sender_and_subdomain_policies() -> None:
    bounce = explain(_report("null-sender-bounce"))
    assert "MAIL FROM) is empty: <>" in bounce and "postmaster@mx.example.com" in bounce
    assert "no DKIM-Signature" in bounce
    sp = explain(_report("subdomain-sp"))
    assert "sp=quarantine" in sp and "Published policy for this domain: quarantine" in sp
    np_ = explain(_report("nonexistent-np"))
    assert "np=reject" in np_ and "Published policy for this domain: reject" in np_


def test_failures_carry_their_reasons() -> None:
    assert "key revoked" in explain(_report("revoked-key"))
    assert "signature expired" in explain(_report("expired-signature"))
    tampered = explain(_report("tampered-header"))
    assert "The published key opens the signature" in tampered and "NEW BANK DETAILS" in tampered
    temp = explain(_report("dns-temperror"))
    assert "TEMPFAIL (SERVFAIL)" in temp and "DMARC result: temperror" in temp
    assert "the body was not hashed" in " ".join(temp.split()) and "DIFFER" not in temp
    testing = explain(_report("testing-key"))
    assert "testing mode (t=y)" in testing and "RSA-1024" in testing
    body_length = explain(_report("body-length"))
    assert "not covered by the signature" in body_length and "spoofer.test/sale" in body_length


def test_japanese_headings() -> None:
    text = explain(_report("all-pass"), lang="ja")
    assert "ウォークスルー" in text and "まとめ" in text
    assert "include:amazonses.example.net" in text  # the evidence is the same


def test_cli_runs_a_sample_by_name(capsys) -> None:
    code = main(["walkthrough", "mailing-list"])
    out = capsys.readouterr().out
    assert code == CASES["mailing-list"]["expect"]["exit_code"] == 1
    assert "1. Who sent it" in out and "the last 3 lines (a footer) are removed" in out


def test_cli_takes_a_path_and_overrides(capsys, tmp_path) -> None:
    copy = tmp_path / "mail.eml"
    copy.write_bytes((SAMPLES / "messages/forwarded.eml").read_bytes())
    argv = ["walkthrough", str(copy), "--ip", "198.51.100.25", "--helo", "mx.example.org"]
    argv += ["--mail-from", "news@example.org", "--now", str(CASES["forwarded"]["now"])]
    argv += ["--zones", str(SAMPLES / "zones")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "may 198.51.100.25 send mail for example.org" in out and "SPF result: pass" in out


def test_cli_json_and_list(capsys) -> None:
    assert main(["walkthrough", "mailing-list", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["diagnoses"][0]["code"] == "body_change_found"
    assert data["dmarc"]["result"] == "fail"
    assert main(["walkthrough", "--list"]) == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in CASES)


def test_cli_unknown_sample_is_a_one_line_error(capsys) -> None:
    assert main(["walkthrough", "no-such-sample"]) == 2
    err = capsys.readouterr().err
    assert "no sample or file" in err and "all-pass" in err


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_sample_narrates_without_error(name: str) -> None:
    text = explain(_report(name))
    assert f"exit code {CASES[name]['expect']['exit_code']}" in text


def test_japanese_diagnosis_and_width() -> None:
    from toolkit.walkthrough.layout import columns as _columns

    text = explain(_report("mailing-list"), lang="ja")
    assert "末尾の 3 行 (フッター) を取り除くとボディハッシュが一致します" in text
    assert "推奨する扱い: quarantine" in text
    too_wide = [line for line in text.splitlines() if _columns(line) > WIDTH and not line.startswith("    ")]
    assert too_wide == []


def test_unknown_language_falls_back_to_english() -> None:
    assert explain(_report("all-pass"), lang="xx").startswith("Walkthrough:")


@pytest.mark.parametrize(
    "raw",
    [
        b"Subject: no From at all\r\n\r\nbody\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha1; d=; s=; h=; bh=; b=\r\nFrom: a@example.com\r\nFrom: b@example.org\r\n\r\nx",
        b"DKIM-Signature: garbage\r\nFrom: a@example.com\r\n\r\n",
        b"",
        b"\x00\xff\r\n\r\n",
    ],
)
@pytest.mark.parametrize("context", [SmtpContext(), SmtpContext("192.0.2.1", "h.example.com", "")])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_hostile_or_partial_input_still_narrates(raw: bytes, context: SmtpContext, lang: str) -> None:
    from toolkit.resolvers.memory import MemoryResolver

    report = verify_message(raw, context, MemoryResolver({}), 1772442000)
    text = explain(report, lang=lang)
    assert text.count("\n1. ") == 1 and str(report_exit_code(report)) in text
    if context.ip is None:
        assert "SPF" in text and report.spf is None


def test_verify_eml_explain_uses_the_walkthrough(capsys) -> None:
    from toolkit.shells.cli import verify_eml_main

    case = CASES["forwarded"]
    argv = [str(SAMPLES / case["file"]), "--zones", str(SAMPLES / "zones"), "--ip", case["ip"], "--helo", case["helo"]]
    argv += ["--mail-from", case["mail_from"], "--now", str(case["now"]), "--explain"]
    assert verify_eml_main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("Walkthrough:") and "DKIM d=example.org s=sel1: passed and aligned" in out

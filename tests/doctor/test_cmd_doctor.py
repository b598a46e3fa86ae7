"""`emlauth doctor` as a user runs it: text and JSON output, exit codes, Japanese, colour only on a terminal,
the bulk-sender table for a message, and bad input that must give findings or one-line errors, never a traceback."""

from __future__ import annotations

import json
import re

import pytest

from toolkit.core.dkim.keys import generate_key
from toolkit.core.dkim.sign import SignerConfig, sign
from toolkit.core.domain import diagnose
from toolkit.resolvers import MemoryResolver, ZoneFileResolver
from toolkit.shells.cli import main

from .scenarios import includes
from .world import REGION, SES, txt, write_world

BASE = ["--ses-region", REGION, "--ses-domain", SES, "--selector", "s1"]
NOW = 1772442120


def doctor(capsys, folder, *args):
    code = main(["doctor", *args, "--zones", str(folder)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def codes(out: str) -> list[str]:
    return [f["code"] for f in json.loads(out)["findings"]]


def test_json_shape_and_exit_0(tmp_path, capsys):
    code, out, _ = doctor(capsys, write_world(tmp_path), "example.com", *BASE, "--json")
    data = json.loads(out)
    assert code == 0 == data["exit_code"] and data["domain"] == "example.com"
    keys = {"check", "code", "level", "message", "fix", "rule", "selector"}
    assert all(set(f) == keys for f in data["findings"])
    assert {f["check"] for f in data["findings"]} >= {"spf", "dkim", "dmarc", "mx", "mailfrom", "mta-sts", "bimi"}


def test_text_grouped_by_area_without_colour_when_piped(tmp_path, capsys):
    code, out, _ = doctor(capsys, write_world(tmp_path), "example.com", *BASE)
    assert code == 0 and "\x1b[" not in out
    assert out.index("SPF") < out.index("DKIM") < out.index("DMARC") < out.index("Mail flow")
    assert "worst-case lookup tree" in out and "include:amazonses.example.net  1 lookup" in out


def test_broken_domain_exit_1_with_fixes(tmp_path, capsys):
    changes = {"example.com": {"dmarc": '_dmarc IN TXT "p=none; v=DMARC1"', "spf": '@ IN TXT "v=spf1 +all"'}}
    code, out, _ = doctor(capsys, write_world(tmp_path, changes), "example.com", *BASE, "--json")
    found = {f["code"]: f for f in json.loads(out)["findings"]}
    assert code == 1
    assert found["DMARC_V_NOT_FIRST"]["fix"] == '_dmarc.example.com. 3600 IN TXT "v=DMARC1; p=none"'
    assert found["SPF_PLUS_ALL"]["fix"] == 'example.com. 3600 IN TXT "v=spf1 ~all"'


def test_dns_timeout_on_one_check_exit_3_others_still_run(tmp_path, capsys):
    folder = write_world(tmp_path, faults="_dmarc.example.com TXT TIMEOUT\n")
    code, out, _ = doctor(capsys, folder, "example.com", *BASE, "--json")
    assert code == 3
    assert {"DMARC_DNS_ERROR", "SPF_OK", "DKIM_OK", "MX_OK", "MAILFROM_OK"} <= set(codes(out))


def test_japanese(tmp_path, capsys):
    changes = {"example.com": {"dmarc": '_dmarc IN TXT "v=DMARC1; p=none; rua=dmarc@example.com"'}}
    code, out, _ = doctor(capsys, write_world(tmp_path, changes), "example.com", *BASE, "--lang", "ja")
    assert code == 1
    assert "mailto:dmarc@example.com の誤りではありませんか" in out
    assert "監視の段階です" in out and "結果:" in out


def test_usage_errors_exit_2(tmp_path, capsys):
    folder = write_world(tmp_path)
    assert doctor(capsys, folder, "example.com", "--ip", "300.1.1.1")[0] == 2
    assert doctor(capsys, folder, "example.com", "--ses-region", "mars")[0] == 2


def test_zone_string_over_255_bytes_is_one_line_error(tmp_path, capsys):
    folder = write_world(tmp_path, {"example.com": {"spf": '@ IN TXT "v=spf1 ' + "a" * 300 + ' -all"'}})
    code, _, err = doctor(capsys, folder, "example.com")
    assert code == 2 and err.count("\n") == 1 and "string too long" in err


@pytest.mark.parametrize(
    ("domain", "code"),
    [("example..com", "DOMAIN_INVALID"), ("nowhere.example.com", "DOMAIN_NOT_FOUND"),
     ("bücher.example", "DOMAIN_NOT_FOUND"), ("\u00e9" * 70 + ".example", "DOMAIN_INVALID")],
)  # fmt: skip
def test_bad_domains_are_findings(tmp_path, capsys, domain, code):
    exit_code, out, _ = doctor(capsys, write_world(tmp_path), domain, "--json")
    assert exit_code == 1 and code in codes(out)


def test_dmarc_cname_loop(tmp_path):
    changes = {"example.com": {"dmarc": "_dmarc IN CNAME x._dmarc", "x": "x._dmarc IN CNAME _dmarc"}}
    report = diagnose("example.com", ZoneFileResolver(write_world(tmp_path, changes)))
    dmarc = [f for f in report.findings if f.check == "dmarc"]
    assert [f.code for f in dmarc] == ["DMARC_DNS_ERROR"] and "CNAME loop" in dmarc[0].message


def test_fifty_include_tree_is_counted_and_named(tmp_path):
    report = diagnose("example.com", ZoneFileResolver(write_world(tmp_path, includes(50))))
    assert report.spf_tree is not None and report.spf_tree.total == 50
    found = next(f for f in report.findings if f.code == "SPF_TOO_MANY_LOOKUPS")
    assert "50 DNS lookups" in found.message


def test_nested_include_tree_names_the_spender(tmp_path):
    nested = {
        "example.com": {"spf": '@ IN TXT "v=spf1 include:big.example.net include:amazonses.example.net ~all"'},
        "example.net": {
            "big": 'big IN TXT "v=spf1 include:b1.example.net include:b2.example.net a mx -all"',
            "b1": 'b1 IN TXT "v=spf1 include:b3.example.net a:x.example.net -all"',
            "b2": 'b2 IN TXT "v=spf1 mx:example.net exists:e.example.net -all"',
            "b3": 'b3 IN TXT "v=spf1 a:x.example.net a:x.example.net mx mx -all"',
            "x": "x IN A 192.0.2.1",
            "e": "e IN A 192.0.2.1",
        },
    }  # big = 1 + b1(1 + b3(1+4) + 1) + b2(1 + 2) + a + mx = 13
    report = diagnose("example.com", ZoneFileResolver(write_world(tmp_path, nested)))
    found = next(f for f in report.findings if f.code == "SPF_TOO_MANY_LOOKUPS")
    assert found.args["heavy"] == "include:big.example.net"
    assert "include:big.example.net (13)" in found.message and report.spf_tree.total == 14


KEY = generate_key("rsa", 2048)
OTHER_KEY = generate_key("rsa", 2048)
GOOD_HEADERS = (
    "Return-Path: <bounce@mail.example.com>\r\nFrom: News <news@example.com>\r\nTo: a@example.org\r\n"
    "Subject: hi\r\nDate: Mon, 02 Mar 2026 09:02:00 +0000\r\nMessage-ID: <1@example.com>\r\n"
    "List-Unsubscribe: <https://example.com/u/opaque-token>\r\n"
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
)


def _signed(tmp_path, headers: str, changes=None, signing_key=KEY) -> tuple:
    record = "v=DKIM1; k=rsa; p=" + KEY.public_key_b64()
    zones = {"example.com": {"bulk": f"bulk._domainkey IN TXT {txt(record)}"}, **(changes or {})}
    folder = write_world(tmp_path, zones)
    body = (headers + "\r\nHello.\r\n").encode()
    signer = SignerConfig("example.com", "bulk", signing_key, headers=["from", "to", "subject", "date", "message-id",
                                                              "list-unsubscribe", "list-unsubscribe-post"])  # fmt: skip
    message = tmp_path / "m.eml"
    message.write_bytes(sign(body, [signer], NOW))
    return folder, message


def test_bulk_sender_table_all_met(tmp_path, capsys):
    folder, message = _signed(tmp_path, GOOD_HEADERS)
    code, out, _ = doctor(
        capsys, folder, "example.com", *BASE, "--ip", "192.0.2.130", "--message", str(message), "--json"
    )
    bulk = {f["code"]: f["level"] for f in json.loads(out)["findings"] if f["check"] == "bulk"}
    assert bulk == dict.fromkeys(
        ("BULK_SPF_DKIM", "BULK_DMARC", "BULK_ALIGNED", "BULK_ONE_CLICK", "BULK_MESSAGE_ID", "BULK_DATE",
         "BULK_FREE_MAIL"), "ok")  # fmt: skip
    assert code == 0


def test_bulk_sender_table_unmet(tmp_path, capsys):
    folder, message = _signed(tmp_path, "From: someone@gmail.com\r\nTo: a@example.org\r\nSubject: hi\r\n")
    code, out, _ = doctor(capsys, folder, "example.com", *BASE, "--message", str(message), "--json")
    bulk = {f["code"]: f["level"] for f in json.loads(out)["findings"] if f["check"] == "bulk"}
    assert bulk["BULK_SPF_DKIM"] == "info"  # no --ip: unknown
    assert bulk["BULK_FREE_MAIL"] == bulk["BULK_MESSAGE_ID"] == bulk["BULK_DATE"] == bulk["BULK_DMARC"] == "error"
    assert bulk["BULK_ONE_CLICK"] == "warn" and code == 1


def test_spf_without_ip_is_doctors_spf_section(tmp_path, capsys):
    folder = write_world(tmp_path, includes(11))
    code = main(["spf", "--domain", "example.com", "--zones", str(folder)])
    spf_out = capsys.readouterr().out
    doctor_code, doctor_out, _ = doctor(capsys, folder, "example.com")
    assert code == doctor_code == 1
    section = doctor_out.split("\nSPF\n", 1)[1].split("\nDKIM\n", 1)[0].rstrip("\n")
    assert section in spf_out and "SPF_TOO_MANY_LOOKUPS" in section and "11/10 lookups" in section
    assert main(["spf", "--zones", str(folder)]) == 2


def test_too_many_lookups_fix_flattens_the_include(tmp_path):
    """SPF-14: the fix replaces the heaviest flattenable include by its ip4: terms, and that record fits."""
    resolver = ZoneFileResolver(write_world(tmp_path, includes(11)))
    report = diagnose("example.com", resolver)
    found = next(f for f in report.findings if f.code == "SPF_TOO_MANY_LOOKUPS")
    assert found.fix is not None and "ip4:192.0.2.1 " in found.fix and "include:i0.example.com" not in found.fix
    fixed = "".join(re.findall(r'"([^"]*)"', found.fix))
    memory = MemoryResolver(
        {
            "example.com": {"TXT": [fixed]},
            **{f"i{n}.example.com": {"TXT": [f"v=spf1 ip4:192.0.2.{n + 1} -all"]} for n in range(11)},
        }
    )
    assert diagnose("example.com", memory).spf_tree.total == 10


def test_colour_only_when_asked():
    from toolkit.core.domain import DoctorReport
    from toolkit.core.domain.findings import finding
    from toolkit.shells.cmd_doctor import render

    report = DoctorReport("example.com", "example.com", (finding("mx", "MX_OK", "ok", hosts="mx.example.com"),), None)
    assert "\x1b[32m" in render(report, colour=True) and "\x1b[" not in render(report)


ORG_DMARC = {"example.org": {"dmarc": '_dmarc IN TXT "v=DMARC1; p=none; rua=mailto:d@example.org"'}}
FROM_ORG = GOOD_HEADERS.replace("news@example.com", "news@example.org")


@pytest.mark.parametrize(
    ("code", "headers", "changes", "key", "also"),
    [
        # DKIM fails (SPF still aligns); one-click needs its fields signed by a passing signature (BULK-4)
        ("BULK_SPF_DKIM", GOOD_HEADERS, None, OTHER_KEY, {"BULK_ONE_CLICK"}),
        ("BULK_DMARC", FROM_ORG, None, KEY, set()),  # example.org publishes no DMARC record
        ("BULK_ALIGNED", FROM_ORG, ORG_DMARC, KEY, set()),  # d= and MAIL FROM are example.com's
        ("BULK_MESSAGE_ID", GOOD_HEADERS.replace("Message-ID: <1@example.com>\r\n", ""), None, KEY, set()),
        ("BULK_DATE", GOOD_HEADERS.replace("Mon, 02 Mar 2026 09:02:00 +0000", "yesterday"), None, KEY, set()),
        ("BULK_ONE_CLICK", GOOD_HEADERS.replace("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", ""),
         None, KEY, set()),
        # a free-mail From has no DMARC record in this offline world either
        ("BULK_FREE_MAIL", GOOD_HEADERS.replace("news@example.com", "news@gmail.com"), None, KEY, {"BULK_DMARC"}),
    ],
)  # fmt: skip
def test_each_bulk_requirement_alone(tmp_path, capsys, code, headers, changes, key, also):
    """BULK-2..4: break one requirement of the all-met message; only its row turns (plus what it implies)."""
    folder, message = _signed(tmp_path, headers, changes, key)
    args = [*BASE, "--ip", "192.0.2.130", "--message", str(message), "--json"]
    _, out, _ = doctor(capsys, folder, "example.com", *args)
    findings = json.loads(out)["findings"]
    bad = {f["code"] for f in findings if f["level"] not in ("ok", "info")}
    assert bad == {code} | also, bad

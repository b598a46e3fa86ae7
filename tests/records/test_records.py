"""`emlauth records dmarc|spf|dkim` in every format, SES forms, refusals; keycheck on truncated and private keys."""

from __future__ import annotations

import json
import re
import shlex

import pytest
from doctor.scenarios import includes
from doctor.world import KEY_2048, PRIVATE_1024, txt, write_world

from toolkit.shells.cli import main

KEY = "keys/test/example.com/s2048.private.pem"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def zone_values(out: str) -> dict[str, str]:
    """name TYPE -> joined value, from zone lines."""
    found = {}
    for line in out.splitlines():
        if line.startswith(";") or not line.strip():
            continue
        name, _ttl, _in, rtype, rdata = line.split(None, 4)
        found[f"{name} {rtype}"] = "".join(shlex.split(rdata)) if rtype == "TXT" else rdata
    return found


def test_dmarc_zone_mailto_and_external_authorization(capsys):
    code, out, _ = run(capsys, "records", "dmarc", "--domain", "example.com", "--policy", "none",
                       "--rua", "dmarc@example.com", "--rua", "agg@reports.example.net", "--pct", "50")  # fmt: skip
    values = zone_values(out)
    assert code == 0
    assert values["_dmarc.example.com. TXT"] == (
        "v=DMARC1; p=none; pct=50; rua=mailto:dmarc@example.com,mailto:agg@reports.example.net"
    )
    assert values["example.com._report._dmarc.reports.example.net. TXT"] == "v=DMARC1"
    assert "t=y" in out and "RFC 9989 removed pct" in out and "p=quarantine, then p=reject" in out


@pytest.mark.parametrize("fmt", ["table", "json", "route53"])
def test_dmarc_formats(capsys, fmt):
    code, out, _ = run(capsys, "records", "dmarc", "--domain", "example.com", "--policy", "reject", "--sp",
                       "quarantine", "--np", "reject", "--adkim", "s", "--aspf", "r", "--testing",
                       "--ruf", "mailto:f@example.com", "--rua", "a@example.com", "--format", fmt)  # fmt: skip
    value = "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=r; t=y; rua=mailto:a@example.com; " \
            "ruf=mailto:f@example.com"  # fmt: skip
    assert code == 0
    if fmt == "table":
        assert re.search(r"^_dmarc\.example\.com\s+TXT\s+" + re.escape(value) + "$", out, re.M)
    elif fmt == "json":
        assert json.loads(out)[0]["records"][0]["value"] == value
    else:
        change = json.loads(out)["Changes"][0]
        assert change["Action"] == "UPSERT" and change["ResourceRecordSet"]["Name"] == "_dmarc.example.com."
        assert change["ResourceRecordSet"]["ResourceRecords"] == [{"Value": f'"{value}"'}]


def test_dmarc_ses_pair_and_sesv2(capsys):
    code, out, _ = run(capsys, "records", "dmarc", "--domain", "example.com", "--policy", "none", "--rua",
                       "d@example.com", "--ses", "--region", "eu-west-1")  # fmt: skip
    values = zone_values(out)
    assert values["mail.example.com. MX"] == "10 feedback-smtp.eu-west-1.amazonses.com."
    assert values["mail.example.com. TXT"] == "v=spf1 include:amazonses.com ~all"
    code, out, _ = run(capsys, "records", "dmarc", "--domain", "example.com", "--policy", "none", "--ses", "--region",
                       "eu-west-1", "--format", "sesv2")  # fmt: skip
    assert code == 0 and "aws sesv2 put-email-identity-mail-from-attributes --region eu-west-1" in out
    assert run(capsys, "records", "dmarc", "--domain", "example.com", "--policy", "none", "--format", "sesv2")[0] == 2
    assert run(capsys, "records", "dmarc", "--domain", "example.com", "--policy", "none", "--ses")[0] == 2


def test_spf_counts_lookups_over_dns(capsys, tmp_path):
    folder = write_world(tmp_path)
    code, out, _ = run(capsys, "records", "spf", "--domain", "example.com", "--include", "amazonses.example.net",
                       "--mx", "--ip4", "192.0.2.0/24", "--all", "fail", "--zones", str(folder))  # fmt: skip
    assert code == 0
    assert zone_values(out)["example.com. TXT"] == "v=spf1 ip4:192.0.2.0/24 mx include:amazonses.example.net -all"
    assert "worst case 2/10 DNS lookups" in out


def test_spf_refuses_past_ten_and_names_the_include(capsys, tmp_path):
    changes = includes(10)
    changes["example.com"]["big"] = "big IN TXT " + txt(
        "v=spf1 " + " ".join(f"include:i{n}.example.com" for n in range(10)) + " -all"
    )
    folder = write_world(tmp_path, changes)
    code, out, err = run(capsys, "records", "spf", "--domain", "example.com", "--include", "big.example.com",
                         "--include", "amazonses.example.net", "--zones", str(folder))  # fmt: skip
    assert code == 1 and out == ""
    assert "12 DNS lookups" in err and "flatten include:big.example.com (it spends 11)" in err


def test_spf_route53_splits_long_txt_into_quoted_255_byte_strings(capsys, tmp_path):
    nets = [f"--ip4=198.51.100.{n}" for n in range(1, 40)]
    code, out, _ = run(capsys, "records", "spf", "--domain", "example.com", *nets, "--format", "route53",
                       "--zones", str(write_world(tmp_path)))  # fmt: skip
    value = json.loads(out)["Changes"][0]["ResourceRecordSet"]["ResourceRecords"][0]["Value"]
    strings = re.findall(r'"([^"]*)"', value)
    assert code == 0 and len(strings) > 1 and all(len(s.encode()) <= 255 for s in strings)
    assert "".join(strings).startswith("v=spf1 ip4:198.51.100.1 ")


@pytest.mark.parametrize("fmt", ["zone", "table", "json", "route53"])
def test_dkim_formats_with_easy_dkim_beside_byodkim(capsys, fmt):
    code, out, _ = run(capsys, "records", "dkim", "--domain", "example.com", "--selector", "s2048", "--key", KEY,
                       "--ses", "--region", "us-east-1", "--format", fmt)  # fmt: skip
    assert code == 0 and "s2048._domainkey.example.com" in out
    assert "<token1>._domainkey.example.com" in out and "feedback-smtp.us-east-1.amazonses.com" in out
    if fmt in ("table", "route53", "json"):
        assert "MIIE" not in out  # the private key appears only when sesv2 asks for it


def test_dkim_sesv2_bodies(capsys):
    code, out, err = run(capsys, "records", "--domain", "example.com", "--selector", "s2048", "--key", KEY, "--ses",
                         "--format", "sesv2")  # fmt: skip
    bodies = [json.loads(b) for b in re.findall(r"^\{.*?^\}", out, re.S | re.M)]
    assert code == 0 and "IS the private key" in err
    assert bodies[0]["DkimSigningAttributes"]["DomainSigningSelector"] == "s2048"
    assert bodies[1]["SigningAttributesOrigin"] == "EXTERNAL"
    assert "aws sesv2 create-email-identity --cli-input-json file://create-email-identity.json" in out


def test_records_without_key_is_usage_error(capsys):
    code, _, err = run(capsys, "records", "--domain", "example.com")
    assert code == 2 and "records dmarc|spf" in err


@pytest.mark.parametrize(
    ("record", "words", "code"),
    [(("v=DKIM1; k=rsa; p=" + KEY_2048)[:255], "truncated", "KEY_TRUNCATED"),
     ("v=DKIM1; k=rsa; p=" + PRIVATE_1024, "PRIVATE key published", "KEY_PRIVATE")],
)  # fmt: skip
def test_keycheck_names_truncated_and_private_keys(capsys, tmp_path, record, words, code):
    folder = write_world(tmp_path, {"example.com": {"s2048": f"s2048._domainkey IN TXT {txt(record)}"}})
    args = ["keycheck", "--domain", "example.com", "--selector", "s2048", "--key", KEY, "--zones", str(folder)]
    exit_code, out, _ = run(capsys, *args)
    assert exit_code == 4 and words in out
    assert json.loads(run(capsys, *args, "--json")[1])["records"][0]["reason"] == code


def test_route53_batch_leaves_out_another_partys_record(capsys):
    """One change batch is one hosted zone: the report destination's authorization record is said, not batched."""
    code, out, err = run(capsys, "records", "dmarc", "--domain", "example.com", "--policy", "none", "--rua",
                         "agg@reports.example.net", "--format", "route53")  # fmt: skip
    names = [c["ResourceRecordSet"]["Name"] for c in json.loads(out)["Changes"]]
    assert code == 0 and names == ["_dmarc.example.com."]
    assert "example.com._report._dmarc.reports.example.net." in err


def test_rua_in_parent_domain_needs_no_authorization(capsys):
    code, out, _ = run(capsys, "records", "dmarc", "--domain", "shop.example.com", "--policy", "none", "--rua",
                       "dmarc@example.com")  # fmt: skip
    assert code == 0 and "_report._dmarc" not in out

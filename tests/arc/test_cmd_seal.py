"""`sign-eml --arc-seal`: verify, write the AAR from our own verdicts, then AMS and AS (RFC 8617 §5.1; ARC-4)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from toolkit.core.arc import verify
from toolkit.core.dkim.keys import generate_key, split_txt
from toolkit.core.message import parse_message
from toolkit.resolvers.zonefile import ZoneFileResolver
from toolkit.shells.cli import sign_eml_main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "messages" / "mailing-list.eml"
CONTEXT = ["--ip", "192.0.2.70", "--helo", "mail.lists.test", "--mail-from", "team-bounces@lists.test"]
NOW = 1772443320


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    base = tmp_path_factory.mktemp("arcseal")
    zones = base / "zones"
    shutil.copytree(ROOT / "samples" / "zones", zones)
    keys = {"rsa": generate_key("rsa", 2048), "ed": generate_key("ed25519")}
    lines = [
        "$ORIGIN arcseal.test.",
        "$TTL 300",
        "@ SOA ns.arcseal.test. hostmaster.arcseal.test. 1 3600 600 86400 300",
    ]
    lines += ["@ NS ns.arcseal.test.", "ns A 192.0.2.53"]
    for selector, key in keys.items():
        record = f"v=DKIM1; k={key.key_type}; p={key.public_key_b64()}"
        lines.append(f"{selector}._domainkey TXT " + " ".join(f'"{s}"' for s in split_txt(record)))
        path = base / f"{selector}.pem"
        path.write_bytes(key.private_pem())
        path.chmod(0o600)
    (zones / "arcseal.test.zone").write_text("\n".join(lines) + "\n")
    return base


def _seal(world: Path, source: Path, out: Path, selector: str = "rsa", extra=()) -> int:
    args = ["--arc-seal", "-d", "arcseal.test", "-s", selector, "-k", str(world / f"{selector}.pem")]
    args += ["--authserv-id", "mx.arcseal.test", "--zones", str(world / "zones"), "--now", str(NOW), *extra]
    return sign_eml_main([*args, *CONTEXT, str(source), "-o", str(out)])


def test_first_hop_records_our_verdicts_and_validates(world):
    out = world / "hop1.eml"
    assert _seal(world, SAMPLE, out) == 0
    message = parse_message(out.read_bytes())
    names = [h.lname for h in message.headers[:3]]
    assert names == ["arc-seal", "arc-message-signature", "arc-authentication-results"]
    aar = message.headers[2].unfolded()
    assert aar.startswith("i=1; mx.arcseal.test; arc=none")
    for method in ("spf=pass", "dkim=", "dmarc="):
        assert method in aar
    assert "cv=none" in message.headers[0].unfolded()
    result = verify(message, ZoneFileResolver(world / "zones"), NOW)
    assert (result.verdict.value, result.instances[0].authserv_id) == ("pass", "mx.arcseal.test")


def test_second_hop_says_cv_pass_and_ed25519_works(world, capsys):
    hop1 = world / "hop1b.eml"
    assert _seal(world, SAMPLE, hop1) == 0
    hop2 = world / "hop2.eml"
    assert _seal(world, hop1, hop2, selector="ed") == 0
    assert "RFC 8617 names only rsa-sha256" in capsys.readouterr().err
    result = verify(hop2.read_bytes(), ZoneFileResolver(world / "zones"), NOW)
    assert result.verdict.value == "pass" and [i.cv for i in result.instances] == ["none", "pass"]
    assert "arc=pass" in result.instances[1].aar and "header.oldest-pass=1" in result.instances[1].aar


def test_failed_chain_is_sealed_once_then_passed_through(world, capsys):
    hop1 = world / "hop1c.eml"
    assert _seal(world, SAMPLE, hop1) == 0
    tampered = world / "tampered.eml"
    tampered.write_bytes(hop1.read_bytes() + b"added after the seal\r\n")
    failed = world / "failed.eml"
    assert _seal(world, tampered, failed) == 0
    top = parse_message(failed.read_bytes()).headers
    assert "cv=fail" in top[0].unfolded() and top[2].unfolded().startswith("i=2; mx.arcseal.test; arc=fail")
    again = world / "again.eml"
    assert _seal(world, failed, again) == 0
    assert again.read_bytes() == failed.read_bytes()
    assert "sealed only once" in capsys.readouterr().err


def test_usage_errors_are_one_line(world, capsys):
    args = ["--arc-seal", "-d", "arcseal.test", "-s", "rsa", "-k", str(world / "rsa.pem"), str(SAMPLE)]
    assert sign_eml_main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "--authserv-id" in err and "\n" not in err


def test_verify_eml_reports_the_chain_in_json_and_in_our_ar(world, capsys):
    import json

    from toolkit.shells.cli import verify_eml_main

    sealed = world / "for-verify.eml"
    assert _seal(world, SAMPLE, sealed) == 0
    capsys.readouterr()
    args = ["--zones", str(world / "zones"), "--now", str(NOW), "--ip", "192.0.2.80", "--json", str(sealed)]
    verify_eml_main(args)
    data = json.loads(capsys.readouterr().out)
    assert data["arc"]["result"] == "pass" and data["arc"]["oldest_pass"] == 1
    assert data["arc"]["instances"][0]["d"] == "arcseal.test" and data["arc"]["instances"][0]["as"]["result"] == "pass"
    assert "arc=pass header.oldest-pass=1 smtp.remote-ip=192.0.2.80" in " ".join(data["authentication_results"].split())


def test_trusted_sealer_overrides_a_dmarc_fail(world, capsys):
    """ARC-5 (RFC 8617 §7.2): a list verifies (DMARC passes), adds a footer, seals; at the receiver DKIM and DMARC
    fail, the chain passes, and with the list trusted the disposition becomes none, with the reason shown."""
    import json

    from toolkit.core import arheader
    from toolkit.core.arc.seal import SealConfig, seal
    from toolkit.core.dkim.keys import load_private_key
    from toolkit.core.verify import SmtpContext, VerifyOptions, verify_message
    from toolkit.shells.cli import verify_eml_main

    zones = ZoneFileResolver(world / "zones")
    received = (ROOT / "samples" / "messages" / "forwarded.eml").read_bytes()
    context = SmtpContext("198.51.100.40", "mx.forwarder.test", "news@example.org")
    report = verify_message(received, context, zones, 1772443020, VerifyOptions(authserv_id="mx.arcseal.test"))
    assert report.dmarc.verdict.value == "pass"
    results = "; ".join(
        arheader.format_entry(e) for e in arheader.entries(spf=report.spf, dkim=report.dkim, dmarc=report.dmarc)
    )
    changed = received + b"-- \r\nteam list footer\r\n"
    key = load_private_key((world / "rsa.pem").read_bytes())
    sealed = seal(changed, SealConfig("arcseal.test", "rsa", key, "mx.arcseal.test"), results, report.arc, NOW)
    final = world / "list-sealed.eml"
    final.write_bytes(b"".join(sealed.fields) + changed)
    base = ["--zones", str(world / "zones"), "--now", str(NOW), "--ip", "192.0.2.70", "--helo", "mail.lists.test"]
    base += ["--mail-from", "team-bounces@lists.test", "--json", str(final)]
    capsys.readouterr()
    verify_eml_main(base)
    plain = json.loads(capsys.readouterr().out)
    assert (plain["dmarc"]["result"], plain["dmarc"]["disposition"], plain["arc"]["result"]) == (
        "fail",
        "quarantine",
        "pass",
    )
    assert "override" not in plain["dmarc"]
    verify_eml_main(["--arc-trusted", "arcseal.test", *base])
    trusted = json.loads(capsys.readouterr().out)
    assert (trusted["dmarc"]["result"], trusted["dmarc"]["disposition"]) == ("fail", "none")
    assert trusted["dmarc"]["override"]["reason"] == "trusted_forwarder"
    assert trusted["dmarc"]["override"]["sealer"] == "arcseal.test"
    ar = " ".join(trusted["authentication_results"].split())
    assert "dmarc=fail (p=reject override=trusted_forwarder by arcseal.test, ARC i=1: dmarc=pass" in ar

"""emlauth keygen / records / keycheck, driven in-process through toolkit.shells.cli.main (plus one subprocess)."""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.core.dkim.keys import generate_key, load_private_key
from toolkit.shells.cli import main

REPO = Path(__file__).resolve().parents[2]
ZONE_HEAD = """$ORIGIN example.com.
$TTL 3600
@    IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300
@    IN NS  ns1.example.com.
ns1  IN A   192.0.2.53
"""


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def keygen(capsys, out_dir: Path, *extra: str, domain: str = "example.com", selector: str = "s1"):
    return run(capsys, "keygen", "--domain", domain, "--selector", selector, "--out", str(out_dir), *extra)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- keygen ----------------------------------------------------------------------------------------------------------


def test_keygen_writes_pkcs8_0600_in_0700_folder_and_prints_the_zone_line(capsys, tmp_path):
    code, out, err = keygen(capsys, tmp_path / "keys", domain="Example.COM")
    assert code == 0
    key_path = tmp_path / "keys" / "example.com" / "s1.private.pem"
    pem = key_path.read_bytes()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    key = load_private_key(pem, str(key_path))
    assert (key.key_type, key.bits) == ("rsa", 2048)
    assert mode(key_path) == 0o600
    assert mode(key_path.parent) == 0o700 and mode(tmp_path / "keys") == 0o700
    assert out == key.zone_line("s1", "example.com") + "\n"
    assert (key_path.parent / "s1.txt").read_text() == out
    assert "PRIVATE" not in out and b"".join(pem.splitlines()[1:3]).decode() not in out + err
    assert str(key_path) in err


def test_keygen_mode_does_not_depend_on_umask(capsys, tmp_path):
    old = os.umask(0)
    try:
        assert keygen(capsys, tmp_path)[0] == 0
    finally:
        os.umask(old)
    assert mode(tmp_path / "example.com" / "s1.private.pem") == 0o600
    assert mode(tmp_path / "example.com") == 0o700


def test_keygen_refuses_to_overwrite_without_force(capsys, tmp_path):
    assert keygen(capsys, tmp_path)[0] == 0
    key_path = tmp_path / "example.com" / "s1.private.pem"
    before = key_path.read_bytes()
    code, out, err = keygen(capsys, tmp_path)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "exists" in err and "--force" in err and str(key_path) in err
    assert key_path.read_bytes() == before

    code, out, _ = keygen(capsys, tmp_path, "--force", "--type", "ed25519")
    assert code == 0
    assert key_path.read_bytes() != before and mode(key_path) == 0o600
    assert load_private_key(key_path.read_bytes()).key_type == "ed25519"
    assert "k=ed25519" in out
    assert [p.name for p in key_path.parent.iterdir() if p.name.startswith(".")] == []  # no temp file left


def test_keygen_never_follows_a_planted_symlink(capsys, tmp_path):
    folder = tmp_path / "example.com"
    folder.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (folder / "s1.private.pem").symlink_to(victim)
    code, _, err = keygen(capsys, tmp_path)
    assert code == 2 and "exists" in err
    assert keygen(capsys, tmp_path, "--force")[0] == 0
    assert victim.read_text() == "keep me"  # the link was replaced, not written through
    assert not (folder / "s1.private.pem").is_symlink() and mode(folder / "s1.private.pem") == 0o600


def test_keygen_warns_on_an_open_domain_folder(capsys, tmp_path):
    (tmp_path / "example.com").mkdir(mode=0o755)
    os.chmod(tmp_path / "example.com", 0o755)
    code, _, err = keygen(capsys, tmp_path)
    assert code == 0 and "warning:" in err and "chmod 700" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--bits", "512"], "1024 to 4096 bits"),
        (["--bits", "8192"], "1024 to 4096 bits"),
        (["--type", "ed25519", "--bits", "2048"], "RSA only"),
        (["--type", "ed25519", "--ses"], "not Ed25519 (SES-3)"),
        (["--bits", "4096", "--ses"], "1024 or 2048 bits, not 4096"),
    ],
)
def test_keygen_usage_errors(capsys, tmp_path, extra, message):
    code, out, err = keygen(capsys, tmp_path, *extra)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1
    assert not (tmp_path / "example.com").exists()  # refused before anything was written


@pytest.mark.parametrize(
    ("domain", "selector", "message"),
    [
        ("../etc", "s1", "domain label"),
        ("example.com", "../s1", "selector label"),
        ("example.com", "a/b", "selector label"),
        ("exa mple.com", "s1", "domain label"),
    ],
)
def test_keygen_refuses_names_that_are_not_dns_names(capsys, tmp_path, domain, selector, message):
    code, _, err = keygen(capsys, tmp_path / "k", domain=domain, selector=selector)
    assert code == 2 and message in err
    assert not (tmp_path / "k").exists()


def test_keygen_ses_selector_must_be_one_label(capsys, tmp_path):
    code, _, err = keygen(capsys, tmp_path, "--ses", selector="a.b")
    assert code == 2 and "single label" in err and "SES-4" in err
    assert keygen(capsys, tmp_path, selector="a.b")[0] == 0  # plain DKIM allows dots (DKIM-7)
    assert (tmp_path / "example.com" / "a.b.private.pem").exists()


def test_keygen_1024_warns_and_4096_works(capsys, tmp_path):
    code, out, err = keygen(capsys, tmp_path, "--bits", "1024", selector="small")
    assert code == 0 and "warning: RSA 1024-bit keys are weak" in err
    code, out, err = keygen(capsys, tmp_path, "--bits", "4096", selector="big")
    assert code == 0 and "warning" not in err
    assert load_private_key((tmp_path / "example.com" / "big.private.pem").read_bytes()).bits == 4096
    assert len(re.findall(r'"[^"]+"', out)) == 3


def test_keygen_json(capsys, tmp_path):
    code, out, err = keygen(capsys, tmp_path, "--json", "--type", "ed25519", "--ttl", "600")
    assert code == 0
    data = json.loads(out)
    key = load_private_key(Path(data["key_path"]).read_bytes())
    assert data["type"] == "ed25519" and data["bits"] == 256
    assert (data["domain"], data["selector"]) == ("example.com", "s1")
    assert data["record_name"] == "s1._domainkey.example.com."
    assert data["record_value"] == key.dns_record_value() == "".join(data["txt_strings"])
    assert data["zone_line"] == key.zone_line("s1", "example.com", ttl=600)
    assert "ses_private_key" not in data and key.seed_b64() not in out


def test_keygen_ses_writes_the_private_key_string_to_a_0600_file(capsys, tmp_path):
    """SES-3: the paste string IS the private key: a 0600 file whose path is printed, nothing unlabelled on stdout."""
    code, out, err = keygen(capsys, tmp_path, "--ses", "--json")
    assert code == 0
    data = json.loads(out)
    key = load_private_key(Path(data["key_path"]).read_bytes())
    ses_path = Path(data["ses_private_key_path"])
    assert ses_path.read_text().strip() == key.ses_private_key_string() and "ses_private_key" not in data
    assert stat.S_IMODE(ses_path.stat().st_mode) == 0o600 and key.ses_private_key_string() not in out
    code, out, err = keygen(capsys, tmp_path, "--ses", selector="s2")
    zone, label = out.splitlines()
    assert zone.startswith("s2._domainkey.example.com. 3600 IN TXT ")
    assert label.startswith("; SES-3 DomainSigningPrivateKey") and label.endswith("s2.ses-private-key.txt (mode 0600)")
    assert re.fullmatch(r"[a-zA-Z0-9+/]+={0,2}", (tmp_path / "example.com/s2.ses-private-key.txt").read_text().strip())


# -- records ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def key_file(tmp_path_factory, rsa2048):
    path = tmp_path_factory.mktemp("k") / "s1.private.pem"
    path.write_bytes(rsa2048.private_pem())
    path.chmod(0o600)
    return path


def test_records_plain_output_is_a_zone_fragment(capsys, key_file, rsa2048):
    code, out, err = run(capsys, "records", "--domain", "example.com", "--selector", "s1", "--key", str(key_file))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("; DKIM key record: selector s1, domain example.com, rsa 2048")
    assert lines[1] == rsa2048.zone_line("s1", "example.com")
    assert all(line.startswith(";") for line in lines if line != lines[1])


def test_records_json(capsys, key_file, rsa2048):
    code, out, _ = run(
        capsys, "records", "--domain", "example.com", "--selector", "s1", "--key", str(key_file), "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["record_value"] == rsa2048.dns_record_value()
    assert all(len(s) <= 255 for s in data["txt_strings"]) and "ses_private_key" not in data


def test_records_ses(capsys, key_file, rsa2048):
    argv = ["records", "--domain", "example.com", "--selector", "s1", "--key", str(key_file), "--ses"]
    code, out, err = run(capsys, *argv)
    assert code == 0
    assert out.splitlines()[-1] == rsa2048.ses_private_key_string()
    for rule in ("SES-2", "SES-5", "SES-6", "SES-7"):
        assert f"; {rule}:" in out
    assert "IS the private key" in err
    data = json.loads(run(capsys, *argv, "--json")[1])
    assert base64.b64decode(data["ses_private_key"]) and len(data["ses_notes"]) == 4


def test_records_ses_refuses_ed25519_and_dotted_selector(capsys, tmp_path, ed25519_key, key_file):
    path = tmp_path / "ed.pem"
    path.write_bytes(ed25519_key.private_pem())
    path.chmod(0o600)
    code, out, err = run(capsys, "records", "--domain", "example.com", "--selector", "ed1", "--key", str(path), "--ses")
    assert code == 2 and out == "" and "RSA keys only" in err and "Ed25519" in err and err.count("\n") == 1
    code, out, err = run(
        capsys, "records", "--domain", "example.com", "--selector", "a.b", "--key", str(key_file), "--ses"
    )
    assert code == 2 and "SES-4" in err


def test_records_bad_key_file_is_one_line_exit_2(capsys, tmp_path):
    path = tmp_path / "cert.pem"
    path.write_bytes(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    code, out, err = run(capsys, "records", "--domain", "example.com", "--selector", "s1", "--key", str(path))
    assert code == 2 and out == ""
    assert err == f"emlauth records: error: {path}: holds a certificate, not a private key\n"
    code, _, err = run(capsys, "records", "--domain", "example.com", "--selector", "s1", "--key", str(tmp_path / "no"))
    assert code == 2 and "cannot read" in err and err.count("\n") == 1


def test_records_warns_about_a_readable_key_file(capsys, tmp_path, rsa2048):
    path = tmp_path / "open.pem"
    path.write_bytes(rsa2048.private_pem())
    path.chmod(0o644)
    code, _, err = run(capsys, "records", "--domain", "example.com", "--selector", "s1", "--key", str(path))
    assert code == 0 and "readable by others" in err and "0644" in err


# -- keycheck against a zone folder (ZoneFileResolver, contract R) ---------------------------------------------------


def write_zone(folder: Path, *lines: str, faults: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "example.com.zone").write_text(ZONE_HEAD + "".join(line + "\n" for line in lines))
    if faults:
        (folder / "faults.txt").write_text(faults)
    return folder


def keycheck(capsys, zones: Path, key: Path, *extra: str, selector: str = "s1"):
    argv = ["keycheck", "--domain", "example.com", "--selector", selector, "--key", str(key), "--zones", str(zones)]
    return run(capsys, *argv, *extra)


def test_keygen_zone_keycheck_end_to_end_match(capsys, tmp_path):
    code, zone_line, _ = keygen(capsys, tmp_path / "keys")
    assert code == 0
    zones = write_zone(tmp_path / "zones", zone_line.strip())
    key = tmp_path / "keys" / "example.com" / "s1.private.pem"
    code, out, err = keycheck(capsys, zones, key)
    assert code == 0, out + err
    assert "matches the private key" in out and out.rstrip().endswith("result: match (exit 0)")
    code, out, _ = keycheck(capsys, zones, key, "--json")
    data = json.loads(out)
    assert (code, data["status"], data["exit_code"]) == (0, "match", 0)
    assert data["answer"]["source"].startswith("zone:")
    assert "".join(data["answer"]["records"][0]) == load_private_key(key.read_bytes()).dns_record_value()


def test_keycheck_mismatch_exit_1(capsys, tmp_path, key_file):
    other = generate_key("rsa", 1024)
    zones = write_zone(tmp_path, other.zone_line("s1", "example.com"))
    code, out, _ = keycheck(capsys, zones, key_file)
    assert code == 1 and "holds ANOTHER key" in out and "result: mismatch (exit 1)" in out


def test_keycheck_absent_exit_3(capsys, tmp_path, key_file):
    zones = write_zone(tmp_path, 'other._domainkey IN TXT "v=DKIM1; p="')
    code, out, _ = keycheck(capsys, zones, key_file)
    assert code == 3 and "NXDOMAIN" in out
    zones = write_zone(tmp_path / "nodata", "s1._domainkey IN A 192.0.2.1")
    code, out, _ = keycheck(capsys, zones, key_file, "--json")
    assert code == 3 and json.loads(out)["answer"]["status"] == "NODATA"


def test_keycheck_revoked_and_syntax_exit_4(capsys, tmp_path, key_file):
    zones = write_zone(tmp_path, 's1._domainkey IN TXT "v=DKIM1; k=rsa; p="')
    code, out, _ = keycheck(capsys, zones, key_file)
    assert code == 4 and "revoked" in out
    zones = write_zone(tmp_path / "bad", 's1._domainkey IN TXT "v=DKIM1; k=rsa; p=@@@"')
    code, out, _ = keycheck(capsys, zones, key_file, "--json")
    data = json.loads(out)
    assert code == 4 and data["status"] == "invalid" and data["records"][0]["reason"] == "KEY_BAD_BASE64"


def test_keycheck_timeout_exit_5(capsys, tmp_path, key_file, rsa2048):
    zones = write_zone(
        tmp_path, rsa2048.zone_line("s1", "example.com"), faults="s1._domainkey.example.com TXT TIMEOUT\n"
    )
    code, out, _ = keycheck(capsys, zones, key_file)
    assert code == 5 and "DNS error timeout" in out and "result: temperror (exit 5)" in out


def test_keycheck_several_records(capsys, tmp_path, key_file, rsa2048):
    strings = " ".join(f'"{s}"' for s in rsa2048.dns_txt_strings())
    zones = write_zone(tmp_path, 's1._domainkey IN TXT "v=spf1 -all"', f"s1._domainkey IN TXT {strings}")
    code, out, _ = keycheck(capsys, zones, key_file, "--json")
    data = json.loads(out)
    assert code == 0 and sorted(r["status"] for r in data["records"]) == ["invalid", "match"]


def test_keycheck_help_documents_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["keycheck", "--help"])
    out = capsys.readouterr().out
    for code in ("0 ", "1 ", "3 ", "4 ", "5 "):
        assert f"  {code}" in out
    assert "temperror" in out and "revoked" in out


# -- the real entry point ------------------------------------------------------------------------------------------


def test_python_m_toolkit_keygen(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "toolkit", "keygen", "--domain", "example.org", "--selector", "cli", "--out"]
    proc = subprocess.run([*argv, str(tmp_path)], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('cli._domainkey.example.org. 3600 IN TXT "v=DKIM1; k=rsa; p=')
    assert mode(tmp_path / "example.org" / "cli.private.pem") == 0o600


def test_records_refuses_a_huge_file_and_a_bad_ttl(capsys, tmp_path, key_file):
    big = tmp_path / "big.pem"
    big.write_bytes(b"A" * (2 << 20))
    code, _, err = run(capsys, "records", "--domain", "example.com", "--selector", "s1", "--key", str(big))
    assert code == 2 and "not a key file" in err
    with pytest.raises(SystemExit) as info:
        main(["records", "--domain", "example.com", "--selector", "s1", "--key", str(key_file), "--ttl", "-5"])
    assert info.value.code == 2 and "TTL must be" in capsys.readouterr().err

"""`sign-eml` / `emlauth sign`: outputs, several signers, signing table, batch, and one-line errors (exit 2)."""

import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.core.dkim import verify
from toolkit.core.dkim.keys import from_private_key
from toolkit.core.message import parse_message
from toolkit.core.results import Verdict
from toolkit.core.tags import parse_tag_list
from toolkit.shells.cli import main, sign_eml_main

NOW = 1_700_000_000
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def files(keys, tmp_path):
    (tmp_path / "rsa.pem").write_bytes(from_private_key(keys.rsa).private_pem())
    (tmp_path / "ed.pem").write_bytes(from_private_key(keys.ed).private_pem())
    (tmp_path / "msg.eml").write_bytes(keys.MESSAGE.replace(b"\r\n", b"\n"))
    return tmp_path


def verdicts(data: bytes, keys) -> list[Verdict]:
    return [r.verdict for r in verify(parse_message(data), keys.resolver(), NOW)]


def test_sign_to_output_file(files, keys):
    out = files / "signed.eml"
    args = ["-d", "example.com", "-s", "rsa", "-k", str(files / "rsa.pem"), "--now", str(NOW)]
    assert sign_eml_main([*args, str(files / "msg.eml"), "-o", str(out)]) == 0
    data = out.read_bytes()
    assert data.endswith(keys.MESSAGE)  # LF input comes out CRLF (DKIM-28)
    assert verdicts(data, keys) == [Verdict.PASS]


def test_two_signers_to_stdout(files, keys, capsysbinary):
    args = ["sign", "--domain", "example.com", "--selector", "rsa", "--key", str(files / "rsa.pem")]
    args += ["--domain", "example.com", "--selector", "ed", "--key", str(files / "ed.pem")]
    args += ["--now", str(NOW), "--expire", "600", "--canon", "simple/relaxed", str(files / "msg.eml")]
    assert main(args) == 0
    data = capsysbinary.readouterr().out
    assert verdicts(data, keys) == [Verdict.PASS, Verdict.PASS]
    first = parse_message(data).headers[0]
    tags = parse_tag_list(first.value).as_dict()
    assert tags["x"] == str(NOW + 600) and tags["c"] == "simple/relaxed"


def test_options_reach_the_signature(files, keys, capsysbinary):
    args = ["-d", "example.com", "-s", "rsa", "-k", str(files / "rsa.pem"), "--now", str(NOW)]
    args += ["--headers", "from,subject", "--oversign", "", "--body-length", "-i", "bot@example.com"]
    assert sign_eml_main([*args, str(files / "msg.eml")]) == 0
    data = capsysbinary.readouterr().out
    (result,) = verify(parse_message(data), keys.resolver(), NOW)
    assert result.verdict is Verdict.PASS
    assert result.signed_headers == ("from", "subject")
    assert "l" in result.tags and result.identity == "bot@example.com"


def test_stdin_in_a_real_process(files, keys):
    argv = [sys.executable, "-m", "toolkit", "sign", "-d", "example.com", "-s", "ed", "-k", str(files / "ed.pem")]
    done = subprocess.run(
        [*argv, "--now", str(NOW), "-"], input=keys.MESSAGE, capture_output=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert verdicts(done.stdout, keys) == [Verdict.PASS]


def test_sign_table_batch(files, keys):
    table = files / "signing.table"
    table.write_text("example.com d=example.com rsa rsa.pem\nexample.com d=example.com ed ed.pem\n")
    other = files / "other.eml"
    other.write_bytes(keys.MESSAGE.replace(b"Subject: Lunch", b"Subject: Dinner"))
    out_dir = files / "out"
    args = ["--sign-table", str(table), "--output-dir", str(out_dir), "--now", str(NOW)]
    assert sign_eml_main([*args, str(files / "msg.eml"), str(other)]) == 0
    for name in ("msg.eml", "other.eml"):
        assert verdicts((out_dir / name).read_bytes(), keys) == [Verdict.PASS, Verdict.PASS]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["-d", "example.com", "-s", "rsa", "-k", "{dir}/missing.pem", "{dir}/msg.eml"], "cannot read key"),
        (["-d", "example.com", "-s", "rsa", "-k", "{dir}/msg.eml", "{dir}/msg.eml"], "msg.eml"),  # not a key
        (["-d", "example.com", "-s", "rsa", "-k", "{dir}/rsa.pem", "{dir}/nope.eml"], "cannot read"),
        (["-d", "example.com", "-s", "rsa", "-k", "{dir}/rsa.pem", "-a", "rsa-sha1", "{dir}/msg.eml"], "rsa-sha1"),
        (["-d", "example.com", "-s", "rsa", "{dir}/msg.eml"], "same number of times"),
        (["-d", "example.com", "-s", "rsa", "-k", "{dir}/rsa.pem", "{dir}/msg.eml", "{dir}/msg.eml"], "--output-dir"),
        (["--sign-table", "{dir}/table", "{dir}/nofrom.eml"], "no usable From"),
        (["--sign-table", "{dir}/table", "{dir}/stranger.eml"], "no entry for example.org"),
        (["--sign-table", "{dir}/missing-table", "{dir}/msg.eml"], "cannot read signing table"),
    ],
)
def test_errors_are_one_line_exit_2(files, keys, capsys, argv, words):
    (files / "table").write_text("example.com example.com rsa rsa.pem\n")
    (files / "nofrom.eml").write_bytes(b"To: b@example.org\r\n\r\nhi\r\n")
    (files / "stranger.eml").write_bytes(b"From: x@example.org\r\n\r\nhi\r\n")
    argv = [a.format(dir=files) for a in argv]
    assert sign_eml_main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sign-eml: error:") and words in err
    assert "Traceback" not in err


def test_warns_below_2048_bits(files, keys, capsys):
    (files / "rsa1024.pem").write_bytes(from_private_key(keys.rsa1024).private_pem())
    out = files / "o.eml"
    argv = ["-d", "example.com", "-s", "rsa1024", "-k", str(files / "rsa1024.pem"), "--now", str(NOW)]
    assert sign_eml_main([*argv, str(files / "msg.eml"), "-o", str(out)]) == 0
    assert "2048 is recommended" in capsys.readouterr().err
    assert verdicts(out.read_bytes(), keys) == [Verdict.PASS]


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as info:
        main(["sign", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--domain", "--selector", "--key", "--sign-table", "--output-dir", "--body-length", "--oversign"):
        assert option in text

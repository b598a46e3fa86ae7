"""verify-eml end to end: messages signed in-test, zone folders in tmp_path, knot for the live path."""

from __future__ import annotations

import io
import json
import sys

import pytest

from toolkit.shells.cli import verify_eml_main
from toolkit.shells.common import default_authserv_id

NOW = 1_700_000_000  # the same values as tests/verify/conftest.py (conftest modules are not importable)
GOOD_IP = "192.0.2.25"
BAD_IP = "203.0.113.9"


def run(capsysbinary, *argv) -> tuple[int, bytes, str]:
    code = verify_eml_main([str(a) for a in argv])
    out, err = capsysbinary.readouterr()
    return code, out, err.decode()


def base(corpus, *extra):
    return ["--zones", corpus.zones, "--now", NOW, *extra]


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_header_only_pass_exit_0(corpus, tmp_path, capsysbinary):
    """DMARC-7, AR-6: an aligned signature and SPF pass: dmarc=pass, exit 0."""
    eml = write(tmp_path, "good.eml", corpus.message())
    code, out, _ = run(capsysbinary, *base(corpus, "--ip", GOOD_IP, "--mail-from", "bounce@example.com",
                                           "--helo", "mail.example.com", "--header-only", eml))  # fmt: skip
    text = out.decode()
    assert code == 0
    assert text.startswith(f"Authentication-Results: {default_authserv_id()};")
    flat = " ".join(text.split())
    assert "spf=pass smtp.mailfrom=example.com;" in flat and "spf=pass smtp.helo=mail.example.com;" in flat
    assert "dkim=pass header.d=example.com" in flat and "header.s=sel1" in flat
    assert "dmarc=pass (p=reject) header.from=example.com policy.dmarc=reject" in flat


def test_default_output_is_the_message_with_ar_prepended(corpus, tmp_path, capsysbinary):
    """AR-6: the filter output is our field on top of the unchanged message."""
    data = corpus.message()
    code, out, _ = run(capsysbinary, *base(corpus, write(tmp_path, "m.eml", data)))
    assert code == 0
    assert out.startswith(f"Authentication-Results: {default_authserv_id()};".encode()) and out.endswith(data)
    assert b"spf=" not in out.split(data)[0]  # no SPF context given: SPF was not run


def test_json_output_and_failure_exit_1(corpus, tmp_path, capsysbinary):
    """DMARC-5/7: a third-party signature and an unauthorised IP: dmarc=fail, exit 1; JSON keys per contract M."""
    eml = write(tmp_path, "spoof.eml", corpus.message(signer="example.net"))
    code, out, _ = run(capsysbinary, *base(corpus, "--ip", BAD_IP, "--mail-from", "joe@example.com", "--json", eml))
    report = json.loads(out)
    assert code == 1
    assert report["input"] == str(eml)
    assert report["spf"]["result"] == "fail" and report["spf"]["domain"] == "example.com" and report["spf"]["ledger"]
    assert report["spf_helo"] is None
    (dkim,) = report["dkim"]
    assert (dkim["result"], dkim["domain"], dkim["selector"]) == ("pass", "example.net", "esp")
    assert "reason" in dkim and dkim["key_answer"]["name"] == "esp._domainkey.example.net"
    dmarc = report["dmarc"]
    assert (dmarc["result"], dmarc["from_domain"], dmarc["policy"], dmarc["disposition"], dmarc["mode"]) == (
        "fail", "example.com", "reject", "quarantine", "rfc9989")  # fmt: skip
    assert dmarc["record"]["raw"].startswith("v=DMARC1")
    assert report["authentication_results"].startswith("Authentication-Results:")
    assert report["message"]["line_endings_normalised"] is False
    assert report["exit_code"] == 1


def test_temperror_exit_3(corpus, faulty_zones, tmp_path, capsysbinary):
    """DMARC-12: SERVFAIL on `_dmarc` is temperror: exit 3."""
    eml = write(tmp_path, "t.eml", corpus.message(from_domain="broken.example.org", signer=None))
    code, out, _ = run(capsysbinary, "--zones", faulty_zones, "--now", NOW, "--header-only", eml)
    assert code == 3 and "dmarc=temperror" in out.decode()


def test_missing_file_is_one_line_exit_2(corpus, tmp_path, capsysbinary):
    code, out, err = run(capsysbinary, *base(corpus, tmp_path / "nope.eml"))
    assert code == 2 and out == b"" and err.count("\n") == 1 and "nope.eml" in err


def test_mixed_batch_reports_unreadable_inputs_and_runs_the_rest(corpus, faulty_zones, tmp_path, capsysbinary):
    """A missing file, a folder that is no Maildir, a failing, a temperror and a passing message: every readable
    one is verified in its place; the batch exit is 2 > 3 > 1 > 0; each JSON line keeps its own exit_code."""
    good = write(tmp_path, "good.eml", corpus.message())
    bad = write(tmp_path, "bad.eml", corpus.message(signer="example.net"))
    temp = write(tmp_path, "temp.eml", corpus.message(from_domain="broken.example.org", signer=None))
    (tmp_path / "plain").mkdir()
    names = [good, tmp_path / "nope.eml", bad, tmp_path / "plain", temp]
    code, out, err = run(capsysbinary, "--zones", faulty_zones, "--now", NOW, "--json", *names)
    lines = [json.loads(line) for line in out.splitlines()]
    assert [r["input"] for r in lines] == [str(n) for n in names]
    assert [r["exit_code"] for r in lines] == [0, 2, 1, 2, 3]
    assert "No such file" in lines[1]["error"] and "not a Maildir" in lines[3]["error"] and "error" not in lines[0]
    assert code == 2
    assert err.count("verify-eml: error: cannot read") == 1 and err.count("not a Maildir") == 1
    # without the unreadable inputs: a temporary DNS error (retry) outranks a failed check
    code, _, _ = run(capsysbinary, "--zones", faulty_zones, "--now", NOW, "--header-only", good, bad, temp)
    assert code == 3
    code, out, _ = run(capsysbinary, "--zones", faulty_zones, "--now", NOW, "--header-only", bad, good)
    assert code == 1 and out.decode().count("==> ") == 2
    code, out, err = run(capsysbinary, "--zones", faulty_zones, "--now", NOW, "--header-only", good, names[1])
    assert code == 2 and out.decode().count("==> ") == 1 and "nope.eml" in err


def test_not_a_maildir_exit_2(corpus, tmp_path, capsysbinary):
    (tmp_path / "plain").mkdir()
    code, _, err = run(capsysbinary, *base(corpus, tmp_path / "plain"))
    assert code == 2 and "not a Maildir" in err


def test_stdin_with_lf_line_endings(corpus, monkeypatch, capsysbinary):
    """DKIM-22: LF input is verified as CRLF; the filter writes LF back; the JSON says it normalised."""
    data = corpus.message().replace(b"\r\n", b"\n")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run(capsysbinary, *base(corpus, "-"))
    assert code == 0 and b"\r\n" not in out and out.endswith(data)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run(capsysbinary, *base(corpus, "--json"))
    assert json.loads(out)["message"]["line_endings_normalised"] is True


def test_mbox_batch_in_parallel_keeps_order_and_worst_exit(corpus, tmp_path, capsysbinary):
    """Batches: an mbox of 20 messages over 2 processes: JSON Lines in input order; exit code = the worst."""
    parts = []
    for index in range(20):
        signer = "example.net" if index == 7 else "example.com"
        message = corpus.message(subject=f"n{index}", signer=signer, body=b"From the start\r\nline\r\n")
        quoted = message.replace(b"\r\nFrom the start", b"\r\n>From the start")
        parts.append(b"From joe@example.com Tue Nov 14 22:13:20 2023\r\n" + quoted + b"\r\n")
    mbox = write(tmp_path, "box.mbox", b"".join(parts))
    code, out, _ = run(capsysbinary, *base(corpus, "--json", "--jobs", "2", mbox))
    lines = [json.loads(line) for line in out.splitlines()]
    assert [r["input"] for r in lines] == [f"{mbox}#{i}" for i in range(1, 21)]
    assert [r["dmarc"]["result"] for r in lines].count("fail") == 1 and lines[7]["dmarc"]["result"] == "fail"
    assert all(r["dkim"][0]["result"] == "pass" for r in lines)  # mboxrd '>From ' unquoted before verifying
    assert code == 1


def test_mbox_default_output_is_an_mbox(corpus, tmp_path, capsysbinary):
    data = corpus.message()
    mbox = write(tmp_path, "one.mbox", b"From joe@example.com Tue Nov 14 22:13:20 2023\r\n" + data + b"\r\n")
    code, out, _ = run(capsysbinary, *base(corpus, mbox))
    assert code == 0 and out.startswith(b"From joe@example.com ") and b"\r\nAuthentication-Results: " in out


def test_maildir_batch(corpus, tmp_path, capsysbinary):
    """Maildir input: cur/ and new/; several messages default to labelled header output."""
    for sub in ("cur", "new", "tmp"):
        (tmp_path / "Maildir" / sub).mkdir(parents=True)
    write(tmp_path / "Maildir" / "cur", "1.host:2,S", corpus.message())
    write(tmp_path / "Maildir" / "new", "2.host", corpus.message(signer=None))
    code, out, _ = run(capsysbinary, *base(corpus, tmp_path / "Maildir"))
    text = out.decode()
    assert text.count("==> ") == 2 and "1.host:2,S <==" in text.splitlines()[0]
    assert text.count("dmarc=pass") == 1 and text.count("dmarc=fail") == 1
    assert code == 1


def test_trust_received_takes_the_smtp_context(corpus, tmp_path, capsysbinary):
    """SPF-2 [ours]: --trust-received 1 reads ip/helo/envelope-from from the topmost Received field."""
    received = (
        b"Received: from mail.example.com (mail.example.com [" + GOOD_IP.encode() + b"])\r\n"
        b"\tby mx.example.org with ESMTPS id 42 (envelope-from <bounce@example.com>);\r\n"
        b"\tTue, 14 Nov 2023 22:13:21 +0000\r\n"
    )
    eml = write(tmp_path, "r.eml", received + corpus.message())
    code, out, _ = run(capsysbinary, *base(corpus, "--trust-received", "1", "--json", eml))
    report = json.loads(out)
    assert code == 0
    assert report["context"] == {"ip": GOOD_IP, "helo": "mail.example.com", "mail_from": "bounce@example.com"}
    assert report["spf"]["result"] == "pass" and report["spf_helo"]["result"] == "pass"
    assert report["received_context"]["sources"]["mail_from"] == "Received #1 envelope-from"


def test_trust_received_exim_style_and_return_path(corpus, tmp_path, capsysbinary):
    received = b"Received: from [" + BAD_IP.encode() + b"] (helo=evil.example.net)\r\n\tby mx.example.org; x\r\n"
    eml = write(tmp_path, "x.eml", b"Return-Path: <>\r\n" + received + corpus.message(signer=None))
    code, out, _ = run(capsysbinary, *base(corpus, "--trust-received", "1", "--json", eml))
    report = json.loads(out)
    assert report["context"] == {"ip": BAD_IP, "helo": "evil.example.net", "mail_from": ""}
    assert report["spf"]["null_sender"] is True and code == 1


def test_strip_forged(corpus, tmp_path, capsysbinary):
    """AR-7: an A-R carrying our id is reported and, with --strip-forged, removed."""
    forged = b"Authentication-Results: EMLAUTH.localhost; dmarc=pass header.from=example.com\r\n"
    eml = write(tmp_path, "f.eml", forged + corpus.message(signer="example.net"))
    ours = ("--authserv-id", "emlauth.localhost")
    code, out, err = run(capsysbinary, *base(corpus, *ours, eml))
    assert forged in out and "with our id, kept" in err
    code, out, err = run(capsysbinary, *base(corpus, *ours, "--strip-forged", eml))
    assert forged not in out and out.count(b"Authentication-Results:") == 1 and "removed" in err
    assert code == 1


def test_checks_option_and_usage_errors(corpus, tmp_path, capsysbinary):
    eml = write(tmp_path, "c.eml", corpus.message())
    code, out, _ = run(capsysbinary, *base(corpus, "--checks", "dkim", "--header-only", eml))
    assert code == 0 and b"dkim=pass" in out and b"dmarc=" not in out
    code, _, err = run(capsysbinary, *base(corpus, "--checks", "spf", eml))
    assert code == 2 and "SPF needs --ip" in err
    code, _, err = run(capsysbinary, *base(corpus, "--checks", "iprev", eml))
    assert code == 2 and "spf, dkim, arc, dmarc" in err
    code, out, _ = run(capsysbinary, *base(corpus, "--checks", "arc", "--header-only", eml))
    assert code == 0 and out.rstrip().endswith(b"; none")  # an unsealed message: arc=none is not written (ARC-5)
    code, _, err = run(capsysbinary, *base(corpus, "--ip", "192.0.2.300", eml))
    assert code == 2 and "not an IP address" in err


def test_dmarc_mode_both_in_json(corpus, tmp_path, capsysbinary):
    eml = write(tmp_path, "b.eml", corpus.message())
    code, out, _ = run(capsysbinary, *base(corpus, "--dmarc-mode", "both", "--json", eml))
    dmarc = json.loads(out)["dmarc"]
    assert code == 0 and dmarc["other"]["mode"] == "rfc7489" and dmarc["difference"] == ""


@pytest.mark.peers
def test_against_knot(corpus, tmp_path, capsysbinary, knot_factory):
    """The same zones served by a real knotd on 127.0.0.1: same verdicts through the live resolver."""
    server = knot_factory(corpus.zones)
    eml = write(tmp_path, "k.eml", corpus.message())
    argv = ["--nameserver", f"{server.host}:{server.port}", "--now", NOW, "--ip", GOOD_IP,
            "--mail-from", "bounce@example.com", "--json", eml]  # fmt: skip
    code, out, _ = run(capsysbinary, *argv)
    report = json.loads(out)
    assert code == 0
    assert report["spf"]["result"] == "pass" and report["dkim"][0]["result"] == "pass"
    assert report["dmarc"]["result"] == "pass"
    assert report["dmarc"]["queries"][0]["source"].startswith("live")
    spoof = write(tmp_path, "k2.eml", corpus.message(from_domain="mail.example.com", signer="example.net"))
    code, out, _ = run(capsysbinary, *[BAD_IP if a == GOOD_IP else a for a in argv[:-1]], spoof)
    assert code == 1 and json.loads(out)["dmarc"]["org_domain"] == "example.com"


def test_progress_bar_and_worst_exit_code():
    """Batches: the progress bar counts to the total; the batch exit code is the worst (2 > 1 > 3 > 0)."""
    from toolkit.shells.batch import ProgressBar
    from toolkit.shells.cmd_verify import worst

    stream = io.StringIO()
    bar = ProgressBar(3, stream)
    for _ in range(3):
        bar.step()
    bar.close()
    assert stream.getvalue().rstrip().endswith("3/3")
    assert worst([0, 3, 0]) == 3 and worst([3, 1]) == 3 and worst([1, 2, 3]) == 2 and worst([]) == 0
    assert worst([1, 0]) == 1 and worst([0, 0]) == 0


def test_umbrella_command_is_registered(corpus, tmp_path, capsysbinary):
    from toolkit.shells.cli import main

    eml = write(tmp_path, "u.eml", corpus.message())
    code = main(["verify", "--zones", str(corpus.zones), "--now", str(NOW), "--header-only", str(eml)])
    assert code == 0 and b"dmarc=pass" in capsysbinary.readouterr().out


def test_trust_received_without_the_field_warns_and_says_spf_none(corpus, tmp_path, capsysbinary):
    """SPF-2 [ours], issue 13 §4: no usable field is explained (spf=none with the reason), never silently skipped."""
    eml = write(tmp_path, "n.eml", corpus.message())
    code, out, err = run(capsysbinary, *base(corpus, "--trust-received", "2", "--header-only", eml))
    assert code == 0 and b"spf=none" in out and "0 Received fields, not 2" in err


def test_explain_hook_calls_the_walkthrough(corpus, tmp_path, capsysbinary):
    """--explain is the walkthrough helper's: verify-eml only hands the Report to toolkit.walkthrough.explain."""
    eml = write(tmp_path, "e.eml", corpus.message(signer="example.net"))
    code, out, _ = run(capsysbinary, *base(corpus, "--explain", eml))
    assert code == 1 and len(out.splitlines()) > 5 and b"Authentication-Results: emlauth" not in out[:40]


def test_authserv_id_default_is_the_host_name_everywhere():
    """Issue 13 §5: verify-eml, the milter and the pipeline default to the same id, this host's name (AR-2)."""
    from toolkit.shells import cmd_mail, cmd_verify

    assert cmd_mail.default_authserv_id is cmd_verify.default_authserv_id is default_authserv_id
    name = default_authserv_id()
    assert name and name != "emlauth.localhost" and name == name.lower()

"""What a walkthrough teaches beyond the verdicts: what to do after each failure, the sample's lesson, the
Received fields behind --trust-received, decoded Subject and display names, and verify-eml's stdin notice."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from toolkit.core.verify import SmtpContext, verify_message
from toolkit.resolvers.zonefile import ZoneFileResolver
from toolkit.shells.cli import main
from toolkit.walkthrough import explain

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CASES = {c["name"]: c for c in tomllib.loads((SAMPLES / "cases.toml").read_text())["sample"]}
RESOLVER = ZoneFileResolver(SAMPLES / "zones")
FAILED = re.compile(r"^(SPF result|DKIM result|DMARC result): (fail|softfail|permerror|temperror)\b", re.M)
FAILED_JA = re.compile(r"^(SPF の結果|DKIM の結果|DMARC の結果): (fail|softfail|permerror|temperror)\b", re.M)


def _report(name: str):
    case = CASES[name]
    raw = (SAMPLES / case["file"]).read_bytes()
    return verify_message(raw, SmtpContext(case["ip"], case["helo"], case["mail_from"]), RESOLVER, case["now"])


def _sections(text: str) -> list[str]:
    return re.split(r"\n(?=\d+\. )", text)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize(("lang", "failed", "todo"), [("en", FAILED, "What to do:"), ("ja", FAILED_JA, "対処:")])
def test_every_failing_verdict_says_what_to_do(name: str, lang: str, failed: re.Pattern, todo: str) -> None:
    for section in _sections(explain(_report(name), lang=lang)):
        if failed.search(section):
            assert todo in section, section[:200]


def test_unaligned_esp_gets_the_two_fixes() -> None:
    # third-party-dkim: the ESP's own MAIL FROM and d= both pass, neither aligns (SES-7)
    text = " ".join(explain(_report("third-party-dkim")).split())
    assert "What to do: SPF passed for" in text and "set a custom MAIL FROM under example.com" in text
    assert "have the sender sign with your own d=example.com" in text


def test_failures_get_the_fix_that_fits_them() -> None:
    expired = " ".join(explain(_report("expired-signature")).split())
    assert "use a longer x= or none" in expired
    revoked = " ".join(explain(_report("revoked-key")).split())
    assert "switch it to the current key's selector" in revoked
    listed = " ".join(explain(_report("mailing-list")).split())
    assert "have it re-sign or add ARC" in listed and "custom MAIL FROM" not in listed  # not the author's fault
    testing = " ".join(explain(_report("testing-key")).split())
    assert "remove t=y from the key record" in testing
    strict = " ".join(explain(_report("strict-alignment")).split())
    assert "adkim=s or aspf=s demand the exact From domain" in strict and "custom MAIL FROM" not in strict


def test_spoofed_from_states_its_lesson(capsys) -> None:
    assert main(["walkthrough", "spoofed-from"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "The lesson of this sample: A spoofer uses ceo@example.org" in out
    assert "SPF passed for spoofer.test, which proves nothing about the From address (example.org)" in out
    assert "If it is not, this is spoofing" in out
    assert main(["walkthrough", "spoofed-from", "--lang", "ja"]) == 1
    out = "".join(capsys.readouterr().out.split())
    assert (
        "この例で学ぶこと:" in out and "教訓:SPFやDKIMのpassは、そのドメインがFromと整合して初めて意味を持ちます" in out
    )


def _relayed(tmp_path: Path) -> Path:
    path = tmp_path / "relayed.eml"
    path.write_bytes(
        b"Received: from localhost (localhost [127.0.0.1])\r\n\tby mx.receiver.test with LMTP id q1\r\n"
        b"Received: from mx.forwarder.test (mx.forwarder.test [192.0.2.44])\r\n"
        b"\tby mx.receiver.test with ESMTPS id q0; Mon, 02 Mar 2026 09:15:08 +0000\r\n"
        b"Received: by mx.receiver.test with LMTP id q3\r\n"
        b"Return-Path: <alice+fwd@forwarder.test>\r\n" + (SAMPLES / "messages" / "forwarded.eml").read_bytes()
    )
    return path


def test_unknown_ip_lists_the_received_fields_and_suggests_n(tmp_path, capsys) -> None:
    main(["walkthrough", str(_relayed(tmp_path)), "--now", "1772442920"])
    out = capsys.readouterr().out
    assert "#1: [127.0.0.1] HELO localhost" in out and "#2: [192.0.2.44] HELO mx.forwarder.test" in out
    assert "#3:" not in out.split("try:")[0].split("carry a client IP")[1]  # field 3 has no from clause
    assert "try: --trust-received 2" in out  # #1 is loopback: the local delivery, not the sender


def test_trust_received_feeds_spf_and_says_where_from(tmp_path, capsys) -> None:
    main(["walkthrough", str(_relayed(tmp_path)), "--now", "1772442920", "--trust-received", "2"])
    out = " ".join(capsys.readouterr().out.split())
    assert "the SMTP facts come from Received field #2" in out and "Received #2 [192.0.2.44]" in out
    assert "SPF: may 192.0.2.44 send mail for forwarder.test?" in out
    assert "<alice+fwd@forwarder.test>" in out  # MAIL FROM from Return-Path
    main(["walkthrough", str(_relayed(tmp_path)), "--now", "1772442920", "--trust-received", "2", "--ip", "192.0.2.9"])
    assert "SPF: may 192.0.2.9 send" in capsys.readouterr().out  # an explicit --ip still wins


def test_a_received_field_without_from_is_explained(tmp_path, capsys) -> None:
    main(["walkthrough", str(_relayed(tmp_path)), "--now", "1772442920", "--trust-received", "3"])
    out = " ".join(capsys.readouterr().out.split())
    assert "Received field #3 gave no client IP:" in out and "Without it SPF cannot judge the sender." in out
    assert "try: --trust-received 2" in out  # and what to use instead


def test_encoded_words_are_decoded_for_people(tmp_path, capsys) -> None:
    path = tmp_path / "encoded.eml"
    path.write_bytes(
        b"From: =?utf-8?B?5bGx55Sw5aSq6YOO?= <taro@example.com>\r\n"
        b"Subject: =?utf-8?Q?=E4=BC=9A=E8=AD=B0=E3=81=AE?= =?utf-8?B?44GK55+l44KJ44Gb?=\r\n"
        b"To: hanako@example.org\r\n\r\nbody\r\n"
    )
    main(["walkthrough", str(path), "--lang", "ja", "--now", "1772442920"])
    out = capsys.readouterr().out
    assert "「山田太郎 <taro@example.com>」" in out
    assert "=?utf-8?B?5bGx55Sw5aSq6YOO?=" in out  # the form in the message is still shown
    assert "件名 (Subject) は「会議のお知らせ」です。" in out


def test_verify_eml_on_a_terminal_says_it_reads_stdin(tmp_path) -> None:
    controller, terminal = pty.openpty()
    try:
        process = subprocess.run(
            [sys.executable, "-c", "from toolkit.shells.cli import verify_eml_main as m; raise SystemExit(m())"],
            stdin=terminal, capture_output=True, timeout=30, input=None, env={**os.environ}, check=False,
            preexec_fn=lambda: os.write(controller, b"\x04"),  # end of input, as Ctrl-D on the terminal
        )  # fmt: skip
    finally:
        os.close(controller)
        os.close(terminal)
    assert process.stderr.decode().startswith("verify-eml: reading a message from standard input")


def test_no_notice_when_stdin_is_a_pipe() -> None:
    process = subprocess.run(
        [sys.executable, "-c", "from toolkit.shells.cli import verify_eml_main as m; raise SystemExit(m())"],
        input=b"From: a@example.com\r\n\r\nx\r\n", capture_output=True, timeout=30, check=False,
    )  # fmt: skip
    assert b"reading a message" not in process.stderr and process.stdout.startswith(b"Authentication-Results:")


def test_trust_received_counts_from_one(capsys) -> None:
    assert main(["walkthrough", "all-pass", "--trust-received", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "counts from 1" in err


def test_a_changed_encoded_subject_is_shown_decoded_in_the_diagnosis() -> None:
    from toolkit.core.diagnose import Diagnosis, DiagnosisCode
    from toolkit.walkthrough.lang import Lang

    before, after = "=?utf-8?B?5Lya6K2w?=", "=?utf-8?Q?=E4=BC=9A=E8=AD=B0=E4=B8=AD=E6=AD=A2?="
    finding = Diagnosis(
        DiagnosisCode.HEADER_CHANGED,
        f"The Subject field changed after signing: signed as {before!r}, now {after!r}.",
        {"header": "Subject", "signed_value": before, "current_value": after},
    )
    assert Lang("en").diagnosis(finding) == "The Subject field changed after signing: signed as '会議', now '会議中止'."
    assert "署名時: 「会議」、現在: 「会議中止」" in Lang("ja").diagnosis(finding)

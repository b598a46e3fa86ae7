"""toolkit.core.diagnose: which in-transit change broke a DKIM signature, and risk notes (DKIM-10/18/19/21/29/31)."""

from __future__ import annotations

import base64
import hashlib
import quopri
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from toolkit.core.canon import body_hash, canon_body
from toolkit.core.diagnose import DiagnosisCode, diagnose_message, diagnose_signature
from toolkit.core.dkim import DkimReason, SignerConfig, sign, verify
from toolkit.core.dkim.common import header_hash_input, index_headers, select_headers
from toolkit.core.dkim.keys import load_private_key
from toolkit.core.message import parse_message
from toolkit.core.results import Verdict
from toolkit.resolvers.memory import MemoryResolver

ROOT = Path(__file__).resolve().parents[2]
NOW = 1772442000
KEY = load_private_key((ROOT / "keys/test/example.com/s2048.private.pem").read_bytes())
RESOLVER = MemoryResolver({"s2048._domainkey.example.com": {"TXT": [KEY.dns_txt_strings()]}})

MESSAGE = (
    b"From: Alice <alice@example.com>\r\n"
    b"To: bob@example.net\r\n"
    b"Subject: Quarterly numbers\r\n"
    b"Date: Mon, 02 Mar 2026 09:00:00 +0000\r\n"
    b"Message-ID: <q1@example.com>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Hello Bob,\r\n"
    b"\r\n"
    b"the numbers are in, caf\xc3\xa9 budget included.\r\n"
    b"-- \r\n"
    b"Alice\r\n"
)


def _signed(message: bytes = MESSAGE, canon: str = "relaxed/relaxed", **kw) -> bytes:
    return sign(message, [SignerConfig("example.com", "s2048", KEY, canon=canon, **kw)], now=NOW)


def _diagnose(raw: bytes):
    message = parse_message(raw)
    (result,) = verify(message, RESOLVER, NOW + 60)
    return result, diagnose_signature(message, result)


def _body(raw: bytes) -> tuple[bytes, bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return head, body


def _only(findings, code: DiagnosisCode):
    found = [d for d in findings if d.code is code]
    assert found, [d.code for d in findings]
    return found[0]


def test_untouched_message_passes_and_has_no_failure_diagnosis() -> None:
    result, findings = _diagnose(_signed())
    assert result.reason is None
    assert not [d for d in findings if d.code.value.startswith(("body_", "signed_", "header_"))]


def test_appended_footer_is_found_with_its_line_count() -> None:  # DKIM-19
    raw = _signed() + b"--\r\nteam mailing list\r\nhttps://lists.test/team\r\n"
    result, findings = _diagnose(raw)
    assert result.reason is DkimReason.BODY_HASH_MISMATCH
    found = _only(findings, DiagnosisCode.BODY_CHANGE_FOUND)
    assert found.evidence["change"] == "footer_appended"
    assert found.evidence["lines_removed"] == 3
    assert "last 3 lines" in found.text and "team mailing list" in found.text
    assert found.evidence["expected"] == result.body_hash_expected
    assert found.to_json()["code"] == "body_change_found"


def test_footer_inside_the_last_mime_part_is_found() -> None:
    mime = MESSAGE.replace(
        b"Content-Type: text/plain; charset=utf-8\r\n", b'Content-Type: multipart/mixed; boundary="b1"\r\n'
    ).split(b"\r\n\r\n")[0] + (
        b"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nHello Bob\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
        b"second part\r\n--b1--\r\n"
    )
    raw = _signed(mime).replace(b"second part\r\n", b"second part\r\nSent through the Example gateway\r\n")
    _, findings = _diagnose(raw)
    found = _only(findings, DiagnosisCode.BODY_CHANGE_FOUND)
    assert found.evidence["change"] == "footer_in_mime_part"
    assert "Example gateway" in found.evidence["removed_text"]


def test_signer_that_hashed_lf_line_endings_is_found() -> None:  # DKIM-28
    raw = _signed()
    head, body = _body(raw)
    canonical = canon_body(body, "relaxed")
    lf_hash = base64.b64encode(hashlib.sha256(canonical.replace(b"\r\n", b"\n")).digest())
    head = re.sub(rb"bh=[^;]+;", b"bh=" + lf_hash + b";", head)
    _, findings = _diagnose(head + b"\r\n\r\n" + body)
    found = _only(findings, DiagnosisCode.BODY_CHANGE_FOUND)
    assert found.evidence["change"] == "signed_with_lf"
    assert "LF" in found.text


def test_trailing_whitespace_added_under_simple_body_canonicalization() -> None:  # DKIM-25
    raw = _signed(canon="relaxed/simple").replace(b"Hello Bob,\r\n", b"Hello Bob,   \r\n")
    result, findings = _diagnose(raw)
    assert result.reason is DkimReason.BODY_HASH_MISMATCH
    assert _only(findings, DiagnosisCode.BODY_CHANGE_FOUND).evidence["change"] == "trailing_whitespace_added"


def test_signature_separator_that_lost_its_space_is_found() -> None:
    raw = _signed(canon="relaxed/simple").replace(b"\r\n-- \r\n", b"\r\n--\r\n")
    _, findings = _diagnose(raw)
    assert _only(findings, DiagnosisCode.BODY_CHANGE_FOUND).evidence["change"] == "signature_separator_stripped"


def test_quoted_printable_reencoding_is_found() -> None:  # 8bit -> 7bit downgrade by a relay
    head, body = _body(_signed())
    encoded = re.sub(rb"\r?\n", b"\r\n", quopri.encodestring(body.replace(b"\r\n", b"\n")))
    assert encoded != body
    head = head.replace(b"Content-Transfer-Encoding: 8bit", b"Content-Transfer-Encoding: quoted-printable")
    result, findings = _diagnose(head + b"\r\n\r\n" + encoded)
    assert result.reason is DkimReason.BODY_HASH_MISMATCH
    found = _only(findings, DiagnosisCode.BODY_CHANGE_FOUND)
    assert found.evidence["change"] == "converted_to_quoted_printable"
    assert "quoted-printable" in found.text


def test_base64_rewrapped_is_found() -> None:
    payload = base64.b64encode(b"x" * 200)
    body64 = b"\r\n".join(payload[i : i + 76] for i in range(0, len(payload), 76)) + b"\r\n"
    message = MESSAGE.split(b"\r\n\r\n")[0].replace(b"8bit", b"base64") + b"\r\n\r\n" + body64
    head, _ = _body(_signed(message))
    rewrapped = b"\r\n".join(payload[i : i + 60] for i in range(0, len(payload), 60)) + b"\r\n"
    _, findings = _diagnose(head + b"\r\n\r\n" + rewrapped)
    found = _only(findings, DiagnosisCode.BODY_CHANGE_FOUND)
    assert found.evidence["change"] == "base64_rewrapped"
    assert found.evidence["width"] == 76


def test_no_known_change_matches_and_it_says_so() -> None:
    raw = _signed().replace(b"the numbers are in", b"the numbers are OUT")
    result, findings = _diagnose(raw)
    assert result.reason is DkimReason.BODY_HASH_MISMATCH
    found = _only(findings, DiagnosisCode.BODY_CHANGE_UNKNOWN)
    assert "None of the usual" in found.text
    assert "footer_appended" in found.evidence["tried"]
    assert not [d for d in findings if d.code is DiagnosisCode.BODY_CHANGE_FOUND]


def _sign_with_z(message: bytes, names: list[str]) -> bytes:
    """A valid rsa-sha256 signature that carries z= copies (our signer does not write z=)."""
    parsed = parse_message(message)
    by_name = index_headers(parsed.headers)
    copies = []
    for field in select_headers(by_name, names):
        value = field.value.replace(b"\r\n", b"")
        encoded = "".join(
            chr(b) if chr(b).isascii() and chr(b).isalnum() or b in b"<>@.,-/+" else f"={b:02X}" for b in value
        )
        copies.append(f"{field.name}:{encoded}")
    bh = base64.b64encode(body_hash(parsed.body, "relaxed").digest).decode()
    head = (
        f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=s2048; t={NOW};\r\n"
        f"\th={':'.join(names)}; bh={bh};\r\n\tz={'|'.join(copies)};\r\n\tb="
    )
    data = header_hash_input(select_headers(by_name, names), (head + "\r\n").encode(), "relaxed")
    signature = base64.b64encode(KEY.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()
    return (head + signature + "\r\n").encode() + parsed.raw


def test_changed_header_is_named_from_z_copies() -> None:  # DKIM-12: z= for diagnostics only
    raw = _sign_with_z(MESSAGE, ["from", "to", "subject", "date"])
    assert verify(parse_message(raw), RESOLVER, NOW)[0].reason is None  # the helper's signature is valid
    tampered = raw.replace(b"Subject: Quarterly numbers", b"Subject: Quarterly numbers (revised)")
    result, findings = _diagnose(tampered)
    assert result.reason is DkimReason.SIGNATURE_MISMATCH
    changed = _only(findings, DiagnosisCode.HEADER_CHANGED)
    assert changed.evidence["header"] == "Subject"
    assert changed.evidence["signed_value"] == "Quarterly numbers"
    assert changed.evidence["current_value"] == "Quarterly numbers (revised)"
    assert "Subject" in changed.text
    assert [d.code for d in findings].count(DiagnosisCode.HEADER_CHANGED) == 1  # To, From, Date unchanged


def test_whitespace_change_absorbed_by_relaxed_is_not_reported_as_changed() -> None:  # DKIM-24
    raw = _sign_with_z(MESSAGE, ["from", "to", "subject"])
    tampered = raw.replace(b"To: bob@example.net", b"To:    bob@example.net").replace(
        b"Subject: Quarterly numbers", b"Subject: Quarterly numbers!"
    )
    _, findings = _diagnose(tampered)
    changed = [d.evidence["header"] for d in findings if d.code is DiagnosisCode.HEADER_CHANGED]
    assert changed == ["Subject"]


def test_added_copy_of_an_oversigned_field_is_named() -> None:  # DKIM-31
    raw = b"From: Mallory <ceo@example.com>\r\n" + _signed()
    result, findings = _diagnose(raw)
    assert result.reason is DkimReason.SIGNATURE_MISMATCH
    added = [d for d in findings if d.code is DiagnosisCode.HEADER_ADDED]
    assert added and all(d.evidence["header"].lower() == "from" for d in added)
    assert any("Mallory" in d.text for d in added)  # the RSA check confirms exactly which field
    _only(findings, DiagnosisCode.HEADER_KEY_OPENS)


def test_header_change_without_z_says_what_it_can() -> None:
    raw = _signed().replace(b"Subject: Quarterly numbers", b"Subject: Quarterly numbers - NEW BANK DETAILS")
    result, findings = _diagnose(raw)
    assert result.reason is DkimReason.SIGNATURE_MISMATCH
    opens = _only(findings, DiagnosisCode.HEADER_KEY_OPENS)  # right key, different data
    assert opens.evidence["signed_header_hash"]
    unknown = _only(findings, DiagnosisCode.HEADER_UNKNOWN)
    assert "NEW BANK DETAILS" in unknown.text  # the signed fields as they read now
    assert "subject" in unknown.evidence["signed_headers"]


def test_signature_made_with_another_key_is_told_apart() -> None:
    other = load_private_key((ROOT / "keys/test/example.org/sel1.private.pem").read_bytes())
    raw = sign(MESSAGE, [SignerConfig("example.com", "s2048", other)], now=NOW)
    result, findings = _diagnose(raw)
    assert result.reason is DkimReason.SIGNATURE_MISMATCH
    _only(findings, DiagnosisCode.HEADER_KEY_MISMATCH)


@pytest.mark.parametrize(
    ("headers", "oversign", "code", "header"),
    [
        (["from", "to", "date"], [], DiagnosisCode.RISK_NOT_SIGNED, "subject"),
        (["from", "to", "subject", "date"], [], DiagnosisCode.RISK_NOT_OVERSIGNED, "from"),
    ],
)
def test_risk_notes_for_unsigned_and_not_oversigned_fields(headers, oversign, code, header) -> None:
    _, findings = _diagnose(_signed(headers=headers, oversign=oversign))
    assert header in [d.evidence.get("header") for d in findings if d.code is code]


def test_default_signer_oversigns_so_no_oversign_risk() -> None:
    _, findings = _diagnose(_signed())
    assert not [d for d in findings if d.code in (DiagnosisCode.RISK_NOT_SIGNED, DiagnosisCode.RISK_NOT_OVERSIGNED)]


def test_body_length_with_unsigned_content_is_flagged() -> None:  # DKIM-10
    raw = _signed(body_length=True) + b"P.S. pay at https://spoofer.test/\r\n"
    result, findings = _diagnose(raw)
    assert result.reason is None and result.unsigned_body_bytes > 0
    note = _only(findings, DiagnosisCode.RISK_UNSIGNED_CONTENT)
    assert "spoofer.test" in note.evidence["unsigned_text"]


def test_rsa_1024_and_testing_key_are_flagged_on_the_sample() -> None:  # DKIM-18, DKIM-29
    from toolkit.resolvers.zonefile import ZoneFileResolver

    message = parse_message((ROOT / "samples/messages/testing-key.eml").read_bytes())
    results = verify(message, ZoneFileResolver(ROOT / "samples/zones"), NOW + 4000)
    codes = {d.code for d in diagnose_message(message, results)}
    assert {DiagnosisCode.RISK_RSA_1024, DiagnosisCode.RISK_TESTING_KEY} <= codes


def test_hostile_input_gives_no_diagnosis_and_no_traceback() -> None:
    raw = _signed().replace(b"bh=", b"bh=!!!notbase64", 1) + b"junk\r\n"
    message = parse_message(raw)
    results = verify(message, RESOLVER, NOW)
    assert results and results[0].verdict is not Verdict.PASS
    for result in results:
        assert diagnose_signature(message, result) == ()  # no guess about a signature that never hashed, no raise


def test_banner_on_top_is_found() -> None:
    head, body = _body(_signed())
    _, findings = _diagnose(head + b"\r\n\r\n[EXTERNAL] Be careful with links.\r\n" + body)
    found = _only(findings, DiagnosisCode.BODY_CHANGE_FOUND)
    assert found.evidence["change"] == "banner_prepended" and found.evidence["lines_removed"] == 1


def test_signer_whose_c_tag_lies_is_found() -> None:
    raw = _signed(canon="relaxed/relaxed")
    head, body = _body(raw)
    simple_hash = base64.b64encode(body_hash(body, "simple").digest)
    head = re.sub(rb"bh=[^;]+;", b"bh=" + simple_hash + b";", head)
    _, findings = _diagnose(head + b"\r\n\r\n" + body)
    assert _only(findings, DiagnosisCode.BODY_CHANGE_FOUND).evidence["change"] == "other_canonicalization"


def test_many_mime_parts_and_big_bodies_stay_bounded() -> None:
    from toolkit.core import diagnose

    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\n" + b"line\r\n" * 30 for _ in range(300))
    head = MESSAGE.split(b"\r\n\r\n")[0].replace(b"text/plain; charset=utf-8", b'multipart/mixed; boundary="b"')
    raw = _signed(head + b"\r\n\r\n" + parts + b"--b--\r\n").replace(b"line\r\n", b"LINE\r\n", 1)
    result, findings = _diagnose(raw)
    found = _only(findings, DiagnosisCode.BODY_CHANGE_UNKNOWN)
    assert len(found.evidence["tried"]) <= 12  # distinct kinds; the number of re-hashes is capped
    big = _signed(MESSAGE + b"x" * (diagnose.MAX_SEARCH_BYTES + 10) + b"\r\n") + b"footer\r\n"
    _, findings = _diagnose(big)
    tried = _only(findings, DiagnosisCode.BODY_CHANGE_UNKNOWN).evidence["tried"]
    assert "footer_appended" not in tried and "other_canonicalization" in tried  # only the cheap candidates


def test_z_copies_with_utf8_and_a_changed_signature_field() -> None:
    message = MESSAGE.replace(b"Subject: Quarterly numbers", b"Subject: Caf\xc3\xa9 numbers")
    raw = _sign_with_z(message, ["from", "subject"])
    assert verify(parse_message(raw), RESOLVER, NOW)[0].reason is None
    # an unchanged UTF-8 Subject must not be reported as changed; a damaged signature field is the cause
    tampered = raw.replace(b"d=example.com; s=s2048;", b"d=example.com; s=s2048; q=dns/txt;", 1)
    result, findings = _diagnose(tampered)
    assert result.reason is DkimReason.SIGNATURE_MISMATCH
    assert not [d for d in findings if d.code is DiagnosisCode.HEADER_CHANGED]
    assert "z= copies match" in _only(findings, DiagnosisCode.HEADER_UNKNOWN).text

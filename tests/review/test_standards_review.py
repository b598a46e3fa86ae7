"""Reviewer's tests against STANDARDS.md sections 1-4: each pins a rule that had a suspected gap."""

from __future__ import annotations

import base64
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from toolkit.core import arheader
from toolkit.core.dkim import DkimReason, DkimResult, SignerConfig, sign
from toolkit.core.dkim import verify as dkim_verify
from toolkit.core.dmarc import evaluate as dmarc_evaluate
from toolkit.core.message import parse_message
from toolkit.core.results import Verdict
from toolkit.core.spf import SpfResult, check_identities
from toolkit.resolvers.memory import MemoryResolver


def _unfold(text: str) -> str:
    return re.sub(r"\r\n[ \t]+", " ", text)


def _sig(**kw) -> DkimResult:
    fields = dict(verdict=Verdict.PASS, reason=None, domain="example.com", selector="sel", identity="@example.com",
                  algorithm="rsa-sha256", b_prefix="AbCdEf+/1234")  # fmt: skip
    fields.update(kw)
    return DkimResult(**fields)


# --- AR-1 / AR-8 / SPF-17 / DKIM-38 ------------------------------------------------------------------------------


def test_ar1_helo_address_literal_is_quoted_not_dropped():
    """AR-1: `[192.0.2.1]` is not a token, so smtp.helo must be a quoted-string (it used to be left out)."""
    helo = SpfResult(verdict=Verdict.NONE, identity="helo", domain="[192.0.2.1]", sender="postmaster@[192.0.2.1]",
                     ip="192.0.2.1")  # fmt: skip
    text = arheader.build_field("mx.example.org", spf_helo=helo)
    assert text == 'Authentication-Results: mx.example.org; spf=none smtp.helo="[192.0.2.1]"'


def test_ar1_values_that_are_not_tokens_are_quoted_and_header_d_is_always_written():
    """AR-1, DKIM-38: header.d is always written; d/s/a/i values with specials become quoted-strings."""
    bad = _sig(verdict=Verdict.PERMERROR, domain="exa mple.com", selector="s;x", identity="x@y@z", algorithm="rsa sha1")
    text = _unfold(arheader.build_field("mx.example.org", dkim=[bad]))
    assert 'header.d="exa mple.com"' in text
    assert 'header.s="s;x"' in text
    assert 'header.i="x@y@z"' in text  # two '@': not [local-part] "@" domain, so it must be quoted
    assert 'header.a="rsa sha1"' in text


def test_ar1_quoted_local_part_in_header_i_is_kept():
    """AR-1: `"a b"@example.com` is a valid pvalue ([local-part] "@" domain-name) and is written as is."""
    text = _unfold(arheader.build_field("mx.example.org", dkim=[_sig(identity='"a b"@example.com')]))
    assert 'header.i="a b"@example.com ' in text
    assert arheader.parse_value(text.split(":", 1)[1]).readable


def test_ar1_mailbox_and_token_values_stay_unquoted():
    """AR-1: tokens and dot-atom@domain values are not quoted; base64 with / + = is (tspecials)."""
    text = _unfold(arheader.build_field("mx.example.org", dkim=[_sig(identity="joe.x+tag@mail.example.com")]))
    assert "header.d=example.com header.i=joe.x+tag@mail.example.com header.s=sel header.a=rsa-sha256" in text
    assert 'header.b="AbCdEf+/1234"' in text


def test_ar8_spf_mailfrom_is_the_domain_only_and_null_path_has_comment():
    """SPF-17/AR-8: smtp.mailfrom=<domain> without the local-part; <> gives the HELO domain and the comment."""
    resolver = MemoryResolver({"example.com": {"TXT": ["v=spf1 -all"]}, "mail.example.net": {"TXT": ["v=spf1 +all"]}})
    mailfrom, _ = check_identities("192.0.2.1", "bounce+x@example.com", "", resolver)
    text = arheader.build_field("mx.example.org", spf=mailfrom)
    assert text == "Authentication-Results: mx.example.org; spf=fail smtp.mailfrom=example.com"
    null, helo = check_identities("192.0.2.1", "", "mail.example.net", resolver)
    text = _unfold(arheader.build_field("mx.example.org", spf=null, spf_helo=helo))
    assert "spf=pass (null reverse-path) smtp.mailfrom=mail.example.net;" in text
    assert text.endswith("spf=pass smtp.helo=mail.example.net")


# --- DKIM-8 / DKIM-10 / DKIM-11 / DKIM-14 / DKIM-20 ----------------------------------------------------------------

NOW = 1_700_000_000
DKIM_MESSAGE = b"From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: hi\r\n\r\nHello\r\n"


def _ed_record(key, extra: str = "") -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return f"v=DKIM1; k=ed25519;{extra} p={base64.b64encode(raw).decode()}"


def _ed_signed(key, message: bytes = DKIM_MESSAGE, now: int = NOW, **config) -> bytes:
    return sign(message, [SignerConfig("example.com", "ed", key, **config)], now)


def test_dkim8_strict_flag_of_the_key_that_verified_applies():
    """DKIM-8/DKIM-14 [ours]: with several key records, the t=s of the record that verified decides."""
    key, other = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    resolver = MemoryResolver({"ed._domainkey.example.com": {"TXT": [[_ed_record(other)], [_ed_record(key, " t=s;")]]}})
    (result,) = dkim_verify(_ed_signed(key, identity="user@mail.example.com"), resolver, NOW)
    assert (result.verdict, result.reason) == (Verdict.PERMERROR, DkimReason.IDENTITY_NOT_EXACT)
    (exact,) = dkim_verify(_ed_signed(key, identity="user@example.com"), resolver, NOW)
    assert exact.verdict is Verdict.PASS


def test_dkim8_strict_flag_of_a_record_that_did_not_verify_does_not_apply():
    """DKIM-8: a t=s on another (non-matching) record must not turn a valid subdomain i= into permerror."""
    key, other = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    resolver = MemoryResolver({"ed._domainkey.example.com": {"TXT": [[_ed_record(other, " t=s;")], [_ed_record(key)]]}})
    (result,) = dkim_verify(_ed_signed(key, identity="user@mail.example.com"), resolver, NOW)
    assert result.verdict is Verdict.PASS, result.steps


def test_dkim8_identity_domain_compared_case_insensitively():
    """DKIM-8: i= domain vs d= ignores case."""
    key = ed25519.Ed25519PrivateKey.generate()
    resolver = MemoryResolver({"ed._domainkey.example.com": {"TXT": [[_ed_record(key, " t=s;")]]}})
    (result,) = dkim_verify(_ed_signed(key, identity="User@EXAMPLE.com"), resolver, NOW)
    assert result.verdict is Verdict.PASS, result.steps


def test_dkim11_skew_boundaries():
    """DKIM-11 [ours]: 300 s of skew on both sides; one second beyond is permerror."""
    key = ed25519.Ed25519PrivateKey.generate()
    resolver = MemoryResolver({"ed._domainkey.example.com": {"TXT": [[_ed_record(key)]]}})
    at_edge = _ed_signed(key, now=NOW + 300)
    assert dkim_verify(at_edge, resolver, NOW)[0].verdict is Verdict.PASS
    beyond = _ed_signed(key, now=NOW + 301)
    assert dkim_verify(beyond, resolver, NOW)[0].reason is DkimReason.FUTURE_TIMESTAMP
    expires = _ed_signed(key, now=NOW - 1000, expire_after=700)  # x = NOW - 300
    assert dkim_verify(expires, resolver, NOW)[0].verdict is Verdict.PASS
    assert dkim_verify(expires, resolver, NOW + 1)[0].reason is DkimReason.EXPIRED


def test_dkim10_unsigned_tail_is_a_pass_with_a_comment_in_the_ar():
    """DKIM-10: content past l= is flagged and noted in the A-R comment; l= beyond the body is permerror."""
    key = ed25519.Ed25519PrivateKey.generate()
    resolver = MemoryResolver({"ed._domainkey.example.com": {"TXT": [[_ed_record(key)]]}})
    message = _ed_signed(key, body_length=True) + b"appended\r\n"
    (result,) = dkim_verify(message, resolver, NOW)
    assert result.verdict is Verdict.PASS and result.unsigned_body_bytes == len(b"appended\r\n")
    assert "(10 unsigned body bytes after l=)" in arheader.build_field("mx.example.org", dkim=[result])


def test_dkim20_lowest_instance_is_taken_first():
    """DKIM-20: h=subject picks the bottom-most Subject; a copy added above does not break the signature."""
    key = ed25519.Ed25519PrivateKey.generate()
    resolver = MemoryResolver({"ed._domainkey.example.com": {"TXT": [[_ed_record(key)]]}})
    message = _ed_signed(key, headers=("from", "subject"), oversign=())
    added_above = message.replace(b"From: Alice", b"Subject: spoofed\r\nFrom: Alice", 1)  # above the original
    assert dkim_verify(added_above, resolver, NOW)[0].verdict is Verdict.PASS
    added_below = message.replace(b"\r\n\r\n", b"\r\nSubject: spoofed\r\n\r\n", 1)  # now the lowest instance
    assert dkim_verify(added_below, resolver, NOW)[0].reason is DkimReason.SIGNATURE_MISMATCH


# --- DMARC-8 / DMARC-14 / DMARC-19 with a PSD record ---------------------------------------------------------------


def _dmarc(from_domain: str, zone: dict, dkim_domain: str = "other.example.net"):
    message = parse_message(f"From: a@{from_domain}\r\n\r\n".encode())
    signature = _sig(domain=dkim_domain)
    return dmarc_evaluate(message, [signature], None, MemoryResolver(zone))


PSD_ZONE = {
    "_dmarc.test": {"TXT": ["v=DMARC1; p=reject; sp=quarantine; np=reject; psd=y"]},
    "shop.test": {"A": ["192.0.2.1"]},
    "mail.shop.test": {"A": ["192.0.2.2"]},
}


def test_dmarc8_psd_record_gives_sp_for_an_existing_org_domain_and_np_for_a_missing_one():
    """DMARC-8/14: a PSD record applies with sp to an existing name under it, np (9989) to an NXDOMAIN one."""
    existing = _dmarc("shop.test", PSD_ZONE)
    assert (existing.verdict, existing.found_at, existing.org_domain) == (Verdict.FAIL, "psd", "shop.test")
    assert existing.policy == "quarantine" and existing.disposition == "quarantine"
    missing = _dmarc("gone.shop.test", PSD_ZONE)
    assert (missing.verdict, missing.policy) == (Verdict.FAIL, "reject")
    assert missing.disposition == "quarantine"  # DMARC-11: never reject on p=reject alone
    text = _unfold(arheader.build_field("mx.example.org", dmarc=missing))
    assert "dmarc=fail (p=reject sp=quarantine np=reject) header.from=gone.shop.test policy.dmarc=reject" in text


def test_dmarc6_relaxed_alignment_under_a_psd_uses_the_org_domain_one_label_below():
    """DMARC-6/15: d=shop.test aligns (relaxed) with mail.shop.test; d=other.test does not."""
    assert _dmarc("mail.shop.test", PSD_ZONE, dkim_domain="shop.test").verdict is Verdict.PASS
    assert _dmarc("mail.shop.test", PSD_ZONE, dkim_domain="other.test").verdict is Verdict.FAIL


# --- SPF-1 / SPF-7 / SPF-14 ---------------------------------------------------------------------------------------


def test_spf1_sender_without_local_part_is_postmaster_also_in_the_s_macro():
    """SPF-1 (RFC 7208 §4.3): a sender with no local-part becomes postmaster@domain, so %{s} expands to it."""
    resolver = MemoryResolver({
        "example.com": {"TXT": ["v=spf1 exists:%{s}.x.example.com -all"]},
        "postmaster@example.com.x.example.com": {"A": ["127.0.0.2"]},
    })  # fmt: skip
    for mail_from in ("example.com", "@example.com"):
        result, _ = check_identities("192.0.2.1", mail_from, "", resolver)
        assert result.verdict is Verdict.PASS, (mail_from, [e.name for e in result.ledger])


def test_spf14_third_void_lookup_is_permerror_and_second_is_not():
    """SPF-14: two void lookups (NXDOMAIN or NODATA) are allowed; the third gives permerror."""
    two = MemoryResolver({"example.com": {"TXT": ["v=spf1 a:gone1.example.com a:nodata.example.com ~all"]},
                          "nodata.example.com": {"MX": [[10, "mx.example.com"]]}})  # fmt: skip
    assert check_identities("192.0.2.1", "a@example.com", "", two)[0].verdict is Verdict.SOFTFAIL
    three = MemoryResolver({"example.com": {"TXT": ["v=spf1 a:gone1.example.com a:gone2.example.com "
                                                    "exists:gone3.example.com ~all"]}})  # fmt: skip
    result = check_identities("192.0.2.1", "a@example.com", "", three)[0]
    assert (result.verdict, result.void_lookups) == (Verdict.PERMERROR, 3)


def test_spf7_exists_uses_a_for_an_ipv6_client_and_mx_over_ten_is_permerror():
    """SPF-7: exists matches on an A answer even for an IPv6 client; more than 10 MX hosts is permerror."""
    resolver = MemoryResolver({
        "example.com": {"TXT": ["v=spf1 exists:ok.example.com -all"]},
        "ok.example.com": {"A": ["127.0.0.2"]},
        "example.net": {"TXT": ["v=spf1 mx -all"], "MX": [[i, f"mx{i}.example.net"] for i in range(11)]},
    })  # fmt: skip
    assert check_identities("2001:db8::1", "a@example.com", "", resolver)[0].verdict is Verdict.PASS
    assert check_identities("2001:db8::1", "a@example.net", "", resolver)[0].verdict is Verdict.PERMERROR


def test_ar1_long_comment_is_cut_before_escaping_so_the_field_stays_parseable():
    """AR-1: a 200-character cut must not leave a lone backslash that escapes the comment's closing parenthesis."""
    signature = _sig(verdict=Verdict.FAIL, comment="x" * 199 + "(y) more text")
    text = arheader.build_field("mx.example.org", dkim=[signature])
    parsed = arheader.parse_value(text.split(":", 1)[1])
    assert parsed.readable and parsed.entries[0].get("header", "d") == "example.com"

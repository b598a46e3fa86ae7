"""Every known disagreement with a peer, pinned on a minimal message with the STANDARDS rule that decides it.

Each test asserts the peers' actual verdicts (and a piece of their reason text) AND ours, so it fails if either side
changes. Peers: OpenDKIM 2.11.0 (`opendkim -t`), Mail::DKIM 1.20230212, dkimpy 1.1.8 (Debian 12 / PyPI versions).
"""

from __future__ import annotations

import hashlib
import re
import time
from base64 import b64encode

import dkim
import pytest
from interop.corpus import CORPUS_BY_NAME
from interop.ours import describe, our_sign, our_verify

pytestmark = pytest.mark.peers

PLAIN = CORPUS_BY_NAME["plain"].wire


def peer_view(env, signed: bytes) -> dict[str, list[str]]:
    return {name: [r.verdict for r in peer.verify(signed)] for name, peer in env.peers.items()}


def peer_details(env, signed: bytes) -> dict[str, str]:
    return {name: " | ".join(r.detail for r in peer.verify(signed)) for name, peer in env.peers.items()}


def dkimpy_sign(message: bytes, key, selector: str, canon=(b"relaxed", b"relaxed"), algorithm=b"rsa-sha256") -> bytes:
    field = dkim.sign(message, selector.encode(), b"example.com", key.private_pem(), canonicalize=canon,
                      signature_algorithm=algorithm)  # fmt: skip
    return field + message


def test_rsa_sha1_is_accepted_by_every_peer(interop_env) -> None:
    """DKIM-5 (RFC 8301 §3.1): rsa-sha1 MUST NOT be verified. All three peers still pass it."""
    signed = dkimpy_sign(PLAIN, interop_env.keys["rsa2048"].key, "rsa2048", algorithm=b"rsa-sha1")
    assert b"a=rsa-sha1" in signed
    assert peer_view(interop_env, signed) == {"opendkim": ["pass"], "mail-dkim": ["pass"], "dkimpy": ["pass"]}
    assert describe(our_verify(signed, interop_env.resolver, int(time.time()))) == ["permerror:ALGORITHM_SHA1"]


def test_512_bit_key(interop_env) -> None:
    """DKIM-16 (RFC 8301 §3.2): keys under 1024 bits give permerror. Mail::DKIM passes a 512-bit key."""
    signed = dkimpy_sign(PLAIN, interop_env.keys["weak512"].key, "weak512")
    assert peer_view(interop_env, signed) == {"opendkim": ["policy"], "mail-dkim": ["pass"], "dkimpy": ["permerror"]}
    details = peer_details(interop_env, signed)
    assert "signing key too small" in details["opendkim"]  # OpenDKIM: MinimumKeyBits 1024 -> dkim=policy
    assert "public key too small" in details["dkimpy"]
    assert describe(our_verify(signed, interop_env.resolver, int(time.time()))) == ["permerror:KEY_TOO_SHORT"]


def test_ed25519_key_published_as_k_rsa(interop_env) -> None:
    """DKIM-15: a key type that does not match a= is permerror. OpenDKIM ignores k=rsa and passes."""
    published = interop_env.keys["edasrsa"]
    assert "k=rsa" in published.record
    signed = our_sign(PLAIN, published.key, "edasrsa", "relaxed/relaxed", int(time.time()))
    assert peer_view(interop_env, signed) == {"opendkim": ["pass"], "mail-dkim": ["permerror"], "dkimpy": ["fail"]}
    assert "could not parse RSA public key" in peer_details(interop_env, signed)["dkimpy"]
    assert describe(our_verify(signed, interop_env.resolver, int(time.time()))) == ["permerror:KEY_BAD_DATA"]


def test_pkcs1_public_key_record(interop_env) -> None:
    """DKIM-16: a bare PKCS#1 RSAPublicKey in p= is accepted (the §3.6.1 wording). OpenDKIM and Mail::DKIM only
    take SubjectPublicKeyInfo."""
    signed = our_sign(PLAIN, interop_env.keys["pkcs1"].key, "pkcs1", "relaxed/relaxed", int(time.time()))
    assert peer_view(interop_env, signed) == {"opendkim": ["permerror"], "mail-dkim": ["permerror"], "dkimpy": ["pass"]}
    assert "wrong tag" in peer_details(interop_env, signed)["mail-dkim"]
    assert describe(our_verify(signed, interop_env.resolver, int(time.time()))) == ["pass:"]


def test_key_record_h_sha1_only(interop_env) -> None:
    """DKIM-15: a key record whose h= lacks sha256 gives permerror. dkimpy ignores the key's h= and passes."""
    signed = our_sign(PLAIN, interop_env.keys["hsha1"].key, "hsha1", "relaxed/relaxed", int(time.time()))
    assert peer_view(interop_env, signed) == {"opendkim": ["fail"], "mail-dkim": ["permerror"], "dkimpy": ["pass"]}
    assert "hash mismatch" in peer_details(interop_env, signed)["opendkim"]
    assert describe(our_verify(signed, interop_env.resolver, int(time.time()))) == ["permerror:KEY_HASH_NOT_ALLOWED"]


def test_strict_key_with_subdomain_identity(interop_env) -> None:
    """DKIM-8: with t=s in the key, i= must be exactly d=. dkimpy ignores t=s and passes."""
    now = int(time.time())
    signed = our_sign(
        PLAIN, interop_env.keys["strict"].key, "strict", "relaxed/relaxed", now, identity="@a.example.com"
    )
    assert peer_view(interop_env, signed) == {"opendkim": ["fail"], "mail-dkim": ["permerror"], "dkimpy": ["pass"]}
    assert "unauthorized subdomain" in peer_details(interop_env, signed)["opendkim"]
    assert describe(our_verify(signed, interop_env.resolver, now)) == ["permerror:IDENTITY_NOT_EXACT"]


def test_revoked_key_words(interop_env) -> None:
    """DKIM-15/DKIM-37: an empty p= (revoked) is permerror [ours]. Nobody passes; OpenDKIM and dkimpy say fail."""
    now = int(time.time())
    signed = our_sign(PLAIN, interop_env.keys["revoked"].key, "revoked", "relaxed/relaxed", now)
    assert peer_view(interop_env, signed) == {"opendkim": ["fail"], "mail-dkim": ["permerror"], "dkimpy": ["fail"]}
    assert "key revoked" in peer_details(interop_env, signed)["opendkim"]
    assert describe(our_verify(signed, interop_env.resolver, now)) == ["permerror:KEY_REVOKED"]


def test_expired_signature(interop_env) -> None:
    """DKIM-11: past x= (beyond our 300 s skew) is permerror. dkimpy allows 10 h of skew (DKIM-39) and passes."""
    now = int(time.time())
    signed = our_sign(
        PLAIN, interop_env.keys["rsa2048"].key, "rsa2048", "relaxed/relaxed", now - 7200, expire_after=3600
    )
    assert peer_view(interop_env, signed) == {"opendkim": ["permerror"], "mail-dkim": ["permerror"], "dkimpy": ["pass"]}
    assert "expired" in peer_details(interop_env, signed)["mail-dkim"]
    assert describe(our_verify(signed, interop_env.resolver, now)) == ["permerror:EXPIRED"]


def test_timestamp_in_the_future(interop_env) -> None:
    """DKIM-11 [ours]: t= more than 300 s ahead is permerror (RFC 6376 §3.5 lets verifiers ignore such signatures).
    Mail::DKIM and dkimpy pass it; OpenDKIM agrees with us."""
    now = int(time.time())
    signed = our_sign(PLAIN, interop_env.keys["rsa2048"].key, "rsa2048", "relaxed/relaxed", now + 3600)
    assert peer_view(interop_env, signed) == {"opendkim": ["permerror"], "mail-dkim": ["pass"], "dkimpy": ["pass"]}
    assert describe(our_verify(signed, interop_env.resolver, now)) == ["permerror:FUTURE_TIMESTAMP"]


def test_space_before_colon(interop_env) -> None:
    """DKIM-24 (and DKIM-27 `B : Y`): relaxed canonicalization drops WSP before the colon; simple keeps the field.
    dkimpy refuses to parse such a message at all, for signing and for verifying."""
    message = CORPUS_BY_NAME["space_before_colon"].wire
    assert b"\r\nSubject : x\r\n" in message
    key = interop_env.keys["rsa2048"].key
    for canon in ("simple/simple", "relaxed/relaxed"):
        signed = our_sign(message, key, "rsa2048", canon, int(time.time()))
        assert peer_view(interop_env, signed) == {"opendkim": ["pass"], "mail-dkim": ["pass"], "dkimpy": ["permerror"]}
        assert "Unexpected characters in RFC822 header" in peer_details(interop_env, signed)["dkimpy"]
        assert describe(our_verify(signed, interop_env.resolver, int(time.time()))) == ["pass:"]
    with pytest.raises(dkim.MessageFormatError):
        dkimpy_sign(message, key, "rsa2048")
    for peer in ("opendkim", "mail-dkim"):
        signed = interop_env.peers[peer].sign(message, key, "example.com", "rsa2048", canon="simple/simple")
        assert describe(our_verify(signed, interop_env.resolver, int(time.time()))) == ["pass:"]


def test_relaxed_body_without_final_crlf_opendkim(interop_env) -> None:
    """DKIM-26: relaxed body canonicalization adds the missing final CRLF. OpenDKIM instead stops with
    "CRLF at end of body missing": it will not sign, and reports our signature as "message not signed".
    Over SMTP the body always ends in CRLF, and with that CRLF added (a no-op for both canonicalizations,
    DKIM-25/26) OpenDKIM agrees with us."""
    message = CORPUS_BY_NAME["no_final_crlf"].wire
    assert not message.endswith(b"\r\n")
    key = interop_env.keys["rsa2048"].key
    opendkim = interop_env.peers["opendkim"]
    now = int(time.time())
    signed = our_sign(message, key, "rsa2048", "relaxed/relaxed", now)
    [result] = opendkim.verify(signed)
    assert (result.verdict, result.detail.endswith("message not signed")) == ("none", True)
    assert describe(our_verify(signed, interop_env.resolver, now)) == ["pass:"]
    assert [r.verdict for r in opendkim.verify(signed + b"\r\n")] == ["pass"]
    assert describe(our_verify(signed + b"\r\n", interop_env.resolver, now)) == ["pass:"]
    with pytest.raises(RuntimeError, match="CRLF at end of body missing"):
        opendkim.sign(message, key, "example.com", "rsa2048", canon="relaxed/relaxed")


def test_simple_body_without_final_crlf_mail_dkim(interop_env) -> None:
    """DKIM-25: simple body canonicalization adds a CRLF to a body that lacks one. Mail::DKIM hashes the body as
    is, so its bh= differs from everyone else's."""
    message = CORPUS_BY_NAME["no_final_crlf"].wire
    body = message.split(b"\r\n\r\n", 1)[1]
    key = interop_env.keys["rsa2048"].key
    signed = interop_env.peers["mail-dkim"].sign(message, key, "example.com", "rsa2048", canon="simple/simple")
    bh = re.search(rb"bh=([^;]+);", signed).group(1).decode()
    assert bh == b64encode(hashlib.sha256(body).digest()).decode()  # Mail::DKIM: no CRLF added
    assert bh != b64encode(hashlib.sha256(body + b"\r\n").digest()).decode()  # DKIM-25
    now = int(time.time())
    assert describe(our_verify(signed, interop_env.resolver, now)) == ["fail:BODY_HASH_MISMATCH"]
    assert peer_view(interop_env, signed) == {"opendkim": ["fail"], "mail-dkim": ["pass"], "dkimpy": ["fail"]}
    ours = our_sign(message, key, "rsa2048", "simple/simple", now)
    assert peer_view(interop_env, ours) == {"opendkim": ["pass"], "mail-dkim": ["fail"], "dkimpy": ["pass"]}


def test_opendkim_ed25519_simple_header_signature_is_unverifiable(interop_env) -> None:
    """DKIM-20 step 3: the signature field is hashed as it appears, minus the b= value. OpenDKIM hashes its
    Ed25519 field with `h=...; b=` on one line, then emits b= on a new line; under simple header
    canonicalization nobody, OpenDKIM included, verifies it. Refolding the field back makes it verify."""
    published = interop_env.keys["ed25519"]
    opendkim = interop_env.peers["opendkim"]
    signed = opendkim.sign(PLAIN, published.key, "example.com", "ed25519", canon="simple/simple")
    now = int(time.time())
    assert describe(our_verify(signed, interop_env.resolver, now)) == ["fail:SIGNATURE_MISMATCH"]
    assert peer_view(interop_env, signed) == {"opendkim": ["fail"], "mail-dkim": ["permerror"], "dkimpy": ["fail"]}
    refolded = re.sub(rb"(h=[^;]*;)\r\n\tb=", rb"\1 b=", signed, count=1)
    assert refolded != signed
    assert describe(our_verify(refolded, interop_env.resolver, now)) == ["pass:"]
    assert [r.verdict for r in opendkim.verify(refolded)] == ["pass"]


@pytest.mark.parametrize(
    ("field", "in_opendkim_h"),
    [
        (b"From:Alice <alice@example.com>", True),  # no space after the colon
        (b"Subject:\ts", True),  # a tab after the colon
        (b"Subject:  s", True),  # two spaces after the colon
        (b"X-Empty:", False),  # empty value; OpenDKIM's default h= leaves X-Empty out
    ],
)
def test_opendkim_simple_header_rewrites_whitespace_after_colon(interop_env, field: bytes, in_opendkim_h: bool) -> None:
    """DKIM-23: simple header canonicalization changes nothing. OpenDKIM's test mode hands fields over as
    name + value with the WSP after the colon dropped, and hashes "Name: value": a field written `From:Alice`,
    `Subject:<TAB>s` or `X-Empty:` gets the wrong bytes. Mail::DKIM and dkimpy agree with us. (Seen in test mode,
    which does not negotiate the milter's SMFIP_HDR_LEADSPC; an MTA that passes the leading space may not.)"""
    name = field.split(b":", 1)[0].lower()
    lines = [b"From: Alice <alice@example.com>", b"To: Bob <bob@example.org>", b"Subject: s"]
    lines = [line for line in lines if line.split(b":", 1)[0].lower() != name] + [field]
    message = b"\r\n".join(lines) + b"\r\n\r\nbody\r\n"
    key = interop_env.keys["rsa2048"].key
    now = int(time.time())
    headers = ["from", "to", "subject", "x-empty"]
    signed = our_sign(message, key, "rsa2048", "simple/simple", now, headers=headers, oversign=())
    assert describe(our_verify(signed, interop_env.resolver, now)) == ["pass:"]
    assert peer_view(interop_env, signed) == {"opendkim": ["fail"], "mail-dkim": ["pass"], "dkimpy": ["pass"]}
    relaxed = our_sign(message, key, "rsa2048", "relaxed/simple", now, headers=headers, oversign=())
    assert peer_view(interop_env, relaxed) == {"opendkim": ["pass"], "mail-dkim": ["pass"], "dkimpy": ["pass"]}
    theirs = interop_env.peers["opendkim"].sign(message, key, "example.com", "rsa2048", canon="simple/simple")
    expected = "fail:SIGNATURE_MISMATCH" if in_opendkim_h else "pass:"
    assert describe(our_verify(theirs, interop_env.resolver, now)) == [expected]


def test_mail_dkim_has_no_ed25519(interop_env) -> None:
    """DKIM-5 (RFC 8463): ed25519-sha256 is a DKIM algorithm. Mail::DKIM 1.20230212 reports it unsupported."""
    published = interop_env.keys["ed25519"]
    mail_dkim = interop_env.peers["mail-dkim"]
    assert mail_dkim.algorithms == ("rsa-sha256",)
    signed = our_sign(PLAIN, published.key, "ed25519", "relaxed/relaxed", int(time.time()))
    [result] = mail_dkim.verify(signed)
    assert (result.verdict, result.detail) == ("permerror", "invalid (unsupported algorithm ed25519-sha256)")
    assert describe(our_verify(signed, interop_env.resolver, int(time.time()))) == ["pass:"]
    with pytest.raises(RuntimeError, match="unsupported algorithm"):
        mail_dkim.sign(PLAIN, published.key, "example.com", "ed25519")


def _bh(signed: bytes) -> bytes:
    return re.sub(rb"\s", b"", re.search(rb"bh=([^;]+)", signed).group(1))


def test_bare_cr_is_data_simple_everyone_agrees_relaxed_opendkim_drops_it(interop_env) -> None:
    """DKIM-22 (changed 2026-12-02): a bare CR is data. Under simple/simple all three peers and we agree on a message
    with bare CRs in a header and the body (converting them, as we did before, broke every peer's signature). Under
    relaxed body canonicalization OpenDKIM drops the bare CR and the WSP before it ("a \rb" hashes as "ab");
    Mail::DKIM and dkimpy keep it, as we do. Relaxed header: OpenDKIM again alone."""
    now = int(time.time())
    published = interop_env.keys["rsa2048"]
    head, _, _ = PLAIN.partition(b"\r\n\r\n")
    message = head.replace(b"Subject: Plain", b"Subject: Pl\rain") + b"\r\n\r\na \rb\r\n"
    opendkim = interop_env.peers["opendkim"]
    everyone = {"opendkim": ["pass"], "mail-dkim": ["pass"], "dkimpy": ["pass"]}

    simple = our_sign(message, published.key, "rsa2048", "simple/simple", now)
    assert peer_view(interop_env, simple) == everyone
    assert describe(our_verify(simple, interop_env.resolver, now)) == ["pass:"]
    theirs = opendkim.sign(message, published.key, "example.com", "rsa2048", canon="simple/simple")
    assert describe(our_verify(theirs, interop_env.resolver, now)) == ["pass:"]

    for canon in ("simple/relaxed", "relaxed/simple"):
        ours = our_sign(message, published.key, "rsa2048", canon, now)
        assert peer_view(interop_env, ours) == {**everyone, "opendkim": ["fail"]}, canon
        assert describe(our_verify(ours, interop_env.resolver, now)) == ["pass:"]
    theirs = opendkim.sign(message, published.key, "example.com", "rsa2048", canon="simple/relaxed")
    assert _bh(theirs) == b64encode(hashlib.sha256(b"ab\r\n").digest())
    assert describe(our_verify(theirs, interop_env.resolver, now)) == ["fail:BODY_HASH_MISMATCH"]


def test_agreements_beyond_the_corpus(interop_env) -> None:
    """Cases where everyone agrees: two signatures (RSA + Ed25519, DKIM-13/33), l= with appended text (DKIM-10),
    i= in a subdomain of d= (DKIM-8)."""
    now = int(time.time())
    rsa_key, ed = interop_env.keys["rsa2048"], interop_env.keys["ed25519"]
    from toolkit.core.dkim import SignerConfig, sign

    both = sign(
        PLAIN,
        [SignerConfig("example.com", "rsa2048", rsa_key.key), SignerConfig("example.com", "ed25519", ed.key)],
        now,
    )
    assert describe(our_verify(both, interop_env.resolver, now)) == ["pass:", "pass:"]
    view = peer_view(interop_env, both)
    assert view["opendkim"] == ["pass", "pass"] and view["dkimpy"] == ["pass", "pass"]
    assert sorted(view["mail-dkim"]) == ["pass", "permerror"]  # no Ed25519 in Mail::DKIM 1.20230212

    with_l = our_sign(PLAIN, rsa_key.key, "rsa2048", "relaxed/relaxed", now, body_length=True) + b"Appended.\r\n"
    assert peer_view(interop_env, with_l) == {"opendkim": ["pass"], "mail-dkim": ["pass"], "dkimpy": ["pass"]}
    [ours] = our_verify(with_l, interop_env.resolver, now)
    assert (ours.verdict.value, ours.unsigned_body_bytes) == ("pass", len(b"Appended.\r\n"))

    sub = our_sign(PLAIN, rsa_key.key, "rsa2048", "relaxed/relaxed", now, identity="@a.example.com")
    assert peer_view(interop_env, sub) == {"opendkim": ["pass"], "mail-dkim": ["pass"], "dkimpy": ["pass"]}
    assert describe(our_verify(sub, interop_env.resolver, now)) == ["pass:"]


def test_several_txt_records_at_the_selector(interop_env) -> None:
    """DKIM-14 [ours]: with several TXT records, try each one that parses. Every peer fails instead: OpenDKIM
    says temperror, Mail::DKIM permerror (syntax error), dkimpy reads only the first record (DKIM-39)."""
    published = interop_env.keys["multi"]
    assert published.extra == ("not a key record",)
    now = int(time.time())
    signed = our_sign(PLAIN, published.key, "multi", "relaxed/relaxed", now)
    assert peer_view(interop_env, signed) == {"opendkim": ["temperror"], "mail-dkim": ["permerror"], "dkimpy": ["fail"]}
    assert "syntax error" in peer_details(interop_env, signed)["mail-dkim"]
    assert describe(our_verify(signed, interop_env.resolver, now)) == ["pass:"]


def test_key_record_with_v_not_first(interop_env) -> None:
    """DKIM-15 (RFC 6376 §3.6.1: v= "MUST be the first tag"): such a record is discarded, so there is no key.
    All three peers accept it."""
    now = int(time.time())
    signed = our_sign(PLAIN, interop_env.keys["vlater"].key, "vlater", "relaxed/relaxed", now)
    assert peer_view(interop_env, signed) == {"opendkim": ["pass"], "mail-dkim": ["pass"], "dkimpy": ["pass"]}
    assert describe(our_verify(signed, interop_env.resolver, now)) == ["permerror:KEY_VERSION"]


@pytest.mark.parametrize(
    ("selector", "peers", "ours"),
    [
        ("spaces", ["pass", "pass", "pass"], "pass:"),  # DKIM-3: WSP inside p=
        ("nov", ["pass", "pass", "pass"], "pass:"),  # DKIM-15: v= is optional
        ("svcemail", ["pass", "pass", "pass"], "pass:"),  # DKIM-15: s=email
        ("testing", ["pass", "pass", "pass"], "pass:"),  # DKIM-18: t=y reports the real result
        ("unknowntag", ["pass", "pass", "pass"], "pass:"),  # DKIM-2: unknown tags ignored
        ("svcother", ["fail", "permerror", "permerror"], "permerror:KEY_SERVICE"),  # DKIM-15: not for email
        ("unknownk", ["fail", "permerror", "fail"], "permerror:KEY_UNKNOWN_TYPE"),  # DKIM-15: k=dsa
    ],
)
def test_key_record_variants_where_everyone_agrees(interop_env, selector: str, peers: list[str], ours: str) -> None:
    """Pass/not-pass agreement; OpenDKIM and dkimpy say fail where DKIM-37 [ours] says permerror."""
    now = int(time.time())
    signed = our_sign(PLAIN, interop_env.keys[selector].key, selector, "relaxed/relaxed", now)
    view = peer_view(interop_env, signed)
    assert [view["opendkim"][0], view["mail-dkim"][0], view["dkimpy"][0]] == peers
    [result] = our_verify(signed, interop_env.resolver, now)
    assert describe((result,)) == [ours]
    assert result.testing is (selector == "testing")

"""Key records (DKIM-15/16/17): every KeyRecordReason, and the shapes of p=."""

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st
from support.fuzz import examples

from toolkit.core.dkim.keyrecord import KeyRecordError, KeyRecordReason, keys_match, parse_key_record


def reason_of(value: bytes | str) -> KeyRecordReason:
    with pytest.raises(KeyRecordError) as info:
        parse_key_record(value)
    return info.value.reason


def test_rsa_spki_record(keys):
    record = parse_key_record(keys.record(keys.rsa))
    assert (record.key_type, record.key_bits, record.revoked) == ("rsa", 2048, False)
    assert record.version == "DKIM1"
    assert record.hashes is None and record.services == ("*",)
    assert keys_match(keys.rsa, record)
    assert not keys_match(keys.rsa_other, record)


def test_dkim16_bare_pkcs1_rsa_public_key(keys):
    der = keys.rsa.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    record = parse_key_record(f"p={base64.b64encode(der).decode()}")  # k= defaults to rsa, v= optional
    assert record.key_bits == 2048 and record.version is None
    assert keys_match(keys.rsa.public_key(), record)


def test_dkim17_ed25519_raw_key(keys):
    record = parse_key_record(keys.record(keys.ed))
    assert (record.key_type, record.key_bits) == ("ed25519", 256)
    assert keys_match(keys.ed, record)


def test_dkim17_ed25519_wrong_length(keys):
    spki = keys.ed.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert reason_of(f"v=DKIM1; k=ed25519; p={base64.b64encode(spki).decode()}") is KeyRecordReason.KEY_BAD_DATA
    assert reason_of("k=ed25519; p=" + base64.b64encode(b"x" * 31).decode()) is KeyRecordReason.KEY_BAD_DATA


def test_dkim16_too_short(keys):
    assert reason_of(keys.record(keys.rsa512)) is KeyRecordReason.KEY_TOO_SHORT


def test_1024_bits_accepted(keys):
    assert parse_key_record(keys.record(keys.rsa1024)).key_bits == 1024


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("v=DKIM2; p=AAAA", KeyRecordReason.KEY_VERSION),  # DKIM-15: discard
        ("k=rsa; v=DKIM1; p=AAAA", KeyRecordReason.KEY_VERSION),  # v= not first: discard
        ("v=DKIM1; s=tlsrpt; p=AAAA", KeyRecordReason.KEY_SERVICE),  # not for email: discard
        ("v=DKIM1; k=dsa; p=AAAA", KeyRecordReason.KEY_UNKNOWN_TYPE),
        ("v=DKIM1; h=sha1; p=AAAA", KeyRecordReason.KEY_HASH_NOT_ALLOWED),
        ("v=DKIM1; k=rsa", KeyRecordReason.KEY_MISSING_P),
        ("v=DKIM1; p=!!!notbase64", KeyRecordReason.KEY_BAD_BASE64),
        ("v=DKIM1; p=AAAA", KeyRecordReason.KEY_BAD_DATA),  # valid base64, not DER
        ("v=DKIM1; p=AAAA; p=BBBB", KeyRecordReason.KEY_SYNTAX),  # DKIM-2 duplicate
        ("v=DKIM1; garbage", KeyRecordReason.KEY_SYNTAX),
        ("\x00\xff", KeyRecordReason.KEY_SYNTAX),
    ],
)
def test_record_errors(value, reason):
    assert reason_of(value) is reason


def test_discard_flag():
    with pytest.raises(KeyRecordError) as info:
        parse_key_record("v=spf1 -all")
    assert info.value.discard is True  # an SPF record at the key name is just not ours
    with pytest.raises(KeyRecordError) as info:
        parse_key_record("v=DKIM1; no-equals-here")
    assert info.value.discard is False  # a syntax error is a real problem
    with pytest.raises(KeyRecordError) as info:
        parse_key_record("v=DKIM2; p=")
    assert info.value.discard is True


def test_revoked_key():
    record = parse_key_record("v=DKIM1; k=rsa; p=")
    assert record.revoked and record.public_key is None and record.key_bits is None


def test_flags_hashes_services_and_whitespace_in_p(keys):
    p = keys.p(keys.rsa)
    folded = " ".join(p[i : i + 60] for i in range(0, len(p), 60))  # DKIM-3: whitespace inside base64
    record = parse_key_record(f"v=DKIM1; h=sha1:SHA256; s=email; t=y:s:x; n=hello; p={folded}")
    assert record.hashes == ("sha1", "sha256")
    assert record.services == ("email",)
    assert record.testing and record.strict
    assert record.notes == "hello"


def test_rsa_record_holding_an_ec_key():
    der = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert reason_of(f"v=DKIM1; p={base64.b64encode(der).decode()}") is KeyRecordReason.KEY_BAD_DATA


def test_to_json_roundtrip_fields(keys):
    data = parse_key_record(keys.record(keys.ed, "t=y")).to_json()
    assert data["key_type"] == "ed25519" and data["testing"] is True and data["raw"].startswith("v=DKIM1")


@settings(max_examples=examples(200), deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["v=DKIM1", "k=rsa", "k=ed25519", "p=", "p=AAAA", "p=MIIB", "h=sha256", "t=y", "s=*", ";", " "]
        ),
        max_size=8,
    ).map("; ".join),
    st.binary(max_size=20),
)
def test_fuzz_only_key_record_errors(text, noise):
    for value in (text.encode(), text.encode() + noise, noise):
        try:
            record = parse_key_record(value)
        except KeyRecordError as exc:
            assert isinstance(exc.reason, KeyRecordReason)
        else:
            assert record.revoked == (record.public_key is None)

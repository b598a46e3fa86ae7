"""toolkit.core.dkim.keys: generation, DNS record forms, SES paste form, selector rules (DKIM-34..36, SES-2..4)."""

from __future__ import annotations

import base64
import re

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from toolkit.core.dkim.keyrecord import parse_key_record
from toolkit.core.dkim.keys import (
    SES_KEY_PATTERN,
    check_domain,
    check_selector,
    check_ses_selector,
    generate_key,
    load_private_key,
    split_txt,
)
from toolkit.core.errors import CallerError, ToolkitError

# -- generation (DKIM-34, DKIM-35) -----------------------------------------------------------------------------


def test_default_is_rsa_2048_e65537(rsa2048):
    key = generate_key()
    assert (key.key_type, key.bits) == ("rsa", 2048)
    assert isinstance(key.private_key, rsa.RSAPrivateKey)
    assert key.private_key.public_key().public_numbers().e == 65537
    assert key.warning() is None
    assert key != rsa2048  # fresh randomness every time


@pytest.mark.parametrize("bits", [1024, 1536, 3072, 4096])
def test_rsa_sizes_in_range_work(bits):
    key = generate_key("rsa", bits)
    assert key.bits == bits == key.private_key.key_size
    assert parse_key_record(key.dns_record_value().encode()).key_bits == bits


@pytest.mark.parametrize("bits", [0, 512, 1023, 4097, 8192])
def test_rsa_sizes_out_of_range_are_refused(bits):
    with pytest.raises(CallerError, match=r"1024 to 4096 bits.*DKIM-34"):
        generate_key("rsa", bits)


def test_rsa_under_2048_carries_a_warning(rsa1024):
    assert rsa1024.warning() is not None
    assert "1024" in rsa1024.warning() and "2048" in rsa1024.warning()


def test_ed25519(ed25519_key):
    assert (ed25519_key.key_type, ed25519_key.bits) == ("ed25519", 256)
    assert isinstance(ed25519_key.private_key, ed25519.Ed25519PrivateKey)
    assert ed25519_key.warning() is None


def test_ed25519_refuses_a_bit_count():
    with pytest.raises(CallerError):
        generate_key("ed25519", 1024)


def test_unknown_type_refused():
    with pytest.raises(CallerError, match="unknown key type"):
        generate_key("ecdsa")


def test_private_pem_is_pkcs8(rsa2048, ed25519_key):
    for key in (rsa2048, ed25519_key):
        pem = key.private_pem()
        assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
        assert load_private_key(pem) == key


# -- DNS record (DKIM-34, DKIM-35, SES-2) ---------------------------------------------------------------------


def test_rsa_record_value_is_spki(rsa2048):
    value = rsa2048.dns_record_value()
    assert re.fullmatch(r"v=DKIM1; k=rsa; p=[A-Za-z0-9+/]+={0,2}", value)
    der = base64.b64decode(value.split("p=", 1)[1])
    loaded = serialization.load_der_public_key(der)  # SubjectPublicKeyInfo (DKIM-16)
    assert rsa2048.matches_public(loaded)
    assert der.startswith(b"\x30\x82\x01\x22\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01")  # rsaEncryption


def test_ed25519_record_value_is_raw_32_bytes(ed25519_key):
    value = ed25519_key.dns_record_value()
    assert value.startswith("v=DKIM1; k=ed25519; p=")
    p = value.split("p=", 1)[1]
    assert len(p) == 44  # DKIM-17
    assert base64.b64decode(p) == ed25519_key.public_key.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def test_record_parses_with_our_parser_and_dkimpy(rsa2048, ed25519_key):
    for key in (rsa2048, ed25519_key):
        record = parse_key_record(key.dns_record_value().encode())
        assert record.key_type == key.key_type and key.matches_public(record.public_key)
        parsed = dkim.util.parse_tag_value(key.dns_record_value().encode())
        assert parsed[b"k"].decode() == key.key_type


def test_testing_and_strict_flags(rsa2048):
    assert "; t=y; " in rsa2048.dns_record_value(testing=True)
    assert "; t=y:s; " in rsa2048.dns_record_value(testing=True, strict=True)
    assert parse_key_record(rsa2048.dns_record_value(testing=True, strict=True).encode()).strict


@pytest.mark.parametrize("bits", [1024, 2048, 4096])
def test_txt_strings_are_at_most_255_octets_and_join_back(bits, rsa2048, rsa1024):
    key = {1024: rsa1024, 2048: rsa2048}.get(bits) or generate_key("rsa", bits)
    strings = key.dns_txt_strings()
    assert all(1 <= len(s.encode()) <= 255 for s in strings)
    assert "".join(strings) == key.dns_record_value()
    assert len(strings) == {1024: 1, 2048: 2, 4096: 3}[bits]  # 234, 410 and 754 characters
    assert all(len(s) == 255 for s in strings[:-1])


def test_split_txt_edges():
    assert split_txt("") == [""]
    assert split_txt("a" * 255) == ["a" * 255]
    assert split_txt("a" * 256) == ["a" * 255, "a"]
    assert split_txt("abcdef", limit=4) == ["abcd", "ef"]


def test_zone_line(rsa2048, ed25519_key):
    line = rsa2048.zone_line("sel", "Example.COM.")
    name, ttl, klass, rtype, rest = line.split(" ", 4)
    assert (name, ttl, klass, rtype) == ("sel._domainkey.example.com.", "3600", "IN", "TXT")
    strings = re.findall(r'"([^"]*)"', rest)
    assert strings == rsa2048.dns_txt_strings()
    assert rest == " ".join(f'"{s}"' for s in strings)
    short = ed25519_key.zone_line("ed1", "example.org", ttl=300)
    assert short == f'ed1._domainkey.example.org. 300 IN TXT "{ed25519_key.dns_record_value()}"'


# -- SES paste form (SES-3) -------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["rsa1024", "rsa2048"])
def test_ses_string_format(which, request):
    key = request.getfixturevalue(which)
    text = key.ses_private_key_string()
    assert SES_KEY_PATTERN.pattern == r"^[a-zA-Z0-9+/]+={0,2}$"
    assert re.match(r"^[a-zA-Z0-9+/]+={0,2}$", text)
    assert "\n" not in text and "-----" not in text
    assert len(text) <= 20480
    der = base64.b64decode(text, validate=True)
    loaded = serialization.load_der_private_key(der, password=None)  # PKCS#8 DER
    assert loaded.private_numbers() == key.private_key.private_numbers()
    # It is the body of the PEM file we store, so people can compare the two.
    body = b"".join(key.private_pem().splitlines()[1:-1]).decode()
    assert text == body
    assert load_private_key(text.encode(), "ses.txt") == key


def test_ses_refuses_ed25519(ed25519_key):
    with pytest.raises(CallerError, match=r"RSA keys only.*not Ed25519.*SES-3"):
        ed25519_key.ses_private_key_string()


def test_ses_refuses_other_rsa_sizes():
    with pytest.raises(CallerError, match=r"1024 or 2048 bits, not 3072"):
        generate_key("rsa", 3072).ses_private_key_string()


# -- Ed25519 seed for dkimpy (DKIM-35) -------------------------------------------------------------------------


def test_seed_b64_round_trips_and_dkimpy_signs(ed25519_key, rsa2048):
    seed = ed25519_key.seed_b64()
    assert len(base64.b64decode(seed)) == 32
    assert load_private_key(seed.encode(), raw_ed25519=True) == ed25519_key
    assert ed25519_key.dkimpy_private_key() == seed.encode()
    assert rsa2048.dkimpy_private_key() == rsa2048.private_pem()
    with pytest.raises(CallerError):
        rsa2048.seed_b64()
    message = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nbody\r\n"
    for key, algo in ((ed25519_key, b"ed25519-sha256"), (rsa2048, b"rsa-sha256")):
        sig = dkim.sign(
            message,
            b"s1",
            b"example.com",
            key.dkimpy_private_key(),
            signature_algorithm=algo,
            include_headers=[b"from"],
        )
        record = key.dns_record_value().encode()
        assert dkim.verify(sig + message, dnsfunc=lambda name, timeout=5, r=record: r)


# -- secrets stay secret ----------------------------------------------------------------------------------------


def test_repr_and_str_show_no_private_material(rsa2048, ed25519_key):
    for key in (rsa2048, ed25519_key):
        pem_body = b"".join(key.private_pem().splitlines()[1:-1]).decode()
        for text in (repr(key), str(key), f"{key}", repr([key])):
            assert "SigningKey(" in text
            assert pem_body[20:60] not in text
            if key.key_type == "ed25519":
                assert key.seed_b64() not in text
            if key.key_type == "rsa":
                assert str(key.private_key.private_numbers().d)[:30] not in text


def test_equality_is_by_public_key(rsa2048):
    again = load_private_key(rsa2048.private_pem(), "copy.pem")
    assert again == rsa2048 and hash(again) == hash(rsa2048)
    assert again.fingerprint() == rsa2048.fingerprint()
    assert again != generate_key("ed25519")


# -- names (SES-4, DKIM-7) ----------------------------------------------------------------------------------------

SES_SELECTORS = [
    ("s1", True),
    ("a", True),
    ("a" * 63, True),
    ("sel-2024", True),
    ("1abc", True),
    ("ABC", True),
    ("", False),
    ("a" * 64, False),
    ("-sel", False),
    ("sel-", False),
    ("-", False),
    ("sel.sub", False),  # DKIM allows dots, SES does not
    ("sel_1", False),
    ("sel 1", False),
    ("sél", False),
    ("sel/1", False),
    ("sel\n", False),  # "$" in a regex would let a trailing newline through
]


@pytest.mark.parametrize(("selector", "ok"), SES_SELECTORS)
def test_ses_selector_rules(selector, ok):
    problem = check_ses_selector(selector)
    assert (problem is None) is ok
    if problem:
        assert "SES-4" in problem and "\n" not in problem


@pytest.mark.parametrize(
    ("selector", "ok"),
    [("s1", True), ("sel.sub", True), ("a-b.c-d", True), ("", False), ("a..b", False), ("-a", False), ("a/b", False),
     ("..", False), ("a_b", False), ("s1\n", False)],
)  # fmt: skip
def test_dkim_selector_rules(selector, ok):
    assert (check_selector(selector) is None) is ok


@pytest.mark.parametrize(
    ("domain", "ok"),
    [("example.com", True), ("example.com.", True), ("xn--bcher-kva.example", True), ("", False), ("../x", False),
     ("a/b.example", False), ("ex ample.com", False), ("bücher.example", False), ("example.com\n", False)],
)  # fmt: skip
def test_domain_rules(domain, ok):
    assert (check_domain(domain) is None) is ok


def test_errors_are_toolkit_errors():
    assert issubclass(CallerError, ToolkitError)

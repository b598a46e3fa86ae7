"""load_private_key: every accepted format, and every bad input gives a one-line KeyFileError naming the source
without quoting any key material (contract K)."""

from __future__ import annotations

import base64
import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, x25519
from cryptography.x509.oid import NameOID

from toolkit.core.dkim.keys import SigningKey, load_private_key
from toolkit.core.errors import KeyFileError

PEM = serialization.Encoding.PEM
DER = serialization.Encoding.DER
PKCS8 = serialization.PrivateFormat.PKCS8
PKCS1 = serialization.PrivateFormat.TraditionalOpenSSL
PLAIN = serialization.NoEncryption()
SOURCE = "keys/example.com/s1.private.pem"


def _secret_fragments(key: SigningKey) -> list[str]:
    """Pieces of private material that must never appear in an error text."""
    body = b"".join(key.private_pem().splitlines()[1:-1]).decode()
    fragments = [body[i : i + 24] for i in range(40, len(body) - 24, 200)]
    if key.key_type == "ed25519":
        fragments.append(key.seed_b64())
    return fragments


# -- accepted -------------------------------------------------------------------------------------------------------


def _good_forms(rsa2048, ed25519_key):
    r, e = rsa2048.private_key, ed25519_key.private_key
    return {
        "rsa pkcs8 pem": (rsa2048, r.private_bytes(PEM, PKCS8, PLAIN)),
        "rsa pkcs1 pem": (rsa2048, r.private_bytes(PEM, PKCS1, PLAIN)),
        "rsa pkcs8 der": (rsa2048, r.private_bytes(DER, PKCS8, PLAIN)),
        "rsa pkcs1 der": (rsa2048, r.private_bytes(DER, PKCS1, PLAIN)),
        "rsa ses one-line base64": (rsa2048, rsa2048.ses_private_key_string().encode()),
        "rsa pem with crlf and blanks": (
            rsa2048,
            b"\r\n\r\n" + r.private_bytes(PEM, PKCS8, PLAIN).replace(b"\n", b"\r\n"),
        ),
        "ed25519 pkcs8 pem": (ed25519_key, e.private_bytes(PEM, PKCS8, PLAIN)),
        "ed25519 pkcs8 der": (ed25519_key, e.private_bytes(DER, PKCS8, PLAIN)),
        "ed25519 seed base64": (ed25519_key, ed25519_key.seed_b64().encode() + b"\n"),
        "ed25519 seed+public base64 (NaCl)": (
            ed25519_key,
            base64.b64encode(base64.b64decode(ed25519_key.seed_b64()) + base64.b64decode(ed25519_key.public_key_b64())),
        ),
    }


FORM_NAMES = [
    "rsa pkcs8 pem",
    "rsa pkcs1 pem",
    "rsa pkcs8 der",
    "rsa pkcs1 der",
    "rsa ses one-line base64",
    "rsa pem with crlf and blanks",
    "ed25519 pkcs8 pem",
    "ed25519 pkcs8 der",
    "ed25519 seed base64",
    "ed25519 seed+public base64 (NaCl)",
]


@pytest.mark.parametrize("form", FORM_NAMES)
def test_loads_every_good_form(form, rsa2048, ed25519_key):
    expected, data = _good_forms(rsa2048, ed25519_key)[form]
    key = load_private_key(data, "file.pem", raw_ed25519="seed" in form)  # a bare seed only when asked
    assert key == expected
    assert (key.key_type, key.bits, key.source) == (expected.key_type, expected.bits, "file.pem")


def test_accepts_str_and_pem_with_a_certificate_after_it(rsa2048, certificate_pem):
    assert load_private_key(rsa2048.private_pem().decode()) == rsa2048
    bundle = certificate_pem + rsa2048.private_pem()  # e.g. a combined cert + key file
    assert load_private_key(bundle, "bundle.pem") == rsa2048


def test_the_committed_1024_bit_size_loads_with_a_warning(rsa1024):
    key = load_private_key(rsa1024.private_pem())
    assert key.bits == 1024 and key.warning()


# -- refused --------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate_pem(rsa2048) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.example.com")])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(rsa2048.public_key)
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=30))
        .sign(rsa2048.private_key, hashes.SHA256())
    )
    return cert.public_bytes(PEM)


def _bad_inputs(rsa2048, ed25519_key, rsa512, certificate_pem):
    r = rsa2048.private_key
    secret = serialization.BestAvailableEncryption(b"correct horse")
    pem = rsa2048.private_pem()
    lines = pem.splitlines()
    corrupt = b"\n".join([lines[0], lines[1][:10] + b"!!!!" + lines[1][14:], *lines[2:]])
    shuffled = b"\n".join([lines[0], lines[3], lines[2], lines[1], *lines[4:]])
    ec_key = ec.generate_private_key(ec.SECP256R1())
    cert_der = x509.load_pem_x509_certificate(certificate_pem).public_bytes(DER)
    return {
        "encrypted pkcs8 pem": (r.private_bytes(PEM, PKCS8, secret), "encrypted"),
        "encrypted pkcs1 pem": (r.private_bytes(PEM, PKCS1, secret), "encrypted"),
        "encrypted pkcs8 der": (r.private_bytes(DER, PKCS8, secret), "encrypted"),
        "encrypted ed25519 pem": (ed25519_key.private_key.private_bytes(PEM, PKCS8, secret), "encrypted"),
        "corrupt pem body": (corrupt, "corrupt"),
        "shuffled pem lines": (shuffled, "corrupt"),
        "truncated pem": (pem[: len(pem) // 2], "cut short"),
        "empty": (b"", "empty"),
        "whitespace only": (b"  \n\t\n", "empty"),
        "binary junk": (bytes(range(256)) * 4, "not a private key"),
        "text junk": (b"hello, this is not a key\n", "not a private key"),
        "short base64 junk": (base64.b64encode(b"\x01" * 31), "not a private key"),
        "bad base64": (b"abc", "does not decode"),
        "ec p-256 pkcs8 pem": (ec_key.private_bytes(PEM, PKCS8, PLAIN), "EC (secp256r1)"),
        "ec p-256 sec1 pem": (ec_key.private_bytes(PEM, PKCS1, PLAIN), "EC (secp256r1)"),
        "ec p-256 der": (ec_key.private_bytes(DER, PKCS8, PLAIN), "EC (secp256r1)"),
        "dsa pem": (dsa.generate_private_key(1024).private_bytes(PEM, PKCS8, PLAIN), "DSA"),
        "ed448 pem": (ed448.Ed448PrivateKey.generate().private_bytes(PEM, PKCS8, PLAIN), "Ed448"),
        "x25519 pem": (x25519.X25519PrivateKey.generate().private_bytes(PEM, PKCS8, PLAIN), "X25519"),
        "rsa 512": (rsa512.private_bytes(PEM, PKCS8, PLAIN), "512 bits is too short"),
        "rsa public key pem (spki)": (
            rsa2048.public_key.public_bytes(PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
            "a public key, not a private key",
        ),
        "rsa public key pem (pkcs1)": (
            rsa2048.public_key.public_bytes(PEM, serialization.PublicFormat.PKCS1),
            "a public key, not a private key",
        ),
        "rsa public key der": (
            rsa2048.public_key.public_bytes(DER, serialization.PublicFormat.SubjectPublicKeyInfo),
            "a public key, not a private key",
        ),
        "dns p= value": (rsa2048.public_key_b64().encode(), "a public key, not a private key"),
        "certificate pem": (certificate_pem, "a certificate, not a private key"),
        "certificate der": (cert_der, "a certificate, not a private key"),
        "ed25519 64 bytes, halves disagree": (
            base64.b64encode(base64.b64decode(ed25519_key.seed_b64()) + b"\x00" * 32),
            "does not match",
        ),
    }


BAD_NAMES = [
    "encrypted pkcs8 pem",
    "encrypted pkcs1 pem",
    "encrypted pkcs8 der",
    "encrypted ed25519 pem",
    "corrupt pem body",
    "shuffled pem lines",
    "truncated pem",
    "empty",
    "whitespace only",
    "binary junk",
    "text junk",
    "short base64 junk",
    "bad base64",
    "ec p-256 pkcs8 pem",
    "ec p-256 sec1 pem",
    "ec p-256 der",
    "dsa pem",
    "ed448 pem",
    "x25519 pem",
    "rsa 512",
    "rsa public key pem (spki)",
    "rsa public key pem (pkcs1)",
    "rsa public key der",
    "dns p= value",
    "certificate pem",
    "certificate der",
    "ed25519 64 bytes, halves disagree",
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_input_is_one_line_naming_the_source(name, rsa2048, ed25519_key, rsa512, certificate_pem):
    data, expected = _bad_inputs(rsa2048, ed25519_key, rsa512, certificate_pem)[name]
    with pytest.raises(KeyFileError) as info:
        load_private_key(data, SOURCE, raw_ed25519="ed25519 64" in name)
    text = str(info.value)
    assert text.startswith(f"{SOURCE}: ")
    assert expected in text
    assert "\n" not in text and len(text) < 200
    for key in (rsa2048, ed25519_key):
        for fragment in _secret_fragments(key):
            assert fragment not in text
    assert info.value.__cause__ is None  # no chained library text in tracebacks
    assert info.value.__context__ is None or info.value.__suppress_context__


def test_bad_names_cover_every_case(rsa2048, ed25519_key, rsa512, certificate_pem):
    assert set(BAD_NAMES) == set(_bad_inputs(rsa2048, ed25519_key, rsa512, certificate_pem))
    assert set(FORM_NAMES) == set(_good_forms(rsa2048, ed25519_key))


def test_rsa_over_4096_refused():
    from cryptography.hazmat.primitives.asymmetric import rsa

    big = rsa.generate_private_key(65537, 4160)
    with pytest.raises(KeyFileError, match=r"4160 bits is larger than verifiers must accept"):
        load_private_key(big.private_bytes(PEM, PKCS8, PLAIN), "big.pem")


@pytest.mark.parametrize("last", [b" ", b"\n", b"\t", b"\r", b"\x0b", b"\x0c"])
def test_der_ending_in_a_whitespace_byte_loads(last):
    # Regression: stripping the input as if it were text cut such DER short (about 1 key in 40).
    from cryptography.hazmat.primitives.asymmetric import ed25519

    seed = bytes(31) + last
    private = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    der = private.private_bytes(DER, PKCS8, PLAIN)
    assert der.endswith(last)
    assert load_private_key(der, "k.der").seed_b64() == base64.b64encode(seed).decode()

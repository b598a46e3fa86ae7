"""DKIM key records (RFC 6376 §3.6.1, RFC 8301, RFC 8463; STANDARDS DKIM-15/16/17).

`parse_key_record(value)` takes one TXT record with its strings already joined (DKIM-14) and returns a KeyRecord
or raises KeyRecordError with a stable `reason` code. Two reasons mean "this record is not for us, ignore it"
(`discard` is True): a wrong or misplaced v= and an s= without email or *. The others are permerrors.
"""

from __future__ import annotations

import base64
import binascii
import enum
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from toolkit.core.tags import TagListError, parse_tag_list, strip_fws

MIN_RSA_BITS = 1024  # RFC 8301 §3.2
MAX_RSA_BITS = 8192  # [ours] bigger keys are refused so a hostile record cannot burn CPU
MAX_RSA_EXPONENT = 2**32  # [ours] verifying costs one multiplication per exponent bit: 3,070-bit e= burned CPU
KEY_TYPES = ("rsa", "ed25519")


class KeyRecordReason(enum.StrEnum):
    KEY_SYNTAX = "KEY_SYNTAX"  # not a tag-list, duplicate tag, unparseable value
    KEY_VERSION = "KEY_VERSION"  # v= present but not DKIM1 or not first: discard (DKIM-15)
    KEY_SERVICE = "KEY_SERVICE"  # s= without email or *: discard (DKIM-15)
    KEY_MISSING_P = "KEY_MISSING_P"  # no p= tag
    KEY_REVOKED = "KEY_REVOKED"  # p= empty
    KEY_UNKNOWN_TYPE = "KEY_UNKNOWN_TYPE"  # k= not rsa/ed25519
    KEY_HASH_NOT_ALLOWED = "KEY_HASH_NOT_ALLOWED"  # h= present without sha256
    KEY_BAD_BASE64 = "KEY_BAD_BASE64"  # p= is not base64
    KEY_BAD_DATA = "KEY_BAD_DATA"  # p= decodes but is not a key of k= type (Ed25519 wrong length, bad DER)
    KEY_TOO_SHORT = "KEY_TOO_SHORT"  # RSA under 1024 bits (DKIM-16)
    KEY_TOO_LONG = "KEY_TOO_LONG"  # RSA over 8192 bits [ours]
    KEY_BAD_EXPONENT = "KEY_BAD_EXPONENT"  # RSA public exponent over 2^32 [ours] (issue 15)


_DISCARD = (KeyRecordReason.KEY_VERSION, KeyRecordReason.KEY_SERVICE)


class KeyRecordError(ValueError):
    def __init__(self, reason: KeyRecordReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason

    @property
    def discard(self) -> bool:
        """True when the record is simply not a DKIM key for email (ignore it, try others)."""
        return self.reason in _DISCARD


@dataclass(frozen=True, slots=True)
class KeyRecord:
    version: str | None
    key_type: str
    public_key: Any  # cryptography RSAPublicKey / Ed25519PublicKey, None if revoked
    revoked: bool
    key_bits: int | None
    hashes: tuple[str, ...] | None  # None = any
    services: tuple[str, ...]
    testing: bool
    strict: bool
    notes: str | None
    raw: bytes

    def to_json(self) -> dict:
        return {
            "version": self.version,
            "key_type": self.key_type,
            "revoked": self.revoked,
            "key_bits": self.key_bits,
            "hashes": list(self.hashes) if self.hashes is not None else None,
            "services": list(self.services),
            "testing": self.testing,
            "strict": self.strict,
            "notes": self.notes,
            "raw": self.raw.decode("utf-8", "backslashreplace"),
        }


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip(" \t\r\n").lower() for part in value.split(":") if part.strip(" \t\r\n"))


def parse_key_record(value: bytes | str) -> KeyRecord:
    raw = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else bytes(value)
    try:
        tags = parse_tag_list(raw)
    except TagListError as exc:
        raise KeyRecordError(KeyRecordReason.KEY_SYNTAX, f"key record syntax: {exc}") from None
    version = tags.get("v")
    if version is not None and (version != "DKIM1" or tags.names()[0] != "v"):
        raise KeyRecordError(KeyRecordReason.KEY_VERSION, f"v={version!r} is not DKIM1 as the first tag")
    services = _split_list(tags.get("s", "*") or "")
    if "*" not in services and "email" not in services:
        raise KeyRecordError(KeyRecordReason.KEY_SERVICE, f"s={tags.get('s')!r} does not allow email")
    key_type = (tags.get("k", "rsa") or "").strip().lower()
    if key_type not in KEY_TYPES:
        raise KeyRecordError(KeyRecordReason.KEY_UNKNOWN_TYPE, f"unknown key type k={key_type!r}")
    hashes_value = tags.get("h")
    hashes = _split_list(hashes_value) if hashes_value is not None else None
    if hashes is not None and "sha256" not in hashes:
        raise KeyRecordError(KeyRecordReason.KEY_HASH_NOT_ALLOWED, f"h={hashes_value!r} does not allow sha256")
    flags = _split_list(tags.get("t", "") or "")
    p_value = tags.get("p")
    if p_value is None:
        raise KeyRecordError(KeyRecordReason.KEY_MISSING_P, "key record has no p= tag")
    common = dict(
        version=version,
        key_type=key_type,
        hashes=hashes,
        services=services,
        testing="y" in flags,
        strict="s" in flags,
        notes=tags.get("n"),
        raw=raw,
    )
    p_clean = strip_fws(p_value)
    if not p_clean:
        return KeyRecord(public_key=None, revoked=True, key_bits=None, **common)
    try:
        der = base64.b64decode(p_clean, validate=True)
    except (binascii.Error, ValueError):
        raise KeyRecordError(KeyRecordReason.KEY_BAD_BASE64, "p= is not valid base64") from None
    public_key, bits = _load_public_key(key_type, der)
    return KeyRecord(public_key=public_key, revoked=False, key_bits=bits, **common)


def _load_public_key(key_type: str, der: bytes) -> tuple[Any, int]:
    if key_type == "ed25519":
        # DKIM-17: the raw 32-byte key, no ASN.1 wrapper
        if len(der) != 32:
            raise KeyRecordError(KeyRecordReason.KEY_BAD_DATA, f"Ed25519 key is {len(der)} bytes, not 32")
        return ed25519.Ed25519PublicKey.from_public_bytes(der), 256
    # DKIM-16: SubjectPublicKeyInfo or a bare PKCS#1 RSAPublicKey (cryptography reads both from DER)
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, TypeError):
        raise KeyRecordError(KeyRecordReason.KEY_BAD_DATA, "p= is not a DER RSA public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise KeyRecordError(KeyRecordReason.KEY_BAD_DATA, f"p= holds a {type(key).__name__}, not an RSA key")
    bits = key.key_size
    if bits < MIN_RSA_BITS:
        raise KeyRecordError(KeyRecordReason.KEY_TOO_SHORT, f"RSA key of {bits} bits is under {MIN_RSA_BITS}")
    if bits > MAX_RSA_BITS:
        raise KeyRecordError(KeyRecordReason.KEY_TOO_LONG, f"RSA key of {bits} bits is over {MAX_RSA_BITS}")
    exponent = key.public_numbers().e
    if exponent > MAX_RSA_EXPONENT:
        raise KeyRecordError(
            KeyRecordReason.KEY_BAD_EXPONENT, f"RSA public exponent of {exponent.bit_length()} bits is over 2^32"
        )
    return key, bits


def public_key_bytes(public_key: Any) -> bytes:
    """A comparable encoding: raw 32 bytes for Ed25519, DER SPKI for RSA."""
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def keys_match(key: Any, record: KeyRecord) -> bool:
    """Does a private key, a public key, or a SigningKey-like object (with .public_key) match the record?"""
    if record.public_key is None:
        return False
    candidate = getattr(key, "public_key", key)
    if callable(candidate):  # a cryptography private key: .public_key() is a method
        candidate = candidate()
    try:
        return public_key_bytes(candidate) == public_key_bytes(record.public_key)
    except (AttributeError, TypeError, ValueError):
        return False


# -- why a p= that does not load is wrong ---------------------------------------------------------------------

PROBLEM_PRIVATE = "KEY_PRIVATE"  # a private key published in DNS: compromised, rotate now
PROBLEM_TRUNCATED = "KEY_TRUNCATED"  # the DER says it is longer than what is published


def _der_prefix(p_value: str) -> bytes:
    """As much of p= as decodes: base64 characters only, cut to whole 4-character groups."""
    clean = "".join(ch for ch in p_value if ch.isascii() and (ch.isalnum() or ch in "+/"))
    clean = clean[: len(clean) // 4 * 4]
    try:
        return base64.b64decode(clean)
    except (binascii.Error, ValueError):
        return b""


def _header(der: bytes) -> tuple[int, int] | None:
    """(header length, declared total length) of an outer DER SEQUENCE, or None."""
    if len(der) < 2 or der[0] != 0x30:
        return None
    first = der[1]
    if first < 0x80:
        return 2, 2 + first
    count = first & 0x7F
    if not 0 < count <= 4 or len(der) < 2 + count:
        return None
    return 2 + count, 2 + count + int.from_bytes(der[2 : 2 + count], "big")


def key_data_problem(p_value: str) -> tuple[str, str] | None:
    """(code, why) when p= holds a private key or a key cut short; None when neither shows.

    A private key in PKCS#1 or PKCS#8 DER starts its outer SEQUENCE with INTEGER 0 (the version); a public SPKI
    starts with another SEQUENCE. That holds for a truncated blob too, so the worse news wins.
    """
    if "PRIVATE" in p_value.upper() or "-----BEGIN" in p_value:
        return PROBLEM_PRIVATE, "p= holds PEM private-key text"
    der = _der_prefix(p_value)
    header = _header(der)
    if header is None:
        return None
    start, declared = header
    if der[start : start + 3] == b"\x02\x01\x00":
        return PROBLEM_PRIVATE, "p= holds a PRIVATE key (PKCS#1/PKCS#8 DER), not the public key"
    if declared > len(der):
        chars = len(strip_fws(p_value))
        return PROBLEM_TRUNCATED, (
            f"p= is truncated: its DER declares {declared} bytes but only {len(der)} are published ({chars} base64 "
            "characters); was only the first 255-character string published?"
        )
    return None

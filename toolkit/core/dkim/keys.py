"""DKIM signing keys: generate, load, and render the DNS record and the Amazon SES paste form.

Pure: bytes in, bytes/str out (key generation draws randomness, nothing else). Uses `cryptography` only,
never the openssl command. Keys are secrets: no repr, str or error message here ever shows private material.

Rules: DKIM-34 (RSA), DKIM-35 (Ed25519), DKIM-36 (optional record tags), DKIM-17 (raw Ed25519 p=),
SES-2/SES-3/SES-4 (BYODKIM record, private key string, selector).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from toolkit.core.dkim.keyrecord import (
    public_key_bytes,
)
from toolkit.core.errors import CallerError, KeyFileError

RSA_MIN_BITS = 1024  # DKIM-34 / RFC 8301 §3.2: below this verifiers give permerror
RSA_MAX_BITS = 4096  # DKIM-16: verifiers are only expected to handle up to 4096
RSA_RECOMMENDED_BITS = 2048  # DKIM-29: warn below
RSA_EXPONENT = 65537
SES_RSA_BITS = (1024, 2048)  # SES-3
SES_MAX_CHARS = 20480  # SES-3
SES_KEY_PATTERN = re.compile(r"^[a-zA-Z0-9+/]+={0,2}$")  # SES-3, verbatim from the API reference
TXT_STRING_MAX = 255  # RFC 1035 character-string limit (DKIM-34)
DEFAULT_TTL = 3600

_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")  # LDH label, RFC 5321 sub-domain
# PEM boundary lines. The label is bounded and the body is not part of the pattern: a BEGIN..END regex with a lazy
# body rescanned the rest of the file from every BEGIN, so a file of repeated BEGIN lines hung (issue 15).
_PEM_MARKER = re.compile(rb"-----(BEGIN|END) ([A-Z0-9 ]{1,64})-----")
MAX_KEY_BYTES = 1 << 20  # [ours] real key files are a few kB; refuse a device, an archive, a hostile PEM
_BASE64_TEXT = re.compile(rb"^[A-Za-z0-9+/=\s]+$")

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class SigningKey:
    """A private key fit for DKIM signing. Equality compares the public halves (same public = same private)."""

    key_type: str  # "rsa" | "ed25519"
    bits: int  # RSA modulus size; 256 for Ed25519
    private_key: PrivateKey = field(repr=False)
    source: str = "<generated>"

    # -- identity ---------------------------------------------------------------------------------------
    @property
    def public_key(self) -> PublicKey:
        return self.private_key.public_key()

    def public_key_bytes(self) -> bytes:
        """What `p=` carries, decoded: SPKI DER for RSA (DKIM-16), the raw 32 bytes for Ed25519 (DKIM-17)."""
        return public_key_bytes(self.public_key)

    def public_key_b64(self) -> str:
        return base64.b64encode(self.public_key_bytes()).decode("ascii")

    def fingerprint(self) -> str:
        """SHA-256 of the `p=` bytes, short hex: lets people tell keys apart without seeing either."""
        return hashlib.sha256(self.public_key_bytes()).hexdigest()[:16]

    def matches_public(self, public_key: object) -> bool:
        """True when `public_key` (a cryptography public key object) is our public half."""
        if not isinstance(public_key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
            return False
        return public_key_bytes(public_key) == self.public_key_bytes()

    def warning(self) -> str | None:
        """A text for the shell to print when the key is usable but weak (DKIM-29)."""
        if self.key_type == "rsa" and self.bits < RSA_RECOMMENDED_BITS:
            return (
                f"RSA {self.bits}-bit keys are weak; use {RSA_RECOMMENDED_BITS} bits unless a receiver or DNS host "
                "forces less (DKIM-29)"
            )
        return None

    def __repr__(self) -> str:
        return f"SigningKey({self.key_type}, {self.bits} bits, source={self.source!r}, sha256={self.fingerprint()})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SigningKey):
            return NotImplemented
        return self.key_type == other.key_type and self.public_key_bytes() == other.public_key_bytes()

    def __hash__(self) -> int:
        return hash((self.key_type, self.public_key_bytes()))

    # -- private forms --------------------------------------------------------------------------------
    def private_pem(self) -> bytes:
        """PKCS#8 PEM, unencrypted: what `emlauth keygen` stores (mode 0600) and dkimpy reads for RSA."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def seed_b64(self) -> str:
        """Ed25519 only: base64 of the 32-byte seed, the private-key form dkimpy wants (DKIM-35)."""
        if not isinstance(self.private_key, ed25519.Ed25519PrivateKey):
            raise CallerError("seed_b64() is for Ed25519 keys; an RSA key is passed to dkimpy as private_pem()")
        raw = self.private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return base64.b64encode(raw).decode("ascii")

    def dkimpy_private_key(self) -> bytes:
        """The bytes dkimpy's sign() takes as privkey: PKCS#8 PEM for RSA, the base64 seed for Ed25519."""
        return self.seed_b64().encode("ascii") if self.key_type == "ed25519" else self.private_pem()

    def ses_private_key_string(self) -> str:
        """SES-3: base64 of the PKCS#8 DER private key on one line, for BYODKIM's DomainSigningPrivateKey.

        PKCS#8 rather than PKCS#1 (SES takes both): it is byte for byte the body of the PEM file we store, so
        people can check the paste against the file, and it names its algorithm instead of implying RSA.
        """
        if self.key_type != "rsa":
            raise CallerError(
                "Amazon SES BYODKIM accepts RSA keys only (1024 or 2048 bits), not Ed25519 (SES-3); "
                "generate an RSA key with another selector for SES"
            )
        if self.bits not in SES_RSA_BITS:
            raise CallerError(f"Amazon SES BYODKIM accepts RSA 1024 or 2048 bits, not {self.bits} (SES-3)")
        der = self.private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        text = base64.b64encode(der).decode("ascii")
        if not SES_KEY_PATTERN.fullmatch(text) or len(text) > SES_MAX_CHARS:  # cannot fail for 1024/2048; a guard
            raise CallerError("SES private key string would not meet the SES-3 format")
        return text

    # -- DNS ------------------------------------------------------------------------------------------------
    def dns_record_value(self, *, testing: bool = False, strict: bool = False) -> str:
        """`v=DKIM1; k=rsa; p=<base64 SPKI>` (DKIM-34) or `k=ed25519; p=<raw 32 bytes>` (DKIM-35).

        `testing` adds t=y, `strict` adds t=s (DKIM-36).
        """
        tags = [f"v=DKIM1; k={self.key_type}"]
        flags = ":".join(flag for flag, on in (("y", testing), ("s", strict)) if on)
        if flags:
            tags.append(f"t={flags}")
        tags.append(f"p={self.public_key_b64()}")
        return "; ".join(tags)

    def dns_txt_strings(self, *, testing: bool = False, strict: bool = False) -> list[str]:
        """The record value cut into character-strings of at most 255 octets; joined they give the value back."""
        return split_txt(self.dns_record_value(testing=testing, strict=strict))

    def record_name(self, selector: str, domain: str) -> str:
        """`<selector>._domainkey.<domain>.`, absolute (DKIM-14)."""
        return record_name(selector, domain)

    def zone_line(
        self, selector: str, domain: str, *, ttl: int = DEFAULT_TTL, testing: bool = False, strict: bool = False
    ) -> str:
        """One RFC 1035 master-file line, e.g. `sel._domainkey.example.com. 3600 IN TXT "v=DKIM1; ..." "..."`."""
        strings = " ".join(f'"{s}"' for s in self.dns_txt_strings(testing=testing, strict=strict))
        return f"{record_name(selector, domain)} {ttl} IN TXT {strings}"


# -- module functions ------------------------------------------------------------------------------------


def split_txt(value: str, limit: int = TXT_STRING_MAX) -> list[str]:
    """Cut at octet boundaries; record values here are ASCII, so octets and characters agree."""
    data = value.encode("ascii")
    return [data[i : i + limit].decode("ascii") for i in range(0, len(data), limit)] or [""]


def check_selector(selector: str) -> str | None:
    """DKIM selector syntax (RFC 6376 §3.1): dot-separated LDH labels (DKIM-7). Returns the problem or None."""
    if not selector:
        return "selector is empty"
    if len(selector) > 253 - len("._domainkey"):
        return "selector is too long"
    for label in selector.split("."):
        if not _LABEL.fullmatch(label):
            return f"selector label {label!r} is not letters, digits and inner '-' (1-63 characters)"
    return None


def check_ses_selector(selector: str) -> str | None:
    """SES-4: one label of 1 to 63 letters, digits and '-', not starting or ending with '-'. Problem or None."""
    if not selector:
        return "SES selector is empty (SES-4)"
    if "." in selector:
        return f"SES selector {selector!r} must be a single label, no dots (SES-4)"
    if len(selector) > 63:
        return f"SES selector is {len(selector)} characters; at most 63 (SES-4)"
    if selector.startswith("-") or selector.endswith("-"):
        return f"SES selector {selector!r} must not start or end with '-' (SES-4)"
    if not _LABEL.fullmatch(selector):
        return f"SES selector {selector!r} may hold only letters, digits and '-' (SES-4)"
    return None


def check_domain(domain: str) -> str | None:
    """A signing domain as ASCII LDH labels (use the A-label form for IDNs). Problem or None."""
    name = domain.rstrip(".")
    if not name:
        return "domain is empty"
    if len(name) > 253:
        return "domain is too long"
    for label in name.split("."):
        if not _LABEL.fullmatch(label):
            return f"domain label {label!r} is not letters, digits and inner '-' (use the xn-- form for IDNs)"
    return None


def record_name(selector: str, domain: str) -> str:
    return f"{selector}._domainkey.{domain.rstrip('.').lower()}."


def generate_key(key_type: str = "rsa", bits: int = RSA_RECOMMENDED_BITS) -> SigningKey:
    """New key: RSA e=65537 of 1024..4096 bits (DKIM-34), or Ed25519 (DKIM-35; `bits` is ignored unless not 256)."""
    key_type = key_type.lower()
    if key_type == "rsa":
        if not RSA_MIN_BITS <= bits <= RSA_MAX_BITS:
            raise CallerError(f"RSA key size must be {RSA_MIN_BITS} to {RSA_MAX_BITS} bits, not {bits} (DKIM-34)")
        private = rsa.generate_private_key(public_exponent=RSA_EXPONENT, key_size=bits)
        return SigningKey("rsa", private.key_size, private)
    if key_type == "ed25519":
        if bits not in (RSA_RECOMMENDED_BITS, 256):  # 2048 is just the default argument
            raise CallerError("Ed25519 keys have a fixed size; do not give a bit count")
        return SigningKey("ed25519", 256, ed25519.Ed25519PrivateKey.generate())
    raise CallerError(f"unknown key type {key_type!r}; use rsa or ed25519")


def from_private_key(private: object, source: str = "<key>") -> SigningKey:
    """Wrap a cryptography private key object, enforcing DKIM-34 sizes and the two usable types."""
    if isinstance(private, rsa.RSAPrivateKey):
        bits = private.key_size
        if bits < RSA_MIN_BITS:
            raise KeyFileError(f"{source}: RSA key of {bits} bits is too short; at least {RSA_MIN_BITS} (DKIM-34)")
        if bits > RSA_MAX_BITS:
            raise KeyFileError(
                f"{source}: RSA key of {bits} bits is larger than verifiers must accept ({RSA_MAX_BITS}, DKIM-16)"
            )
        return SigningKey("rsa", bits, private, source)
    if isinstance(private, ed25519.Ed25519PrivateKey):
        return SigningKey("ed25519", 256, private, source)
    kind = _describe_key_object(private)
    raise KeyFileError(f"{source}: {kind} keys cannot sign DKIM; use an RSA or Ed25519 key")


def load_private_key(data: bytes, source: str = "<key>", *, raw_ed25519: bool = False) -> SigningKey:
    """Load PEM (PKCS#8, PKCS#1, Ed25519 PKCS#8), DER, or a base64 DER (the SES form); with `raw_ed25519` also a
    base64 Ed25519 seed (dkimpy's form), which is otherwise refused: any 32 random bytes would pass for one.

    Every failure is a one-line KeyFileError naming `source`; it never quotes the data. Linear in the input, which
    may be at most MAX_KEY_BYTES.
    """
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    if len(data) > MAX_KEY_BYTES:
        raise KeyFileError(f"{source}: over {MAX_KEY_BYTES} bytes, not a key file")
    stripped = data.strip()
    if not stripped:
        raise KeyFileError(f"{source}: empty key file")
    if b"-----BEGIN " in stripped:
        return _load_pem(stripped, source)
    if _BASE64_TEXT.match(stripped):
        return _load_base64(stripped, source, raw_ed25519)
    return _load_der(data, source)  # unstripped: DER may well end in a byte that looks like whitespace


# -- loading details ---------------------------------------------------------------------------------------


def _pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """(label, whole block) for each BEGIN..END pair with the same label, in one pass over the markers."""
    blocks: list[tuple[str, bytes]] = []
    open_label, start = b"", -1
    for marker in _PEM_MARKER.finditer(data):
        kind, label = marker.group(1, 2)
        if kind == b"BEGIN":
            open_label, start = label, marker.start()  # a BEGIN inside a block starts it again
        elif start >= 0 and label == open_label:
            blocks.append((label.decode("ascii"), data[start : marker.end()]))
            open_label, start = b"", -1
    return blocks


def _load_pem(data: bytes, source: str) -> SigningKey:
    blocks = _pem_blocks(data)
    if not blocks:
        raise KeyFileError(f"{source}: PEM data is cut short or corrupt (no matching END line)")
    labels = [label for label, _ in blocks]
    if "ENCRYPTED PRIVATE KEY" in labels:
        raise KeyFileError(f"{source}: private key is encrypted; store it decrypted (mode 0600) for signing")
    private_blocks = [(label, block) for label, block in blocks if label.endswith("PRIVATE KEY")]
    if not private_blocks:
        raise KeyFileError(f"{source}: holds {_pem_kind(labels[0])}, not a private key")
    label, block = private_blocks[0]
    try:
        private = serialization.load_pem_private_key(block, password=None)
    except TypeError:  # legacy "Proc-Type: 4,ENCRYPTED" PKCS#1
        raise KeyFileError(f"{source}: private key is encrypted; store it decrypted (mode 0600) for signing") from None
    except (ValueError, UnsupportedAlgorithm):
        raise KeyFileError(f"{source}: {label} block is corrupt or of an unsupported kind") from None
    return from_private_key(private, source)


def _load_base64(data: bytes, source: str, raw_ed25519: bool) -> SigningKey:
    try:
        raw = base64.b64decode(b"".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        raise KeyFileError(f"{source}: looks like base64 but does not decode") from None
    if len(raw) in (32, 64) and not raw_ed25519:
        raise KeyFileError(
            f"{source}: a bare base64 Ed25519 seed is read only with --raw-ed25519 (any 32 bytes pass for one); "
            "store the key as PKCS#8 PEM, as emlauth keygen does"
        )
    if len(raw) == 32:  # an Ed25519 seed, as dkimpy stores it (DKIM-35)
        return SigningKey("ed25519", 256, ed25519.Ed25519PrivateKey.from_private_bytes(raw), source)
    if len(raw) == 64:  # seed + public key (NaCl's layout): accept when the halves agree
        private = ed25519.Ed25519PrivateKey.from_private_bytes(raw[:32])
        if public_key_bytes(private.public_key()) != raw[32:]:
            raise KeyFileError(f"{source}: 64-byte Ed25519 key whose public half does not match its seed")
        return SigningKey("ed25519", 256, private, source)
    return _load_der(raw, source)  # e.g. the one-line SES string (SES-3)


def _load_der(data: bytes, source: str) -> SigningKey:
    try:
        private = serialization.load_der_private_key(data, password=None)
    except TypeError:
        raise KeyFileError(f"{source}: private key is encrypted; store it decrypted (mode 0600) for signing") from None
    except (ValueError, UnsupportedAlgorithm):
        raise KeyFileError(f"{source}: {_guess_der_kind(data)}") from None
    return from_private_key(private, source)


def _guess_der_kind(data: bytes) -> str:
    """Say what a non-private-key DER blob is, so the one-line error helps."""
    try:
        serialization.load_der_public_key(data)
        return "holds a public key, not a private key"
    except (ValueError, UnsupportedAlgorithm):
        pass
    from cryptography import x509  # only for this error message: the module costs ~25 ms at every start-up

    try:
        x509.load_der_x509_certificate(data)
        return "holds a certificate, not a private key"
    except ValueError:
        pass
    return "not a private key in any known form (PEM, DER, base64 DER or base64 Ed25519 seed), or corrupt"


def _pem_kind(label: str) -> str:
    if "CERTIFICATE" in label:
        return "a certificate"
    if "PUBLIC KEY" in label:
        return "a public key"
    return f"a {label} block"


def _describe_key_object(key: object) -> str:
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, x448, x25519

    if isinstance(key, ec.EllipticCurvePrivateKey):
        return f"EC ({key.curve.name})"
    if isinstance(key, dsa.DSAPrivateKey):
        return "DSA"
    if isinstance(key, ed448.Ed448PrivateKey):
        return "Ed448"
    if isinstance(key, x25519.X25519PrivateKey | x448.X448PrivateKey):
        return "X25519/X448 (key agreement)"
    return type(key).__name__

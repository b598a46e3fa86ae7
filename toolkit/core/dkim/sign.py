"""DKIM signing (RFC 6376 §5, RFC 8301, RFC 8463; STANDARDS DKIM-28..33).

`sign(message, signers, now)` normalises line endings to CRLF (DKIM-28), leaves every other byte alone and
prepends one DKIM-Signature per signer (DKIM-32) as if they signed one after the other: the last signer's field
ends up on top, and a later signer that lists dkim-signature in h= covers the earlier ones (the lowest unused
instance is the earliest, which is also how dkimpy and OpenDKIM pick them). Bad configuration (rsa-sha1, a key
that does not fit the algorithm, RSA under 1024 bits, i= outside d=) raises CallerError: that is the caller's fault.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from toolkit.core.canon import BodyHash, CanonError, body_hash, parse_canon
from toolkit.core.dkim.common import (
    ALGORITHMS,
    header_hash_input,
    index_headers,
    select_headers,
    valid_domain,
    valid_header_name,
    valid_header_names,
    valid_selector,
)
from toolkit.core.errors import CallerError
from toolkit.core.message import HeaderField, Message, parse_message
from toolkit.core.signature import LINE_WIDTH, fold, sign_bytes

# DKIM-30: what we sign by default, in this order (only those present, plus the oversigned ones)
DEFAULT_HEADERS = (
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "reply-to",
    "sender",
    "in-reply-to",
    "references",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "list-id",
    "list-unsubscribe",
    "list-unsubscribe-post",
)
# DKIM-31: listed once more than they occur, so a copy added later breaks the signature
DEFAULT_OVERSIGN = ("from", "subject", "date", "to", "cc", "reply-to", "sender")
MIN_RSA_BITS = 1024  # DKIM-29, RFC 8301


@dataclass(frozen=True, slots=True)
class SignerConfig:
    domain: str
    selector: str
    key: Any  # a SigningKey (toolkit.core.dkim.keys) or a cryptography RSA/Ed25519 private key
    algorithm: str | None = None  # default: from the key type
    canon: str = "relaxed/relaxed"  # DKIM-29 [ours]
    headers: Sequence[str] | None = None  # default DKIM-30
    oversign: Sequence[str] | None = None  # default DKIM-31; () to turn off
    expire_after: int | None = None  # seconds after t= for x=
    identity: str | None = None  # i=
    body_length: bool = False  # l= only on request (DKIM-29)


@dataclass(frozen=True, slots=True)
class PreparedSigner:
    """A validated signer: everything that does not depend on the message."""

    domain: str
    selector: str
    algorithm: str
    private_key: Any
    head_canon: str
    body_canon: str
    headers: tuple[str, ...]
    oversign: frozenset[str]
    expire_after: int | None
    identity: str | None
    body_length: bool


def _key_parts(key: Any) -> tuple[str, Any]:
    private = getattr(key, "private_key", key)
    if isinstance(private, rsa.RSAPrivateKey):
        return "rsa", private
    if isinstance(private, ed25519.Ed25519PrivateKey):
        return "ed25519", private
    raise CallerError(f"unsupported signing key {type(private).__name__}: need RSA or Ed25519")


def prepare(config: SignerConfig) -> PreparedSigner:
    """Check a SignerConfig once (sign() calls this; long-running signers may cache the result)."""
    key_type, private = _key_parts(config.key)
    algorithm = (config.algorithm or f"{key_type}-sha256").lower()
    if algorithm == "rsa-sha1":
        raise CallerError("rsa-sha1 must not be used for signing (RFC 8301)")
    if algorithm not in ALGORITHMS:
        raise CallerError(f"unknown algorithm {algorithm!r}: use rsa-sha256 or ed25519-sha256")
    if ALGORITHMS[algorithm] != key_type:
        raise CallerError(f"algorithm {algorithm} needs a {ALGORITHMS[algorithm]} key, got {key_type}")
    if key_type == "rsa" and private.key_size < MIN_RSA_BITS:
        raise CallerError(f"RSA key of {private.key_size} bits is under {MIN_RSA_BITS} (RFC 8301)")
    try:
        head_canon, body_canon = parse_canon(config.canon)
    except CanonError as exc:
        raise CallerError(str(exc)) from None
    domain = config.domain.strip().rstrip(".").lower()
    if not valid_domain(domain):
        raise CallerError(f"bad signing domain {config.domain!r}")
    if not valid_selector(config.selector.lower()):
        raise CallerError(f"bad selector {config.selector!r}")
    headers, oversign = _header_lists(
        tuple(config.headers if config.headers is not None else DEFAULT_HEADERS),
        tuple(config.oversign if config.oversign is not None else DEFAULT_OVERSIGN),
    )
    if config.identity is not None:
        _, at, idomain = config.identity.rpartition("@")
        idomain = idomain.lower()
        if not config.identity.isascii() or any(c in config.identity for c in "; \t\r\n"):
            raise CallerError(f"identity {config.identity!r} must be ASCII without ';' or whitespace")
        if not at or not (idomain == domain or idomain.endswith("." + domain)):
            raise CallerError(f"identity {config.identity!r} is not within d={domain}")
    if config.expire_after is not None and config.expire_after <= 0:
        raise CallerError("expiry must be a positive number of seconds")
    return PreparedSigner(
        domain,
        config.selector,
        algorithm,
        private,
        head_canon,
        body_canon,
        headers,
        oversign,
        config.expire_after,
        config.identity,
        config.body_length,
    )


@lru_cache(maxsize=64)
def _header_lists(wanted: tuple[str, ...], oversign_wanted: tuple[str, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
    """The names to sign (DKIM-30, From first if missing, then the oversigned ones not listed) and those to oversign
    (DKIM-31), checked; kept per pair of lists, as every sign() call prepares its signers again."""
    headers = [h.strip().lower() for h in wanted]
    oversign = [h.strip().lower() for h in oversign_wanted]
    if not valid_header_names(headers + oversign):
        bad = next(name for name in headers + oversign if not valid_header_name(name))
        raise CallerError(f"bad header name {bad!r}")
    if "from" not in headers:
        headers.insert(0, "from")  # DKIM-30: From is always signed
    headers += [h for h in oversign if h not in headers]
    return tuple(dict.fromkeys(headers)), frozenset(oversign)


def sign(message: bytes, signers: Sequence[SignerConfig], now: int) -> bytes:
    """The whole message, CRLF line endings, with the new DKIM-Signature fields on top."""
    parsed = parse_message(message)
    return b"".join(_signature_fields(parsed, [prepare(s) for s in signers], now)) + parsed.raw


def signature_fields(message: bytes | Message, signers: Sequence[SignerConfig], now: int) -> list[bytes]:
    """Only the new DKIM-Signature fields (each ending in CRLF), top to bottom, for the caller to prepend."""
    parsed = message if isinstance(message, Message) else parse_message(message)
    return _signature_fields(parsed, [prepare(s) for s in signers], now)


def sign_prepared(parsed: Message, signers: Sequence[PreparedSigner], now: int) -> bytes:
    """sign() for callers that keep prepared signers and a parsed message (the milter, benchmarks)."""
    return b"".join(_signature_fields(parsed, signers, now)) + parsed.raw


def _signature_fields(parsed: Message, signers: Sequence[PreparedSigner], now: int) -> list[bytes]:
    if not any(h.lname == "from" for h in parsed.headers):
        raise CallerError("the message has no From field to sign")
    body_hashes: dict[str, BodyHash] = {}
    new_fields: list[HeaderField] = []
    for signer in signers:
        if signer.body_canon not in body_hashes:
            body_hashes[signer.body_canon] = body_hash(parsed.body, signer.body_canon)
        # fields made earlier in this pass sit above the message (newest on top), so a later signer may cover them
        by_name = index_headers([*reversed(new_fields), *parsed.headers])
        new_fields.append(_sign_one(signer, by_name, body_hashes[signer.body_canon], now))
    return [f.raw for f in reversed(new_fields)]


def _header_list(signer: PreparedSigner, by_name: dict[str, list[HeaderField]]) -> tuple[str, ...]:
    names: list[str] = []
    for name in signer.headers:
        count = len(by_name.get(name, ())) + (1 if name in signer.oversign else 0)
        names.extend([name] * count)
    return tuple(names)  # a tuple: select_headers keeps the plan of a list it sees again (the same signer, mail)


def _sign_one(signer: PreparedSigner, by_name: dict[str, list[HeaderField]], bh: BodyHash, now: int) -> HeaderField:
    names = _header_list(signer, by_name)
    tags = [
        "v=1;",
        f"a={signer.algorithm};",
        f"c={signer.head_canon}/{signer.body_canon};",
        f"d={signer.domain};",
        f"s={signer.selector};",
        f"t={now};",
    ]
    if signer.expire_after is not None:
        tags.append(f"x={now + signer.expire_after};")
    if signer.body_length:
        tags.append(f"l={bh.canonical_length};")
    if signer.identity is not None:
        tags.append(f"i={signer.identity};")
    # h= may fold after a colon; keep each piece whole
    h_pieces = [f"{n}:" for n in names]
    h_pieces[0] = "h=" + h_pieces[0]
    h_pieces[-1] = h_pieces[-1][:-1] + ";"
    tags.append(f"bh={base64.b64encode(bh.digest).decode()};")
    prefix = _fold("DKIM-Signature:", tags, h_pieces) + "\r\n\tb="
    unsigned = prefix.encode("ascii") + b"\r\n"
    data = header_hash_input(select_headers(by_name, names), unsigned, signer.head_canon)
    signature = base64.b64encode(sign_bytes(signer.algorithm, signer.private_key, data)).decode()
    width = LINE_WIDTH - 2
    first = width - 3
    lines = [signature[:first]] + [signature[i : i + width] for i in range(first, len(signature), width)]
    raw = (prefix + "\r\n\t".join(line for line in lines if line) + "\r\n").encode("ascii")
    return HeaderField("DKIM-Signature", raw)


def _fold(name: str, tags: list[str], h_pieces: list[str]) -> str:
    """Join tags with spaces, breaking lines at whitespace (and h= after a colon) under LINE_WIDTH (DKIM-32)."""
    # h= goes before bh=; its pieces join without spaces
    tokens = [(t, " ") for t in tags[:-1]] + [(p, " " if i == 0 else "") for i, p in enumerate(h_pieces)]
    tokens.append((tags[-1], " "))
    return fold(name, tokens)

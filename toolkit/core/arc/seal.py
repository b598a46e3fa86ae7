"""ARC sealing (RFC 8617 §5.1; STANDARDS ARC-4): add one ARC set (AAR, AMS, AS) to a message already changed.

`seal(message, config, results, chain, now)` takes the chain as verified (an ArcResult) and the A-R payload to
record in the AAR (our own verdicts), and returns the three new fields, AS on top. The cv= comes from the chain:
none for the first hop, pass if the incoming chain passed, fail otherwise. A chain that already says cv=fail is
not sealed again (nothing more can be said about it), and no set goes beyond i=50: both raise SealRefused.

Layout: tags in alphabetical order joined by "; ", folded at spaces under 78 columns, each b= unbroken on a line
of its own. The seal of a set covers its AMS b= after relaxed canonicalization, so where a fold falls inside b=
would change the seal; keeping b= whole is also what the ARC test suite's signatures were made over.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from toolkit.core.arc.parse import AAR, AMS, KINDS, SEAL, arc_fields, highest_instance, parse_field
from toolkit.core.arc.result import MAX_INSTANCES, ArcReason, ArcResult
from toolkit.core.canon import RELAXED, body_hash
from toolkit.core.dkim.common import header_hash_input, index_headers, select_headers
from toolkit.core.dkim.sign import DEFAULT_HEADERS, DEFAULT_OVERSIGN, PreparedSigner, SignerConfig, prepare
from toolkit.core.errors import CallerError
from toolkit.core.message import HeaderField, Message, parse_message
from toolkit.core.results import Verdict
from toolkit.core.signature import fold, sign_bytes

# RFC 8617 §5.1.1: the AMS SHOULD cover DKIM-Signature fields, and MUST NOT cover A-R or ARC fields (ARC-1)
DEFAULT_AMS_HEADERS = (*DEFAULT_HEADERS, "dkim-signature")
_NEVER_SIGNED = ("authentication-results", AAR, AMS, SEAL)


class SealRefused(CallerError):
    """This message gets no new ARC set; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class SealConfig:
    domain: str
    selector: str
    key: Any  # a SigningKey or a cryptography RSA/Ed25519 private key
    authserv_id: str
    algorithm: str | None = None  # default from the key: rsa-sha256 (ARC-4) or ed25519-sha256
    canon: str = "relaxed/relaxed"  # the AMS's c=; the AS is always relaxed
    headers: Sequence[str] | None = None  # AMS h=, default DEFAULT_AMS_HEADERS
    oversign: Sequence[str] | None = None  # default DKIM-31's list; () to turn off


@dataclass(frozen=True, slots=True)
class Sealed:
    i: int
    cv: str
    fields: tuple[bytes, ...]  # AS, AMS, AAR: prepend in this order


def chain_value(chain: ArcResult, message: Message) -> tuple[int, str]:
    """(new instance, cv) from the chain as verified (RFC 8617 §5.1.2); SealRefused when no set may be added."""
    if chain.verdict is Verdict.NONE:
        return 1, "none"
    if chain.reason is ArcReason.CHAIN_FAILED:
        raise SealRefused(f"not sealing: {chain.detail}, and a failed chain is sealed only once")
    newest = len(chain.instances) or highest_instance(message)
    if newest >= MAX_INSTANCES:
        raise SealRefused(f"not sealing: the chain already has {newest} sets, the most ARC allows")
    return newest + 1, "pass" if chain.verdict is Verdict.PASS else "fail"


def seal(message: Message | bytes, config: SealConfig, results: str, chain: ArcResult, now: int) -> Sealed:
    parsed = message if isinstance(message, Message) else parse_message(message)
    signer = _prepare(config)
    authserv_id = config.authserv_id.strip()
    if not authserv_id or any(c in authserv_id for c in "; \t\r\n"):
        raise CallerError(f"bad authserv-id {config.authserv_id!r}")
    i, cv = chain_value(chain, parsed)
    results = " ".join(results.split()) or "none"
    aar = _field("ARC-Authentication-Results", [f"i={i};", f"{authserv_id};", *results.split(" ")])
    by_name = index_headers(parsed.headers)
    names = _header_list(signer, by_name)
    bh = body_hash(parsed.body, signer.body_canon).digest
    ams_tags = {
        "a": signer.algorithm,
        "bh": base64.b64encode(bh).decode(),
        "c": f"{signer.head_canon}/{signer.body_canon}",
        "d": signer.domain,
        "h": ":".join(names),
        "i": str(i),
        "s": signer.selector,
        "t": str(now),
    }
    ams = _signed("ARC-Message-Signature", ams_tags, signer, select_headers(by_name, names), signer.head_canon)
    # the seal covers every earlier set, then ours: AAR, AMS, AS each (ARC-3 step 4)
    earlier = [h for _, h in arc_fields(parsed)] if cv != "fail" else []
    chain_fields = _chain_order(earlier) + [aar, ams]
    seal_tags = {"a": signer.algorithm, "cv": cv, "d": signer.domain, "i": str(i), "s": signer.selector, "t": str(now)}
    arc_seal = _signed("ARC-Seal", seal_tags, signer, chain_fields, RELAXED)
    return Sealed(i, cv, (arc_seal.raw, ams.raw, aar.raw))


def _prepare(config: SealConfig) -> PreparedSigner:
    headers = [h.strip().lower() for h in (config.headers if config.headers is not None else DEFAULT_AMS_HEADERS)]
    bad = [h for h in headers if h in _NEVER_SIGNED]
    if bad:
        raise CallerError(f"the AMS must not sign {', '.join(bad)} (RFC 8617 §5.1.1)")
    oversign = tuple(config.oversign if config.oversign is not None else DEFAULT_OVERSIGN)
    # prepare() checks the key, algorithm, domain, selector and names as for DKIM, and always adds From
    return prepare(
        SignerConfig(config.domain, config.selector, config.key, config.algorithm, config.canon, headers, oversign)
    )


def _header_list(signer: PreparedSigner, by_name: dict[str, list[HeaderField]]) -> list[str]:
    names: list[str] = []
    for name in signer.headers:
        names.extend([name] * (len(by_name.get(name, ())) + (1 if name in signer.oversign else 0)))
    return names


def _chain_order(fields: list[HeaderField]) -> list[HeaderField]:
    """Existing ARC fields sorted by instance, then AAR, AMS, AS (the order a seal hashes them in)."""
    parsed = [parse_field(h, n) for n, h in enumerate(fields)]
    return [p.field for p in sorted(parsed, key=lambda p: (p.i, KINDS.index(p.kind)))]


def _signed(
    name: str, tags: dict[str, str], signer: PreparedSigner, covered: list[HeaderField], canon: str
) -> HeaderField:
    """The field with b= empty is hashed after the covered fields; then b= is filled in, on a line of its own."""
    ordered = dict(sorted({**tags, "b": ""}.items()))
    unsigned = _field(name, _tokens(ordered))
    data = header_hash_input(covered, unsigned.raw, canon)
    ordered["b"] = base64.b64encode(sign_bytes(signer.algorithm, signer.private_key, data)).decode()
    return _field(name, _tokens(ordered))


def _tokens(tags: dict[str, str]) -> list[str]:
    tokens = []
    for tag, value in tags.items():
        if tag == "h":  # h= may fold after a colon: each name is its own token, glued with no space
            tokens.extend(f"\0{part}:" if n else f"h={part}:" for n, part in enumerate(value.split(":")))
            tokens[-1] = tokens[-1][:-1]
        else:
            tokens.append(f"{tag}={value}")
        tokens[-1] += ";"
    tokens[-1] = tokens[-1][:-1]  # no ';' after the last tag, as the suite's signers wrote it
    return tokens


def _field(name: str, tokens: list[str]) -> HeaderField:
    """Tokens joined by spaces (a leading NUL: no space before it), folded under 78 columns; b= on a line alone."""
    pairs = [(t[1:], "") if t.startswith("\0") else (t, " ") for t in tokens]
    text = fold(f"{name}:", pairs, alone=lambda token: token.startswith("b="))
    return HeaderField(name, (text + "\r\n").encode("ascii"))

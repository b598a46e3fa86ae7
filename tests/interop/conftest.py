"""Interop fixtures: keys published in a zone served by knot, and the three peers pointed at it.

Selectors under example.com (all generated per session):
- rsa1024, rsa2048, ed25519: the matrix keys.
- weak512: a 512-bit RSA key (DKIM-16: permerror; Mail::DKIM accepts it).
- edasrsa: an Ed25519 public key published with k=rsa (DKIM-15: permerror; OpenDKIM accepts it).
- pkcs1: the rsa2048 key published as a bare PKCS#1 RSAPublicKey (DKIM-16: accepted).
- hsha1 (h=sha1 only), revoked (empty p=), strict (t=s): the rsa2048 key under key-record rules DKIM-15 and DKIM-8.
- multi, spaces, vlater, nov, svcother, svcemail, testing, unknowntag, unknownk: more key-record variants of the
  rsa2048 key (see _build_keys).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from support.peers import DkimpyPeer, MailDkimPeer, OpenDkimPeer, PeerDns, require_peers
from support.weak_keys import short_rsa_key

from toolkit.core.dkim.keys import SigningKey, generate_key, split_txt
from toolkit.resolvers.live import LiveResolver

DOMAIN = "example.com"
MATRIX_KEYS = ("rsa1024", "rsa2048", "ed25519")


@dataclass(frozen=True)
class PublishedKey:
    selector: str
    key: SigningKey
    record: str  # the TXT value published at <selector>._domainkey.example.com
    extra: tuple[str, ...] = ()  # more TXT records published at the same name

    @property
    def algorithm(self) -> str:
        return "ed25519-sha256" if self.key.key_type == "ed25519" else "rsa-sha256"


@dataclass(frozen=True)
class InteropEnv:
    dns: PeerDns
    keys: dict[str, PublishedKey]
    peers: dict[str, OpenDkimPeer | MailDkimPeer | DkimpyPeer]
    resolver: LiveResolver
    zone_dir: Path


def _record(key: SigningKey, *, key_tag: str | None = None, p: str | None = None) -> str:
    return f"v=DKIM1; k={key_tag or key.key_type}; p={p if p is not None else key.public_key_b64()}"


def _zone_text(keys: dict[str, PublishedKey]) -> str:
    lines = [
        f"$ORIGIN {DOMAIN}.",
        "$TTL 300",
        "@ SOA ns.example.com. hostmaster.example.com. 1 3600 600 86400 300",
        "@ NS ns.example.com.",
        "ns A 192.0.2.53",
    ]
    for published in keys.values():
        for record in (published.record, *published.extra):
            strings = " ".join(f'"{s}"' for s in split_txt(record))
            lines.append(f"{published.selector}._domainkey TXT {strings}")
    return "\n".join(lines) + "\n"


def _build_keys() -> dict[str, PublishedKey]:
    rsa1024 = generate_key("rsa", 1024)
    rsa2048 = generate_key("rsa", 2048)
    ed = generate_key("ed25519")
    # below the DKIM-34 minimum on purpose, so built without generate_key's guard
    weak = SigningKey("rsa", 512, short_rsa_key(512), "<weak512>")
    pkcs1 = base64.b64encode(
        rsa2048.public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    ).decode("ascii")
    keys = {
        "rsa1024": PublishedKey("rsa1024", rsa1024, _record(rsa1024)),
        "rsa2048": PublishedKey("rsa2048", rsa2048, _record(rsa2048)),
        "ed25519": PublishedKey("ed25519", ed, _record(ed)),
        "weak512": PublishedKey("weak512", weak, _record(weak)),
        "edasrsa": PublishedKey("edasrsa", ed, _record(ed, key_tag="rsa")),
        "pkcs1": PublishedKey("pkcs1", rsa2048, _record(rsa2048, p=pkcs1)),
        "hsha1": PublishedKey("hsha1", rsa2048, f"v=DKIM1; k=rsa; h=sha1; p={rsa2048.public_key_b64()}"),
        "revoked": PublishedKey("revoked", rsa2048, "v=DKIM1; k=rsa; p="),
        "strict": PublishedKey("strict", rsa2048, f"v=DKIM1; k=rsa; t=s; p={rsa2048.public_key_b64()}"),
    }
    p = rsa2048.public_key_b64()
    spaced = " ".join(p[i : i + 64] for i in range(0, len(p), 64))
    variants = {
        "multi": ("v=DKIM1; k=rsa; p=" + p, ("not a key record",)),  # DKIM-14 [ours]: try each record
        "spaces": (f"v=DKIM1; k=rsa; p={spaced}", ()),  # DKIM-3: WSP inside p= is dropped
        "vlater": (f"k=rsa; v=DKIM1; p={p}", ()),  # DKIM-15: v= not first: discard the record
        "nov": (f"k=rsa; p={p}", ()),  # DKIM-15: v= is optional
        "svcother": (f"v=DKIM1; k=rsa; s=other; p={p}", ()),  # DKIM-15: not for email: ignore the record
        "svcemail": (f"v=DKIM1; k=rsa; s=email; p={p}", ()),
        "testing": (f"v=DKIM1; k=rsa; t=y; p={p}", ()),  # DKIM-18
        "unknowntag": (f"v=DKIM1; k=rsa; zz=unknown; p={p}", ()),  # DKIM-2: unknown tags are ignored
        "unknownk": (f"v=DKIM1; k=dsa; p={p}", ()),  # DKIM-15: unknown key type
    }
    for selector, (record, extra) in variants.items():
        keys[selector] = PublishedKey(selector, rsa2048, record, extra)
    return keys


@pytest.fixture(scope="session")
def interop_env(tmp_path_factory: pytest.TempPathFactory, knot_factory) -> InteropEnv:
    require_peers()  # a missing peer fails the suite (CI installs them); never a skip
    base = tmp_path_factory.mktemp("interop")
    zone_dir = base / "zones"
    zone_dir.mkdir()
    keys = _build_keys()
    (zone_dir / f"{DOMAIN}.zone").write_text(_zone_text(keys))
    server = knot_factory(zone_dir)
    dns_server = PeerDns(server.host, server.port)
    peers = {
        "opendkim": OpenDkimPeer(base / "opendkim", dns_server),
        "mail-dkim": MailDkimPeer(base / "mail-dkim", dns_server),
        "dkimpy": DkimpyPeer(dns_server),
    }
    return InteropEnv(dns_server, keys, peers, LiveResolver([(server.host, server.port)], timeout=5.0), zone_dir)

"""ARC interop over a local knot, both directions (issue 12 §5; STANDARDS ARC-3, ARC-4).

Our seals validate in Mail::DKIM's ARC verifier and dkimpy's arc_verify; their seals, and a 3-hop chain built
by alternating signers, validate in ours. Every disagreement is pinned in PINNED with the rule it turns on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from arc.peers import NOW, DkimpyArc, MailDkimArc
from support.peers import PeerDns, require_peers

from toolkit.core.arc import verify
from toolkit.core.arc.seal import SealConfig, seal
from toolkit.core.dkim.keys import SigningKey, generate_key, split_txt
from toolkit.resolvers.live import LiveResolver

pytestmark = pytest.mark.peers

MESSAGE = (
    b"From: Alice <alice@example.com>\r\nTo: list@example.org\r\nSubject: interop\r\n"
    b"Date: Mon, 2 Mar 2026 09:00:00 +0000\r\nMessage-ID: <arc-interop@example.com>\r\n\r\nHello, ARC.\r\n"
)
RSA_HOPS = ("fwd1.example.net", "fwd2.example.net", "fwd3.example.net")
ED_HOP = "fwd4.example.net"
# (peer, case) -> (their verdict, why). Both turn on one rule: RFC 8617 §4.1.3 names rsa-sha256 as the only a=
# for ARC (STANDARDS ARC-4: seal with rsa-sha256 only); ed25519-sha256 is RFC 8463's DKIM extension, which our
# verifier also accepts in ARC. Sealing with Ed25519 is for chains read by verifiers that do the same.
PINNED = {
    # Mail::DKIM 1.20230212 checks Ed25519 only with CryptX (not installed): "invalid", unsupported algorithm
    ("mail-dkim", "ours-ed25519"): ("invalid", "RFC 8617 §4.1.3 rsa-sha256 only; no Ed25519 without CryptX"),
    # dkimpy's ARC code: "unknown signature algorithm: b'ed25519-sha256'"
    ("dkimpy", "ours-ed25519"): ("fail", "RFC 8617 §4.1.3 rsa-sha256 only"),
}


@dataclass
class Env:
    keys: dict[str, SigningKey]
    key_files: dict[str, Path]
    resolver: LiveResolver
    mail_dkim: MailDkimArc
    dkimpy: DkimpyArc


@pytest.fixture(scope="module")
def env(tmp_path_factory, knot_factory) -> Env:
    require_peers()
    base = tmp_path_factory.mktemp("arc-interop")
    keys = {domain: generate_key("rsa", 2048) for domain in RSA_HOPS}
    keys[ED_HOP] = generate_key("ed25519")
    lines = ["$ORIGIN example.net.", "$TTL 300", "@ SOA ns.example.net. hostmaster.example.net. 1 3600 600 86400 300"]
    lines += ["@ NS ns.example.net.", "ns A 192.0.2.53"]
    for domain, key in keys.items():
        record = f"v=DKIM1; k={key.key_type}; p={key.public_key_b64()}"
        lines.append(f"arc._domainkey.{domain.split('.')[0]} TXT " + " ".join(f'"{s}"' for s in split_txt(record)))
    zones = base / "zones"
    zones.mkdir()
    (zones / "example.net.zone").write_text("\n".join(lines) + "\n")
    server = knot_factory(zones)
    dns_server = PeerDns(server.host, server.port)
    key_files = {}
    for domain, key in keys.items():
        path = base / f"{domain}.pem"
        path.write_bytes(key.private_pem())
        path.chmod(0o600)
        key_files[domain] = path
    resolver = LiveResolver([(server.host, server.port)], timeout=5.0)
    return Env(keys, key_files, resolver, MailDkimArc(base / "perl", dns_server), DkimpyArc(dns_server))


def ours(env: Env, message: bytes, domain: str) -> bytes:
    chain = verify(message, env.resolver, NOW)
    sealed = seal(
        message, SealConfig(domain, "arc", env.keys[domain], f"mx.{domain}"), f"arc={chain.verdict}", chain, NOW
    )
    return b"".join(sealed.fields) + message


def hop(env: Env, who: str, message: bytes, domain: str) -> bytes:
    if who == "ours":
        return ours(env, message, domain)
    if who == "mail-dkim":
        cv = env.mail_dkim.verify(message)[0].lower()
        return env.mail_dkim.seal(message, domain, env.key_files[domain], cv)
    cv = env.dkimpy.verify(message)[0]
    return env.dkimpy.seal(message, domain, env.keys[domain].dkimpy_private_key(), cv)


CHAINS = {
    "ours-1": [("ours", RSA_HOPS[0])],
    "ours-3": [("ours", d) for d in RSA_HOPS],
    "ours-ed25519": [("ours", ED_HOP)],
    "mail-dkim-1": [("mail-dkim", RSA_HOPS[0])],
    "dkimpy-1": [("dkimpy", RSA_HOPS[0])],
    "alternating-3": [("dkimpy", RSA_HOPS[0]), ("mail-dkim", RSA_HOPS[1]), ("dkimpy", RSA_HOPS[2])],
    "mixed-3": [("mail-dkim", RSA_HOPS[0]), ("ours", RSA_HOPS[1]), ("dkimpy", RSA_HOPS[2])],
}


@pytest.fixture(scope="module")
def chains(env) -> dict[str, bytes]:
    built = {}
    for name, hops in CHAINS.items():
        message = MESSAGE
        for who, domain in hops:
            message = hop(env, who, message, domain)
        built[name] = message
    return built


def _matrix(env: Env, messages: dict[str, bytes]) -> dict[tuple[str, str], str]:
    names = list(messages)
    verdicts = {}
    for name, (result, _detail) in zip(names, env.mail_dkim.verify_many([messages[n] for n in names]), strict=True):
        verdicts[("mail-dkim", name)] = result.lower()
    for name in names:
        verdicts[("dkimpy", name)] = env.dkimpy.verify(messages[name])[0]
        verdicts[("ours", name)] = verify(messages[name], env.resolver, NOW).verdict.value
    return verdicts


def test_every_chain_passes_everywhere_except_pinned(env, chains):
    verdicts = _matrix(env, chains)
    expected = {key: PINNED.get(key, ("pass", ""))[0] for key in verdicts}
    assert verdicts == expected


def test_a_change_after_the_newest_seal_fails_everywhere(env, chains):
    tampered = {name: message + b"appended after sealing\r\n" for name, message in chains.items()}
    verdicts = _matrix(env, tampered)
    assert verdicts == {key: "invalid" if key == ("mail-dkim", "ours-ed25519") else "fail" for key in verdicts}


def test_three_hop_chains_record_who_sealed(env, chains):
    result = verify(chains["alternating-3"], env.resolver, NOW)
    assert [(i.domain, i.cv, i.authserv_id) for i in result.instances] == [
        (RSA_HOPS[0], "none", f"mx.{RSA_HOPS[0]}"),
        (RSA_HOPS[1], "pass", f"mx.{RSA_HOPS[1]}"),
        (RSA_HOPS[2], "pass", f"mx.{RSA_HOPS[2]}"),
    ]
    assert result.oldest_pass == 1

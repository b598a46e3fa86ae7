"""Regenerate the sample world: zone files that publish the test keys, and the signed sample messages.

    python3 samples/build.py            # rewrite samples/zones/*.zone and samples/messages/*.eml
    python3 samples/build.py --check    # exit 1 if the committed files differ from what would be built

Zone templates live in samples/templates/zones/*.zone.in; a placeholder `{{dkim DOMAIN/SELECTOR [t=y]}}` becomes
the quoted TXT strings of that key from keys/test/ (at most 255 octets each, DKIM-34). Message templates live in
samples/templates/messages/*.eml; each SAMPLE below says how it is signed (with our signer, toolkit.core.dkim.sign)
at a fixed time, and what happens to it in transit afterwards (a forwarder, a list footer, tampering), so every
lesson can be rebuilt. RSA PKCS#1 v1.5 and Ed25519 signatures are deterministic: the same keys, templates and
times give byte-identical output, which `--check` (and tests/samples) relies on.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from toolkit.core.dkim.keys import SigningKey, load_private_key  # noqa: E402

KEYS = ROOT / "keys" / "test"
TEMPLATES = HERE / "templates"
SIGN_TIME = 1772442000  # 2026-03-02T09:00:00Z; every sample is signed a few minutes after this
_PLACEHOLDER = re.compile(r"\{\{dkim ([a-z0-9.-]+)/([a-z0-9-]+)((?: [a-z]=[a-z])*)\}\}")


@dataclass(frozen=True)
class Signing:
    domain: str
    selector: str
    key: str  # keys/test/<key>.private.pem, e.g. "example.com/s2048"
    expire_after: int | None = None
    body_length: bool = False


@dataclass(frozen=True)
class Sample:
    name: str
    signings: tuple[Signing, ...] = ()
    transit: Callable[[bytes], bytes] | None = None  # what happens after signing
    sign_offset: int = 0  # seconds after SIGN_TIME


def load_key(name: str) -> SigningKey:
    path = KEYS / f"{name}.private.pem"
    return load_private_key(path.read_bytes(), str(path))


# --- what happens in transit ---------------------------------------------------------------------------------


def _forward(raw: bytes) -> bytes:
    # Plain forwarding: one more Received on top, nothing else changes (no SRS, so MAIL FROM stays example.org).
    received = (
        "Received: from mx.example.org (mx.example.org [198.51.100.25])\r\n"
        "\tby mx.forwarder.test with ESMTPS id 4f1a2b; Mon, 02 Mar 2026 09:15:05 +0000\r\n"
    )
    return received.encode() + raw


def _list_footer(raw: bytes) -> bytes:
    # The list host appends a footer to the body and adds its Received; the header fields are left alone.
    footer = (
        "_______________________________________________\r\n"
        "team mailing list -- team@lists.test\r\n"
        "To unsubscribe send an email to team-leave@lists.test\r\n"
    )
    received = (
        "Received: from mx.example.org (mx.example.org [198.51.100.25])\r\n"
        "\tby mail.lists.test with ESMTPS id 9c8d7e; Mon, 02 Mar 2026 09:20:04 +0000\r\n"
    )
    return received.encode() + raw + footer.encode()


def _tamper_subject(raw: bytes) -> bytes:
    old = b"Subject: Your invoice for March\r\n"
    new = b"Subject: Your invoice for March - NEW BANK DETAILS\r\n"
    assert old in raw
    return raw.replace(old, new, 1)


def _append_unsigned(raw: bytes) -> bytes:
    # Content after the l= cut-off: the signature still verifies, but this text was never signed (DKIM-10).
    return raw + b"\r\nUPDATE: the sale moved to https://spoofer.test/sale - pay there instead.\r\n"


def _arc_hop(
    raw: bytes, hop: tuple[str, str, str, str], received: str, resolver, now: int, footer: bytes = b""
) -> bytes:
    """One ARC intermediary (RFC 8617 §5.1): verify what arrived, add its Received (and footer), then seal.

    hop is (sealer domain, its verifier's authserv-id, the SMTP client IP it saw, the HELO and MAIL FROM it saw).
    The AAR records its own verdicts on arrival, as sign-eml --arc-seal would write them.
    """
    from toolkit.core.arc.seal import SealConfig, seal
    from toolkit.core.message import parse_message
    from toolkit.core.verify import SmtpContext, VerifyOptions, verify_message

    domain, authserv_id, ip, helo_from = hop
    helo, mail_from = helo_from.split(" ")
    report = verify_message(
        raw, SmtpContext(ip, helo, mail_from), resolver, now, VerifyOptions(authserv_id=authserv_id)
    )
    entries = [report.arc.ar_entry(ip)] + report.ar_entries(skip=("arc",))
    from toolkit.core import arheader

    results = "; ".join(arheader.format_entry(e) for e in entries)
    changed = parse_message(received.encode() + raw + footer)
    config = SealConfig(domain, "arc1", load_key(f"{domain}/arc1"), authserv_id)
    return b"".join(seal(changed, config, results, report.arc, now).fields) + changed.raw


def _forwarder_then_list(raw: bytes) -> bytes:
    # (1) The alumni forwarder relays Bob's mail and ARC-seals it: its AAR says SPF, DKIM and DMARC passed.
    # (2) The team list receives it from the forwarder (SPF now fails: no SRS), appends its footer, which breaks
    #     the DKIM body hash, and seals again with cv=pass. The receiver sees DKIM fail and DMARC fail; ARC passes.
    import tempfile

    from toolkit.resolvers.zonefile import ZoneFileResolver

    with tempfile.TemporaryDirectory() as folder:  # the zones as this build makes them, not as committed
        for template in sorted((TEMPLATES / "zones").glob("*.zone.in")):
            (Path(folder) / template.name.removesuffix(".in")).write_text(build_zone(template))
        resolver = ZoneFileResolver(folder)
        at = SIGN_TIME + 4800
        raw = _arc_hop(raw, ("forwarder.test", "mx.forwarder.test", "198.51.100.25", "mx.example.org bob@example.org"),
                       "Received: from mx.example.org (mx.example.org [198.51.100.25])\r\n"
                       "\tby mx.forwarder.test with ESMTPS id 7a2b3c; Mon, 02 Mar 2026 10:20:05 +0000\r\n",
                       resolver, at + 5)  # fmt: skip
        footer = (
            b"_______________________________________________\r\n"
            b"alumni mailing list -- team@lists.test\r\n"
            b"To unsubscribe send an email to team-leave@lists.test\r\n"
        )
        return _arc_hop(raw, ("lists.test", "mail.lists.test", "198.51.100.40", "mx.forwarder.test bob@example.org"),
                        "Received: from mx.forwarder.test (mx.forwarder.test [198.51.100.40])\r\n"
                        "\tby mail.lists.test with ESMTPS id 5d6e7f; Mon, 02 Mar 2026 10:20:09 +0000\r\n",
                        resolver, at + 9, footer)  # fmt: skip


SAMPLES: tuple[Sample, ...] = (
    Sample(
        "all-pass",
        (Signing("example.com", "s2048", "example.com/s2048"), Signing("example.com", "ed1", "example.com/ed1")),
    ),
    Sample(
        "ses-easy-dkim",
        (
            Signing("example.com", "wxq6xgm2b4fpmf5l", "esp.example.net/esp1"),
            Signing("esp.example.net", "esp1", "esp.example.net/esp1"),
        ),
        sign_offset=300,
    ),
    Sample("third-party-dkim", (Signing("esp.example.net", "esp1", "esp.example.net/esp1"),), sign_offset=600),
    Sample("forwarded", (Signing("example.org", "sel1", "example.org/sel1"),), _forward, sign_offset=900),
    Sample("mailing-list", (Signing("example.org", "sel1", "example.org/sel1"),), _list_footer, sign_offset=1200),
    Sample("tampered-header", (Signing("example.com", "s2048", "example.com/s2048"),), _tamper_subject, 1500),
    Sample("spoofed-from", sign_offset=1800),
    Sample("null-sender-bounce", sign_offset=2100),
    Sample("revoked-key", (Signing("example.com", "old", "example.com/old"),), sign_offset=2400),
    Sample(
        "expired-signature",
        (Signing("example.com", "s2048", "example.com/s2048", expire_after=3600),),
        sign_offset=2700,
    ),
    Sample("strict-alignment", (Signing("example.org", "sel1", "example.org/sel1"),), sign_offset=3000),
    Sample("subdomain-sp", sign_offset=3300),
    Sample("nonexistent-np", sign_offset=3600),
    Sample("testing-key", (Signing("example.com", "s1024", "example.com/s1024"),), sign_offset=3900),
    Sample(
        "body-length",
        (Signing("example.com", "s2048", "example.com/s2048", body_length=True),),
        _append_unsigned,
        sign_offset=4200,
    ),
    Sample("dns-temperror", (Signing("example.com", "slow", "example.com/s2048"),), sign_offset=4500),
    Sample(
        "mailing-list-arc",
        (Signing("example.org", "sel1", "example.org/sel1"),),
        _forwarder_then_list,
        sign_offset=4800,
    ),
)


# --- building ------------------------------------------------------------------------------------------------


def _crlf(text: bytes) -> bytes:
    return re.sub(rb"\r?\n", b"\r\n", text)


def build_message(sample: Sample) -> bytes:
    from toolkit.core.dkim import SignerConfig, sign

    raw = _crlf((TEMPLATES / "messages" / f"{sample.name}.eml").read_bytes())
    if sample.signings:
        signers = [
            SignerConfig(
                domain=s.domain,
                selector=s.selector,
                key=load_key(s.key),
                expire_after=s.expire_after,
                body_length=s.body_length,
            )
            for s in sample.signings
        ]
        raw = sign(raw, signers, now=SIGN_TIME + sample.sign_offset)
    if sample.transit:
        raw = sample.transit(raw)
    return raw


def _txt_strings(domain: str, selector: str, flags: str) -> str:
    key = load_key(f"{domain}/{selector}")
    testing = "t=y" in flags.split()
    strings = key.dns_txt_strings(testing=testing)
    return "( " + "\n                 ".join(f'"{s}"' for s in strings) + " )"


def build_zone(template: Path) -> str:
    text = template.read_text()
    return _PLACEHOLDER.sub(lambda m: _txt_strings(m.group(1), m.group(2), m.group(3)), text)


def build_all() -> dict[Path, bytes]:
    out: dict[Path, bytes] = {}
    for template in sorted((TEMPLATES / "zones").glob("*.zone.in")):
        out[HERE / "zones" / template.name.removesuffix(".in")] = build_zone(template).encode()
    faults = TEMPLATES / "zones" / "faults.txt"
    if faults.exists():
        out[HERE / "zones" / "faults.txt"] = faults.read_bytes()
    for sample in SAMPLES:
        out[HERE / "messages" / f"{sample.name}.eml"] = build_message(sample)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args(argv)
    built = build_all()
    if args.check:
        stale = [str(p.relative_to(ROOT)) for p, data in built.items() if not p.exists() or p.read_bytes() != data]
        for name in stale:
            print(f"out of date: {name}")
        return 1 if stale else 0
    for path, data in built.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Focused micro-bench of the core engines on one core, warm caches: the figures the performance issues name.

    python3 bench/bench_core.py [--repeat 7] [--count 2000] [--profile verify|dkim-rsa|dkim-ed|sign-ed|sign-rsa]

Each figure is messages per CPU second (time.process_time) of this process, the median of --repeat runs of
--count operations, so other load on the machine distorts it little (the load average is printed too).

- verify:    toolkit.core.verify.verify_message, SPF (MAIL FROM + HELO) + DKIM + DMARC + A-R, on a ~7 KB
             multipart message with one RSA-2048 signature; DNS from a warm CachingResolver(MemoryResolver).
- dkim-rsa / dkim-ed: toolkit.core.dkim.verify of the same message signed with RSA-2048 / Ed25519.
- sign-ed / sign-rsa: toolkit.core.dkim.sign (parse, body hash, header hash, signature, folding).
- raw-*:     the cryptography primitives alone (RSA-2048 PKCS#1 v1.5 over SHA-256, Ed25519 over a 32-byte
             digest), the ceiling for the figures above.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402

from toolkit.core.dkim import SignerConfig, sign, verify  # noqa: E402
from toolkit.core.dkim.keys import generate_key  # noqa: E402
from toolkit.core.verify import SmtpContext, VerifyOptions, verify_message  # noqa: E402
from toolkit.resolvers.caching import CachingResolver  # noqa: E402
from toolkit.resolvers.memory import MemoryResolver  # noqa: E402

NOW = 1_700_000_000
CONTEXT = SmtpContext("192.0.2.25", "mail.example.com", "bounce-4711@example.com")


def typical_message() -> bytes:
    """About 7 KB: the header block of a real newsletter after three hops, a text and an HTML part."""
    headers = (
        "Return-Path: <bounce-4711@example.com>\r\n"
        "Received: from mail.example.com (mail.example.com [192.0.2.25])\r\n"
        "\tby mx1.example.org (Postfix) with ESMTPS id 4Sb2Xk1Zz9z9sQ\r\n"
        "\tfor <reader@example.org>; Tue, 14 Nov 2023 22:13:21 +0000 (UTC)\r\n"
        "Received: from app3.internal.example.com (app3.internal.example.com [192.0.2.77])\r\n"
        "\tby mail.example.com (Postfix) with ESMTP id 4Sb2Xj6QLmz1xyz\r\n"
        "\tfor <reader@example.org>; Tue, 14 Nov 2023 22:13:20 +0000 (UTC)\r\n"
        "Received: by app3.internal.example.com (Postfix, from userid 1001)\r\n"
        "\tid 9A1B2C3D4E; Tue, 14 Nov 2023 22:13:20 +0000 (UTC)\r\n"
        "From: Example News <news@example.com>\r\n"
        "To: Reader <reader@example.org>\r\n"
        "Subject: Your weekly digest: twelve things that happened this week\r\n"
        "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
        "Message-ID: <20231114221320.9A1B2C3D4E@app3.internal.example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="=_b1_4711"\r\n'
        "List-Id: Example weekly digest <digest.example.com>\r\n"
        "List-Unsubscribe: <mailto:unsubscribe-4711@example.com>,\r\n"
        "\t<https://example.com/unsubscribe?id=4711&token=abcdef0123456789>\r\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        "X-Mailer: Example Mailer 4.2\r\n"
        "X-Campaign-Id: weekly-2023-46\r\n"
        "Feedback-ID: 4711:weekly:example\r\n"
        "\r\n"
    )
    text_lines = "".join(
        f"{i:2d}. Item {i} of this week's digest: a short paragraph  with a few words in it.\r\n" for i in range(1, 25)
    )
    html_lines = "".join(
        f'<p style="margin:0 0 8px 0">Item {i}: <a href="https://example.com/item/{i}">read more</a> about it.</p>\r\n'
        for i in range(1, 30)
    )
    body = (
        "This is a multi-part message in MIME format.\r\n\r\n--=_b1_4711\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
        f"{text_lines}\r\n--=_b1_4711\r\n"
        "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
        f"<html><body>\r\n{html_lines}</body></html>\r\n\r\n--=_b1_4711--\r\n"
    )
    return (headers + body).encode()


def world():
    rsa_key = generate_key("rsa", 2048)
    ed_key = generate_key("ed25519")
    mapping = {
        "example.com": {"TXT": ["v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all"], "A": "192.0.2.10"},
        "_spf.example.net": {"TXT": ["v=spf1 ip4:198.51.100.0/24 ~all"]},
        "mail.example.com": {"A": "192.0.2.25", "TXT": ["v=spf1 a -all"]},
        "_dmarc.example.com": {"TXT": ["v=DMARC1; p=reject; rua=mailto:dmarc@example.com"]},
        "rsa1._domainkey.example.com": {"TXT": [rsa_key.dns_txt_strings()]},
        "ed1._domainkey.example.com": {"TXT": [ed_key.dns_txt_strings()]},
    }
    resolver = CachingResolver(MemoryResolver(mapping))
    return rsa_key, ed_key, resolver


def measure(label: str, fn: Callable[[], object], count: int, repeat: int) -> float:
    for _ in range(max(20, count // 20)):  # warm every cache
        fn()
    rates = []
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(count):
            fn()
        rates.append(count / (time.process_time() - start))
    median = statistics.median(rates)
    spread = f"min {min(rates):,.0f} max {max(rates):,.0f}"
    print(f"{label:<34} {median:>9,.0f} /s   (cpu {1e6 / median:7.1f} us/op, {spread})")
    return median


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--profile", choices=("verify", "dkim-rsa", "dkim-ed", "sign-ed", "sign-rsa"))
    parser.add_argument("--only", help="comma-separated subset of the figures to run")
    args = parser.parse_args(argv)

    rsa_key, ed_key, resolver = world()
    raw = typical_message()
    signed_rsa = sign(raw, [SignerConfig("example.com", "rsa1", rsa_key)], NOW)
    signed_ed = sign(raw, [SignerConfig("example.com", "ed1", ed_key)], NOW)
    options = VerifyOptions(authserv_id="bench.example")
    report = verify_message(signed_rsa, CONTEXT, resolver, NOW, options)
    assert report.dmarc is not None and report.dmarc.verdict.value == "pass", report.authentication_results
    assert verify(signed_ed, resolver, NOW)[0].verdict.value == "pass"
    digest = hashlib.sha256(raw).digest()
    rsa_private, ed_private = rsa_key.private_key, ed_key.private_key
    rsa_public, ed_public = rsa_private.public_key(), ed_private.public_key()
    rsa_sig = rsa_private.sign(digest, padding.PKCS1v15(), hashes.SHA256())
    ed_sig = ed_private.sign(digest)
    rsa_signer = [SignerConfig("example.com", "rsa1", rsa_key)]
    ed_signer = [SignerConfig("example.com", "ed1", ed_key)]

    cases: dict[str, tuple[str, Callable[[], object]]] = {
        "verify": (
            f"verify_message ({len(signed_rsa)} B, RSA)",
            lambda: verify_message(signed_rsa, CONTEXT, resolver, NOW, options),
        ),
        "dkim-rsa": ("dkim.verify RSA-2048", lambda: verify(signed_rsa, resolver, NOW)),
        "dkim-ed": ("dkim.verify Ed25519", lambda: verify(signed_ed, resolver, NOW)),
        "sign-ed": ("dkim.sign Ed25519", lambda: sign(raw, ed_signer, NOW)),
        "sign-rsa": ("dkim.sign RSA-2048", lambda: sign(raw, rsa_signer, NOW)),
        "raw-rsa-sign": ("raw RSA-2048 sign", lambda: rsa_private.sign(digest, padding.PKCS1v15(), hashes.SHA256())),
        "raw-rsa-verify": (
            "raw RSA-2048 verify",
            lambda: rsa_public.verify(rsa_sig, digest, padding.PKCS1v15(), hashes.SHA256()),
        ),
        "raw-ed-sign": ("raw Ed25519 sign", lambda: ed_private.sign(digest)),
        "raw-ed-verify": ("raw Ed25519 verify", lambda: ed_public.verify(ed_sig, digest)),
    }
    if args.profile:
        label, fn = cases[args.profile]
        for _ in range(100):
            fn()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.count):
            fn()
        profiler.disable()
        print(f"profile of {args.count} x {label}")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return 0
    print(f"load average {os.getloadavg()[0]:.2f} (1 min), {args.repeat} x {args.count} ops per figure")
    chosen = args.only.split(",") if args.only else list(cases)
    rates = {name: measure(*cases[name], args.count, args.repeat) for name in chosen}
    if "sign-rsa" in rates and "raw-rsa-sign" in rates:
        print(f"RSA sign / raw RSA sign: {rates['sign-rsa'] / rates['raw-rsa-sign']:.2f}")
    print(f"load average {os.getloadavg()[0]:.2f} (1 min)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

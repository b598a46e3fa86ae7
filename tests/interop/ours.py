"""Our engine as the interop tests drive it: sign with toolkit.core.dkim, verify over a Resolver."""

from __future__ import annotations

from toolkit.core.dkim import DkimResult, SignerConfig, sign, verify
from toolkit.core.dns import Resolver
from toolkit.core.message import parse_message

DOMAIN = "example.com"


def our_sign(data: bytes, key, selector: str, canon: str, now: int, **options) -> bytes:
    return sign(data, [SignerConfig(DOMAIN, selector, key, canon=canon, **options)], now)


def our_verify(data: bytes, resolver: Resolver, now: int) -> tuple[DkimResult, ...]:
    return verify(parse_message(data), resolver, now)


def verdicts(results: tuple[DkimResult, ...]) -> list[str]:
    return [r.verdict.value for r in results]


def describe(results: tuple[DkimResult, ...]) -> list[str]:
    return [f"{r.verdict.value}:{r.reason.value if r.reason else ''}" for r in results]

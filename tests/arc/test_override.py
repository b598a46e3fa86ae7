"""Trusted-forwarder override (RFC 8617 §7.2; ARC-5): only a passing chain, only a trusted sealer, only an
aligned pass it recorded; never on by default."""

from __future__ import annotations

import pytest
from arc.chain import MESSAGE, NOW, Hops

from toolkit.core.arc import verify
from toolkit.core.arc.override import is_trusted, trusted_override
from toolkit.core.arc.seal import SealConfig, seal
from toolkit.core.results import Verdict


def _sealed(hops: Hops, results: str, domain: str = "fwd1.example.net", message: bytes = MESSAGE) -> bytes:
    chain = verify(message, hops.resolver(), NOW)
    config = SealConfig(domain, "arc", hops.keys[domain], f"mx.{domain}")
    return b"".join(seal(message, config, results, chain, NOW).fields) + message


@pytest.fixture(scope="module")
def hops() -> Hops:
    return Hops(2)


def _aligned(domain: str) -> bool:
    return domain == "example.com" or domain.endswith(".example.com")


def test_dmarc_pass_recorded_by_a_trusted_sealer(hops):
    message = _sealed(hops, "arc=none; dkim=pass header.d=example.com; dmarc=pass header.from=example.com")
    arc = verify(message, hops.resolver(), NOW)
    found = trusted_override(arc, Verdict.FAIL, "example.com", ["fwd1.example.net"], _aligned)
    assert found is not None and (found.reason, found.sealer, found.instance) == (
        "trusted_forwarder",
        "fwd1.example.net",
        1,
    )
    assert found.comment == "by fwd1.example.net, ARC i=1: dmarc=pass header.from=example.com"


def test_aligned_dkim_pass_is_local_policy(hops):
    message = _sealed(hops, "arc=none; dkim=pass header.d=mail.example.com; dmarc=fail header.from=example.com")
    arc = verify(message, hops.resolver(), NOW)
    found = trusted_override(arc, Verdict.FAIL, "example.com", ["example.net"], _aligned)
    assert (
        found is not None and found.reason == "local_policy" and found.evidence == "dkim=pass header.d=mail.example.com"
    )


@pytest.mark.parametrize(
    ("results", "trusted", "dmarc_verdict"),
    [
        ("dmarc=pass header.from=example.com", [], Verdict.FAIL),  # never on by default
        ("dmarc=pass header.from=example.com", ["fwd2.example.net"], Verdict.FAIL),  # not a trusted sealer
        ("dmarc=pass header.from=example.org", ["fwd1.example.net"], Verdict.FAIL),  # another author domain
        ("dkim=pass header.d=example.org", ["fwd1.example.net"], Verdict.FAIL),  # not aligned
        ("dkim=fail header.d=example.com", ["fwd1.example.net"], Verdict.FAIL),
        ("dmarc=pass header.from=example.com", ["fwd1.example.net"], Verdict.PASS),  # DMARC passed: nothing to override
    ],
)
def test_no_override(hops, results, trusted, dmarc_verdict):
    arc = verify(_sealed(hops, results), hops.resolver(), NOW)
    assert trusted_override(arc, dmarc_verdict, "example.com", trusted, _aligned) is None


def test_a_failed_chain_counts_as_no_chain(hops):
    message = _sealed(hops, "dmarc=pass header.from=example.com") + b"changed\r\n"
    arc = verify(message, hops.resolver(), NOW)
    assert arc.verdict.value == "fail"
    assert trusted_override(arc, Verdict.FAIL, "example.com", ["fwd1.example.net"], _aligned) is None


def test_trust_covers_subdomains_only():
    assert is_trusted("fwd1.example.net", ["example.net"]) and is_trusted("EXAMPLE.NET.", ["example.net"])
    assert not is_trusted("badexample.net", ["example.net"])

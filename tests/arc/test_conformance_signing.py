"""ARC test suite, signing part: 17 scenarios. We reproduce the expected AAR, AMS and AS; RSA b= byte-exact.

The harness does what the suite's runner does: the AAR records the message's Authentication-Results fields with
the scenario's srv-id (merged into one, RFC 8617 §5.1.1), the AMS signs the scenario's sig-headers, t= is fixed.
The chain is verified first by our verifier (STANDARDS ARC-4: cv is the result of ARC-3).
"""

from __future__ import annotations

import pytest
from arc.conformance import ABSENT, SIGNING, load

from toolkit.core.arc import verify
from toolkit.core.arc.seal import SealConfig, SealRefused, seal
from toolkit.core.dkim.keys import load_private_key
from toolkit.core.message import parse_message
from toolkit.core.tags import parse_tag_list

SCENARIOS = load(SIGNING) if SIGNING.exists() else []


def _srv_results(message: bytes, srv_id: str) -> str:
    """The payloads of the A-R fields whose authserv-id is srv_id, joined (the suite's AAR input)."""
    parts = []
    for header in parse_message(message).get_all("authentication-results"):
        authserv_id, _, payload = header.unfolded().partition(";")
        if authserv_id.strip().lower() == srv_id.lower():
            parts.append(payload.strip().rstrip(";").strip())
    return "; ".join(p for p in parts if p)


def _tags(text: str) -> dict[str, str]:
    return {k: "".join(v.split()) for k, v in parse_tag_list("".join(text.split("\n"))).pairs}


@pytest.mark.skipif(not SIGNING.exists(), reason=ABSENT)
def test_suite_size():
    assert len(SCENARIOS) == 17


@pytest.mark.skipif(not SIGNING.exists(), reason=ABSENT)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_signing(scenario):
    test, group = scenario.test, scenario.group_data
    key = load_private_key(group["privatekey"].encode(), "suite")
    config = SealConfig(
        group["domain"], group["sel"], key, test["srv-id"], headers=test["sig-headers"].split(":"), oversign=()
    )
    message = scenario.message
    chain = verify(message, scenario.resolver(), int(test["t"]))
    results = _srv_results(message, test["srv-id"])
    if not (test["AS"] or "").strip():  # the suite expects no new set (a chain that already says cv=fail)
        with pytest.raises(SealRefused):
            seal(message, config, results, chain, int(test["t"]))
        return
    sealed = seal(message, config, results, chain, int(test["t"]))
    arc_seal, ams, aar = (parse_message(field + b"\r\n").headers[0] for field in sealed.fields)
    assert " ".join(aar.unfolded().split()) == " ".join(test["AAR"].split())
    assert _tags(ams.unfolded()) == _tags(test["AMS"])  # b= included: RSA PKCS#1 v1.5 is deterministic
    assert _tags(arc_seal.unfolded()) == _tags(test["AS"])
    # and our verifier reads the sealed message as the seal says: pass, or a chain that says it failed
    again = verify(b"".join(sealed.fields) + message, scenario.resolver(), int(test["t"]))
    assert (again.verdict.value, again.reason) == (("fail", "CHAIN_FAILED") if sealed.cv == "fail" else ("pass", None))

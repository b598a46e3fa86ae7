"""ArcSealHandler: seals after a VerifyHandler, from the Report it left in Envelope.report (never a second
verification); no report, no seal; the sealed message validates (ARC-4)."""

from __future__ import annotations

import asyncio

from arc.chain import MESSAGE, NOW, Hops

from toolkit.core.arc import verify
from toolkit.core.arc.seal import SealConfig
from toolkit.core.message import parse_message
from toolkit.shells.hooks import ArcSealHandler, Envelope, Session, VerifyHandler


def _envelope(raw: bytes) -> Envelope:
    parsed = parse_message(raw)
    envelope = Envelope(mail_from="alice@example.com")
    envelope.headers = [(h.name, h.raw[h.raw.index(b":") + 1 : -2]) for h in parsed.headers]
    envelope.body_chunks = [bytes(parsed.body)]
    return envelope


def test_seals_after_verify_from_the_same_report():
    hops = Hops(1)
    config = SealConfig("fwd1.example.net", "arc", hops.keys["fwd1.example.net"], "mx.fwd1.example.net")
    resolver = hops.resolver()
    session, envelope = Session(client_ip="192.0.2.25", helo="mail.example.com"), _envelope(MESSAGE)
    verify_handler = VerifyHandler(resolver, "mx.fwd1.example.net", clock=lambda: NOW)
    sealer = ArcSealHandler(config, clock=lambda: NOW)

    async def run():
        await verify_handler.end_of_message(session, envelope)
        asked = len(resolver.queries)
        actions = await sealer.end_of_message(session, envelope)
        return actions, len(resolver.queries) - asked

    actions, extra_queries = asyncio.run(run())
    assert extra_queries == 0  # sealing reads the verifier's report: no second verification
    assert [a.name for a in actions] == ["ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results"]
    assert [a.index for a in actions] == [0, 1, 2]
    assert actions[2].value.startswith("i=1; mx.fwd1.example.net; arc=none")
    sealed = "".join(f"{a.name}: {a.value}\r\n" for a in actions).encode() + MESSAGE
    assert verify(sealed, resolver, NOW).verdict.value == "pass"


def test_no_report_no_seal():
    hops = Hops(1)
    config = SealConfig("fwd1.example.net", "arc", hops.keys["fwd1.example.net"], "mx.fwd1.example.net")
    actions = asyncio.run(ArcSealHandler(config).end_of_message(Session(), _envelope(MESSAGE)))
    assert actions == []

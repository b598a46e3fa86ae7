"""Soak: many messages through Postfix and our milter while DNS misbehaves part of the time.

EMLAUTH_SOAK sets the count (CI: 300, by hand: EMLAUTH_SOAK=2000). A resolver wrapper makes a fraction of queries
fail fast (TEMPFAIL: the A-R says temperror, the message is delivered) and a smaller fraction hang past the milter's
time limit (the milter answers tempfail, Postfix says 451, the test client retries later). Every message must end
up delivered exactly once: none lost, none duplicated (unique Message-IDs, files counted). The faults must have
happened (a soak whose DNS never failed proves nothing), and every signature we added must verify, not just exist.
"""

from __future__ import annotations

import collections
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from support.mailworld import AUTHSERV_ID, OUR_IP, OUR_NETWORKS, SENDER_IP, STRANGER_IP, make_message
from support.postfix import smtp_send, start_postfix

from toolkit.core.dkim import verify as dkim_verify
from toolkit.core.dkim.signtable import SigningTable
from toolkit.core.dns import DnsAnswer, DnsStatus
from toolkit.core.message import parse_message
from toolkit.core.results import Verdict
from toolkit.shells.hooks import ChainHandler, SignHandler, VerifyHandler
from toolkit.shells.milter import BackgroundMilter

pytestmark = [pytest.mark.slow, pytest.mark.peers]

COUNT = int(os.environ.get("EMLAUTH_SOAK", "300"))
FAST_FAIL = 0.08  # share of queries answered TEMPFAIL at once
HANG = 0.02  # share of queries that hang past the milter's time limit
HANG_SECONDS = 2.0
MILTER_TIMEOUT = 1.0
MAX_ATTEMPTS = 20


class FlakyResolver:
    """Wraps a resolver; some queries time out quickly, a few hang (deterministic: seeded)."""

    def __init__(self, inner, seed: int = 2026) -> None:
        self.inner = inner
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.counts = collections.Counter()

    def query(self, name: str, rdtype: str) -> DnsAnswer:
        with self.lock:
            roll = self.random.random()
        if roll < HANG:
            self.counts["hang"] += 1
            time.sleep(HANG_SECONDS)
            return DnsAnswer(name, rdtype, DnsStatus.TEMPFAIL, source="flaky", detail="timeout")
        if roll < HANG + FAST_FAIL:
            self.counts["tempfail"] += 1
            return DnsAnswer(name, rdtype, DnsStatus.TEMPFAIL, source="flaky", detail="timeout")
        self.counts["ok"] += 1
        return self.inner.query(name, rdtype)


def test_soak_none_lost_none_duplicated(world, tmp_path):
    resolver = FlakyResolver(world.resolver())
    table = SigningTable.parse(world.write_sign_table(tmp_path).read_text(), base_dir=tmp_path)
    handler = ChainHandler([VerifyHandler(resolver, AUTHSERV_ID), SignHandler(table, internal_hosts=OUR_NETWORKS)])
    kinds = ("signed", "unsigned", "outbound", "signed")
    messages = []
    for i in range(COUNT):
        kind = kinds[i % len(kinds)]
        message_id = f"<soak-{i}@{'example.com' if kind == 'outbound' else 'example.org'}>"
        if kind == "outbound":
            raw = make_message(from_addr="carol@example.com", message_id=message_id)
            envelope = ("carol@example.com", OUR_IP, "relay.example.com")
        else:
            raw = make_message(message_id=message_id)
            if kind == "signed":
                raw = world.sign_as_sender(raw)
            envelope = ("alice@example.org", SENDER_IP if kind == "signed" else STRANGER_IP, "mail.example.org")
        messages.append((message_id, kind, raw, envelope))

    attempts = collections.Counter()
    refusals: list[str] = []

    with BackgroundMilter(handler, timeout=MILTER_TIMEOUT, progress_interval=0.5, workers=32) as milter:
        postfix = start_postfix(milter.address)
        try:
            postfix.start()
            started = time.monotonic()

            def deliver(item) -> None:
                message_id, _, raw, (mail_from, ip, helo) = item
                for attempt in range(1, MAX_ATTEMPTS + 1):
                    attempts[message_id] = attempt
                    code, text = smtp_send(postfix.port, raw, mail_from=mail_from, rcpts=["bob@example.net"],
                                           helo=helo, xclient_addr=ip)  # fmt: skip
                    if code == 250:
                        return
                    if code >= 500 or code == 0:
                        refusals.append(f"{message_id}: {code} {text}")
                        return
                    time.sleep(0.2)  # 4xx: try again, as an MTA would
                refusals.append(f"{message_id}: still tempfailed after {MAX_ATTEMPTS} attempts")

            with ThreadPoolExecutor(8) as pool:
                list(pool.map(deliver, messages))
            files = postfix.wait_for_files(COUNT, timeout=120 + COUNT * 0.2)
            elapsed = time.monotonic() - started
            time.sleep(1.0)  # anything extra (a duplicate) would show up now
            delivered = postfix.delivered()
            assert postfix.queue_is_empty()
        finally:
            postfix.cleanup()

    assert refusals == []
    by_id: dict[str, list[bytes]] = collections.defaultdict(list)
    temperrors = 0
    for data in delivered:
        message = parse_message(data)
        by_id[message.get_first("Message-ID").unfolded()].append(data)
        ars = message.get_all("Authentication-Results")
        assert len(ars) == 1 and ars[0].unfolded().startswith(AUTHSERV_ID + ";")
        temperrors += "temperror" in ars[0].unfolded()
    expected = {m[0] for m in messages}
    assert set(by_id) == expected  # none lost
    assert all(len(v) == 1 for v in by_id.values())  # none duplicated
    assert len(delivered) == len(files) == COUNT
    # every outbound message carries our signature, and it verifies (with sound DNS) as delivered by Postfix
    now = int(time.time())
    for message_id, kind, _, _ in messages:
        if kind == "outbound":
            results = dkim_verify(parse_message(by_id[message_id][0]), world.resolver(), now)
            ours = [r for r in results if r.domain == "example.com"]
            assert [(r.verdict, r.selector) for r in ours] == [(Verdict.PASS, "out")], (message_id, results)
    # the faults happened: quick DNS failures (temperror in A-R) and hangs past the milter's limit (451, retried)
    retried = sum(1 for a in attempts.values() if a > 1)
    assert resolver.counts["tempfail"] > 0 and resolver.counts["hang"] > 0, dict(resolver.counts)
    assert temperrors > 0 and milter.server.stats["timeouts"] > 0 and retried > 0
    print(
        f"\nsoak: {COUNT} messages delivered once each in {elapsed:.1f}s ({COUNT / elapsed:.1f} msg/s); "
        f"{retried} needed retries ({sum(attempts.values()) - COUNT} extra attempts, milter timeouts "
        f"{milter.server.stats['timeouts']}); {temperrors} A-R with temperror; DNS {dict(resolver.counts)}"
    )

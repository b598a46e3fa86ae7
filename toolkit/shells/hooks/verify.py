"""VerifyHandler: SPF, DKIM and DMARC at end of message, our A-R on top and forged ones removed."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Sequence
from typing import Any

from toolkit.core import arheader
from toolkit.core.dns import Resolver
from toolkit.core.results import Verdict
from toolkit.resolvers.in_memory import WouldBlock, in_memory  # no dnspython: the resolvers package is lazy
from toolkit.shells.hooks.api import (
    INLINE_MAX_BYTES,
    Action,
    Envelope,
    Handler,
    Session,
    change_header,
    insert_header,
    quarantine,
    reject,
    run_blocking,
    split_field,
)
from toolkit.shells.peers import address_in, parse_networks


def forged_deletions(headers: Sequence[tuple[str, bytes]], authserv_id: str) -> list[Action]:
    """AR-7: delete (change to empty, by index) every A-R carrying our authserv-id in any form (arheader reads it).

    The index is 1-based among the fields the MTA counts as A-R (its name test is the message model's,
    arheader.is_ar_name). Deletions come before our insert so the indexes still point at the fields as received.
    """
    actions: list[Action] = []
    index = 0
    for name, value in headers:
        if arheader.is_ar_name(name):
            index += 1
            if arheader.carries_id(value, authserv_id):
                actions.append(change_header(arheader.FIELD_NAME, index, ""))
    return actions


class DmarcAction(enum.Enum):
    """What VerifyHandler does with a DMARC fail (DMARC-11: off by default; p=none never changes handling)."""

    NONE = "none"  # report only
    QUARANTINE = "quarantine"  # quarantine p=quarantine and p=reject failures (the 9989 §7.4 reading)
    REJECT = "reject"  # reject p=reject failures, quarantine p=quarantine failures


class VerifyHandler(Handler):
    """SPF, DKIM and DMARC at end of message; our A-R on top (AR-6), forged ones with our id removed (AR-7).

    `sign_hosts`: the networks whose mail is ours to sign (OpenDKIM's InternalHosts, given when a SignHandler
    runs too). Their mail is signed, not verified as inbound mail: verifying it before our signature exists would
    put dmarc=fail from our own host on top of our own signature (issue 13 §5). An unknown client address is
    local submission, as for SignHandler.
    """

    wants = frozenset({"connect", "helo", "mail_from", "header", "body"})

    def __init__(
        self,
        resolver: Resolver,
        authserv_id: str,
        *,
        clock: Callable[[], float] | None = None,
        dmarc_action: DmarcAction = DmarcAction.NONE,
        strip_forged: bool = True,
        checks: tuple[str, ...] | None = None,
        sign_hosts: Sequence[str] | None = None,
    ) -> None:
        self.resolver = resolver
        self.memory = in_memory(resolver)  # answers without the network, or None
        self.authserv_id = authserv_id
        self.clock = clock or time.time
        self.dmarc_action = dmarc_action
        self.strip_forged = strip_forged
        self.checks = checks  # None: every check the session allows (--checks dkim: like OpenDKIM, issue 14)
        self.sign_hosts = None if sign_hosts is None else parse_networks(sign_hosts, "--internal-hosts")

    def verify(
        self, raw: bytes, ip: str | None, helo: str | None, mail_from: str | None, resolver: Resolver | None = None
    ):
        from toolkit.core.verify import ALL_CHECKS, SmtpContext, VerifyOptions, verify_message

        context = SmtpContext(ip=ip, helo=helo, mail_from=mail_from)
        checks = self.checks or ALL_CHECKS
        options = VerifyOptions(authserv_id=self.authserv_id, clock=time.monotonic, checks=checks)
        return verify_message(raw, context, resolver or self.resolver, int(self.clock()), options)

    def verify_from_memory(self, raw: bytes, *smtp: str | None):
        """The report when every DNS answer it needs is in memory (a warm cache, zone files), else None.

        Then there is no thread hop (issue 14: it cost more CPU than verifying a small message); on a cache miss
        the caller verifies again in a thread with the real resolver (see toolkit/resolvers/in_memory.py)."""
        if self.memory is None or len(raw) > INLINE_MAX_BYTES:
            return None
        try:
            return self.verify(raw, *smtp, self.memory)
        except WouldBlock:
            return None

    async def end_of_message(self, session: Session, envelope: Envelope) -> list[Action]:
        if self.is_outbound(session.client_ip):
            return []  # SignHandler's
        raw = envelope.raw_message()
        smtp = (session.client_ip, session.helo, envelope.mail_from)
        report = self.verify_from_memory(raw, *smtp)
        if report is None:
            report = await run_blocking(self.verify, raw, *smtp)
        envelope.report = report
        actions: list[Action] = []
        if self.strip_forged:
            actions.extend(forged_deletions(envelope.headers, self.authserv_id))
        name, value = split_field(report.ar_field)
        actions.append(insert_header(0, name, value))  # AR-6: above every other field
        actions.extend(self.policy_actions(report))
        return actions

    def is_outbound(self, ip: str | None) -> bool:
        return self.sign_hosts is not None and (ip is None or address_in(ip, self.sign_hosts))

    def policy_actions(self, report: Any) -> list[Action]:
        """DMARC-11: act only when configured, only on fail, and never on p=none."""
        dmarc = report.dmarc
        if self.dmarc_action is DmarcAction.NONE or dmarc is None or dmarc.verdict is not Verdict.FAIL:
            return []
        policy = (dmarc.effective_policy or "none").lower()
        if policy == "reject" and self.dmarc_action is DmarcAction.REJECT:
            return [reject(550, f"5.7.1 DMARC policy of {dmarc.from_domain} rejects this message")]
        if policy in ("reject", "quarantine"):
            return [quarantine(f"DMARC fail for {dmarc.from_domain} (p={policy})")]
        return []

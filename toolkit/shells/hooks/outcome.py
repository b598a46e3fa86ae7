"""One log line per message, the same in the milter and the pipeline (issue 13 §5): queue id, client, envelope,
verdicts and what was done.

    queue=4ZxQ client=198.51.100.7 helo=mail.example.org from=<alice@example.org> rcpts=1
        spf=pass dkim=pass dmarc=pass actions=forged-ar-removed,delivered

Every value is client text made printable (no controls, no spaces), so a line stays one line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from toolkit.shells.hooks.api import Action, Envelope, Kind, Session

_RESULT = re.compile(r"(?:^|[;\s])(spf|dkim|dmarc|arc)=([A-Za-z]+)")
_UNSAFE = re.compile(r"[^\x21-\x7e]")


def _safe(text: str | None, limit: int = 80) -> str:
    return _UNSAFE.sub("?", text or "")[:limit] or "-"


def verdicts(actions: Sequence[Action]) -> str:
    """`spf=pass dkim=pass,fail dmarc=pass` from the A-R field the actions insert (nothing when none)."""
    found: dict[str, list[str]] = {}
    for action in actions:
        if action.kind in (Kind.INSERT_HEADER, Kind.ADD_HEADER) and action.name.lower() == "authentication-results":
            for method, result in _RESULT.findall(action.value.split(";", 1)[-1]):
                found.setdefault(method.lower(), []).append(result.lower())
    return " ".join(f"{method}={','.join(results)}" for method, results in found.items())


def done(actions: Sequence[Action], verdict: Action, delivery: str = "") -> str:
    """What happened, in order: signed, sealed, forged-ar-removed, quarantined, then the verdict or delivery."""
    names = {a.name.lower() for a in actions if a.kind in (Kind.INSERT_HEADER, Kind.ADD_HEADER)}
    out = [word for header, word in (("dkim-signature", "signed"), ("arc-seal", "sealed")) if header in names]
    if any(a.kind is Kind.CHANGE_HEADER and not a.value for a in actions):
        out.append("forged-ar-removed")
    if any(a.kind is Kind.QUARANTINE for a in actions):
        out.append("quarantined")
    final = {Kind.REJECT: "rejected", Kind.TEMPFAIL: "tempfailed", Kind.DISCARD: "discarded"}.get(verdict.kind)
    out.append(final or delivery or "accepted")
    return ",".join(out)


def message_line(
    session: Session, envelope: Envelope, actions: Sequence[Action], verdict: Action, delivery: str = ""
) -> str:
    parts = [
        f"queue={_safe(envelope.queue_id)}",
        f"client={_safe(session.client_ip)}",
        f"helo={_safe(session.helo)}",
        f"from=<{_safe(envelope.mail_from, 200) if envelope.mail_from else ''}>",
        f"rcpts={len(envelope.rcpts)}",
    ]
    results = verdicts(actions)
    if results:
        parts.append(results)
    parts.append(f"actions={done(actions, verdict, delivery)}")
    return " ".join(parts)

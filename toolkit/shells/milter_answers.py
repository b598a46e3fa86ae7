"""What the milter answers: the option negotiation, a verdict's packet, a modification's packets, and the timer that
sends progress: pure functions of the handler and the actions (Ticker aside), used by milter_connection.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from toolkit.shells import milter_protocol as mp
from toolkit.shells.hooks import Action, Handler, Kind

OUR_ACTIONS = mp.Action.ADDHDRS | mp.Action.CHGHDRS | mp.Action.CHGBODY | mp.Action.QUARANTINE

# Stages the handler needs the data of but has no hook for: nothing there can answer anything but continue, so
# we ask the MTA not to wait for an answer (SMFIP_NR_*, protocol v6; Postfix >= 2.6). A 10-header message then
# costs 2 round trips instead of 14 (issue 14: the round trips, not the checks, were the milter's time), and 1
# with the body's too: its answer was a third of the milter's send() calls, each of which also runs the loopback
# delivery to Postfix (py-spy: ~30% of the milter's time was in them). A message past max_message_size is then
# answered by the policy at its end of message instead of while it arrives; nothing of it is kept meanwhile.
_NO_REPLY_FLAGS = {
    "connect": mp.Proto.NR_CONN,
    "helo": mp.Proto.NR_HELO,
    "mail_from": mp.Proto.NR_MAIL,
    "rcpt": mp.Proto.NR_RCPT,
    "header": mp.Proto.NR_HDR,
    "end_of_headers": mp.Proto.NR_EOH,
    "body": mp.Proto.NR_BODY,
}

_NO_FLAGS = {
    "connect": mp.Proto.NOCONNECT,
    "helo": mp.Proto.NOHELO,
    "mail_from": mp.Proto.NOMAIL,
    "rcpt": mp.Proto.NORCPT,
    "header": mp.Proto.NOHDRS,
    "end_of_headers": mp.Proto.NOEOH,
    "body": mp.Proto.NOBODY,
}


def answer_offer(handler: Handler, mta: mp.OptNeg) -> tuple[mp.OptNeg, bool, frozenset[str]]:
    """Our OPTNEG answer to the MTA's offer, whether header values keep their leading space, and the stages the
    MTA will not wait for an answer at (SMFIP_NR_*)."""
    if mta.version < 2:
        raise mp.ProtocolError(f"MTA speaks milter protocol {mta.version}, too old")
    wanted = mp.Proto.NOUNKNOWN | mp.Proto.NODATA | mp.Proto.HDR_LEADSPC
    for stage, flag in _NO_FLAGS.items():
        if not handler.needs(stage):
            wanted |= flag
    for stage, flag in _NO_REPLY_FLAGS.items():
        if not handler.implements(stage):
            wanted |= flag
    protocol = wanted & mta.protocol
    no_reply = frozenset(stage for stage, flag in _NO_REPLY_FLAGS.items() if protocol & flag)
    answer = mp.OptNeg(min(mp.PROTOCOL_VERSION, mta.version), OUR_ACTIONS & mta.actions, protocol)
    return answer, bool(protocol & mp.Proto.HDR_LEADSPC), no_reply


def modification_responses(action: Action, leading_space: bool) -> list[mp.Response]:
    """The packets that carry one modification (a verdict is not one: verdict_response)."""

    def wire(value: str) -> str:
        return mp.header_value_to_wire(value, leading_space) if value else ""

    match action.kind:
        case Kind.ADD_HEADER:
            return [mp.AddHeader(action.name, wire(action.value))]
        case Kind.INSERT_HEADER:
            return [mp.InsHeader(action.index, action.name, wire(action.value))]
        case Kind.CHANGE_HEADER:
            return [mp.ChgHeader(action.index, action.name, wire(action.value))]
        case Kind.QUARANTINE:
            return [mp.Quarantine(action.text or "quarantined")]
        case Kind.REPLACE_BODY:
            body = action.body
            step = mp.MAX_BODY_CHUNK
            return [mp.ReplBody(body[i : i + step]) for i in range(0, max(len(body), 1), step)]
    raise ValueError(f"not a modification: {action.kind}")


class Ticker:
    """Calls `tick` every `interval` seconds until cancelled (loop.call_later, re-armed after each call)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, interval: float, tick: Callable[[], None]) -> None:
        self.loop = loop
        self.interval = interval
        self.tick = tick
        self.handle = loop.call_later(interval, self.fire)

    def fire(self) -> None:
        self.tick()
        self.handle = self.loop.call_later(self.interval, self.fire)

    def cancel(self) -> None:
        self.handle.cancel()


def verdict_response(action: Action) -> mp.Response:
    match action.kind:
        case Kind.CONTINUE:
            return mp.Reply(mp.Resp.CONTINUE)
        case Kind.ACCEPT:
            return mp.Reply(mp.Resp.ACCEPT)
        case Kind.DISCARD:
            return mp.Reply(mp.Resp.DISCARD)
        case Kind.REJECT | Kind.TEMPFAIL:
            if action.code:
                return mp.ReplyCode(action.code, action.text)
            return mp.Reply(mp.Resp.REJECT if action.kind is Kind.REJECT else mp.Resp.TEMPFAIL)
    raise ValueError(f"not a verdict: {action.kind}")

"""The hook API: sentinel hooks, actions, chains, applying modifications, VerifyHandler and SignHandler."""

from __future__ import annotations

import asyncio

import pytest
from support.mailworld import AUTHSERV_ID, OUR_IP, OUR_NETWORKS, SENDER_IP, STRANGER_IP, envelope_for, make_message

from toolkit.core import arheader
from toolkit.core.dkim import verify as dkim_verify
from toolkit.core.dkim.signtable import SigningTable
from toolkit.core.message import parse_message
from toolkit.core.results import Verdict
from toolkit.shells import hooks
from toolkit.shells.hooks import (
    CONTINUE,
    ChainHandler,
    DmarcAction,
    Envelope,
    Handler,
    Kind,
    Session,
    SignHandler,
    VerifyHandler,
)


def eom(handler: Handler, session: Session, envelope: Envelope) -> tuple[hooks.Action, ...]:
    return asyncio.run(hooks.call_hook(handler, "end_of_message", session, envelope))


def test_unset_hooks_are_the_sentinel():
    class OnlyRcpt(Handler):
        def rcpt(self, session, envelope, address):
            return None

    handler = OnlyRcpt()
    assert handler.implements("rcpt") and not handler.implements("connect")
    assert Handler.connect is hooks.NOT_SET and repr(hooks.NOT_SET) == "NOT_SET"
    assert asyncio.run(hooks.call_hook(handler, "connect", Session())) == ()


def test_sync_and_async_hooks_and_their_answers():
    class Both(Handler):
        def helo(self, session):
            return hooks.reject(550, "5.7.1 go away")

        async def rcpt(self, session, envelope, address):
            return [hooks.add_header("X-A", "1"), hooks.tempfail()]

    assert asyncio.run(hooks.call_hook(Both(), "helo", Session())) == (hooks.reject(550, "5.7.1 go away"),)
    actions = asyncio.run(hooks.call_hook(Both(), "rcpt", Session(), Envelope(), "x@example.net"))
    assert [a.kind for a in actions] == [Kind.ADD_HEADER, Kind.TEMPFAIL]


def test_actions_are_frozen_and_checked():
    action = hooks.reject()
    with pytest.raises(AttributeError):
        action.code = 250  # type: ignore[misc]
    with pytest.raises(ValueError):
        hooks.reject(451)
    with pytest.raises(ValueError):
        hooks.tempfail(550)
    assert hooks.tempfail().smtp_reply == "451 4.7.1 Try again later"
    assert hooks.quarantine("why").to_json() == {"kind": "quarantine", "text": "why"}
    assert hooks.replace_body(b"abc").to_json() == {"kind": "replace_body", "body_bytes": 3}


def test_decide_splits_modifications_and_verdict():
    mods, verdict = hooks.decide([hooks.add_header("A", "1"), CONTINUE, hooks.discard(), hooks.add_header("B", "2")])
    assert [m.name for m in mods] == ["A"] and verdict.kind is Kind.DISCARD
    assert hooks.decide([])[1] is CONTINUE


def test_chain_stops_at_the_first_refusal_and_merges_needs():
    calls = []

    class Refuser(Handler):
        wants = frozenset({"body"})

        def mail_from(self, session, envelope):
            calls.append("refuser")
            return hooks.reject(550, "5.7.1 no")

    class Later(Handler):
        def mail_from(self, session, envelope):
            calls.append("later")

        def header(self, session, envelope, name, value):
            return None

    chain = ChainHandler([Refuser(), Later()])
    actions = asyncio.run(hooks.call_hook(chain, "mail_from", Session(), Envelope()))
    assert calls == ["refuser"] and actions[-1].kind is Kind.REJECT
    assert chain.needs("body") and chain.needs("header") and not chain.needs("connect")
    assert chain.implements("mail_from") and not chain.implements("rcpt")


def test_apply_modifications_like_an_mta():
    headers = [("Received", b" a"), ("Authentication-Results", b" one"), ("Authentication-Results", b" two")]
    out = hooks.apply_modifications(
        headers,
        b"body\r\n",
        [
            hooks.change_header("Authentication-Results", 2, ""),  # delete the second
            hooks.insert_header(0, "Authentication-Results", "ours;\r\n\tspf=pass"),
            hooks.add_header("X-Last", "z"),
            hooks.change_header("X-Missing", 1, "appended"),
            hooks.replace_body(b"new\r\n"),
        ],
    )
    assert out == (
        b"Authentication-Results: ours;\r\n\tspf=pass\r\nReceived: a\r\nAuthentication-Results: one\r\n"
        b"X-Last: z\r\nX-Missing: appended\r\n\r\nnew\r\n"
    )


def test_envelope_rebuilds_the_exact_bytes_and_finds_the_from_domain():
    raw = make_message(from_addr='"Alice" <alice@Example.ORG>', extra_headers=("X-Folded: a\r\n\tb",))
    envelope = envelope_for(raw)
    assert envelope.raw_message() == raw
    assert envelope.from_domain() == "example.org"
    envelope.headers.append(("From", b" other@example.com"))
    assert envelope.from_domain() is None  # two From fields


def test_authserv_id_parsing():
    assert arheader.authserv_id(b" (comment) MX.Example.NET; spf=pass") == "mx.example.net"
    assert arheader.authserv_id(b" mx.example.net 1; none") == "mx.example.net"
    assert hooks.split_field(b"Name: v1\r\n\tv2\r\n") == ("Name", "v1\r\n\tv2")


def test_verify_handler_inserts_our_ar_on_top_and_removes_forged_ones(world):
    forged = "Authentication-Results: MX.example.net; dkim=pass header.d=example.org"
    foreign = "Authentication-Results: other.example.org; spf=fail"
    raw = world.sign_as_sender(make_message(extra_headers=(foreign, forged)))
    session = Session(client_ip=SENDER_IP, helo="mail.example.org")
    actions = eom(VerifyHandler(world.resolver(), AUTHSERV_ID), session, envelope_for(raw))
    # AR-7: the forged field (the 2nd A-R as received) is deleted; the foreign one stays
    assert actions[0] == hooks.change_header("Authentication-Results", 2, "")
    # AR-6: ours goes to index 0
    ours = actions[1]
    assert ours.kind is Kind.INSERT_HEADER and ours.index == 0 and ours.name == "Authentication-Results"
    assert ours.value.startswith(AUTHSERV_ID + ";")
    for piece in ("spf=pass smtp.mailfrom=example.org", "dkim=pass header.d=example.org", "dmarc=pass"):
        assert piece in ours.value.replace("\r\n\t", " ")
    assert len(actions) == 2


def test_dmarc_failure_is_reported_not_acted_on_by_default(world):
    raw = make_message()  # unsigned, from a stranger IP: SPF fail, DMARC fail under p=reject
    session = Session(client_ip=STRANGER_IP, helo="mail.example.org")
    actions = eom(VerifyHandler(world.resolver(), AUTHSERV_ID), session, envelope_for(raw))
    assert [a.kind for a in actions] == [Kind.INSERT_HEADER]  # DMARC-11: off by default
    assert "dmarc=fail" in actions[0].value


@pytest.mark.parametrize(
    ("mode", "from_addr", "expected"),
    [
        (DmarcAction.REJECT, "alice@example.org", Kind.REJECT),  # p=reject
        (DmarcAction.QUARANTINE, "alice@example.org", Kind.QUARANTINE),  # p=reject read as quarantine
        (DmarcAction.REJECT, "carol@example.com", Kind.QUARANTINE),  # p=quarantine
    ],
)
def test_dmarc_action_when_configured(world, mode, from_addr, expected):
    session = Session(client_ip=STRANGER_IP, helo="mail.example.org")
    handler = VerifyHandler(world.resolver(), AUTHSERV_ID, dmarc_action=mode)
    actions = eom(handler, session, envelope_for(make_message(from_addr=from_addr), mail_from=from_addr))
    assert actions[-1].kind is expected
    if expected is Kind.REJECT:
        assert actions[-1].code == 550


def test_dmarc_pass_is_never_acted_on(world):
    raw = world.sign_as_sender(make_message())
    handler = VerifyHandler(world.resolver(), AUTHSERV_ID, dmarc_action=DmarcAction.REJECT)
    actions = eom(handler, Session(client_ip=SENDER_IP, helo="mail.example.org"), envelope_for(raw))
    assert [a.kind for a in actions] == [Kind.INSERT_HEADER]


def test_dns_outage_gives_temperror_not_a_rejection(world):
    world_dns = world.dns()
    outage = {name: {"*": "TIMEOUT"} for name in world_dns}
    from toolkit.resolvers.memory import MemoryResolver

    handler = VerifyHandler(MemoryResolver(outage), AUTHSERV_ID, dmarc_action=DmarcAction.REJECT)
    raw = world.sign_as_sender(make_message())
    actions = eom(handler, Session(client_ip=SENDER_IP, helo="mail.example.org"), envelope_for(raw))
    assert [a.kind for a in actions] == [Kind.INSERT_HEADER]
    text = actions[0].value.replace("\r\n\t", " ")
    assert "spf=temperror" in text and "dkim=temperror" in text and "dmarc=temperror" in text


def test_sign_handler_signs_our_domain_only(world, tmp_path):
    table_path = world.write_sign_table(tmp_path)
    table = SigningTable.parse(table_path.read_text(), base_dir=tmp_path)
    handler = SignHandler(table, clock=lambda: 1_795_000_000.0, internal_hosts=["192.0.2.0/24"])
    raw = make_message(from_addr="carol@example.com")
    envelope = envelope_for(raw, mail_from="carol@example.com")
    actions = eom(handler, Session(client_ip=OUR_IP), envelope)
    assert len(actions) == 1 and actions[0].kind is Kind.INSERT_HEADER and actions[0].index == 0
    assert actions[0].name == "DKIM-Signature" and "t=1795000000" in actions[0].value
    signed = hooks.apply_modifications(envelope.headers, envelope.body, actions)
    (result,) = dkim_verify(parse_message(signed), world.resolver(), 1_795_000_100)
    assert result.verdict is Verdict.PASS and result.domain == "example.com"
    assert eom(handler, Session(), envelope_for(make_message())) == ()  # example.org is not ours


def test_sign_handler_reports_a_missing_key_file(tmp_path):
    from toolkit.core.errors import KeyFileError

    table = SigningTable.parse("example.com d=example.com s1 missing.pem\n", base_dir=tmp_path)
    with pytest.raises(KeyFileError, match="missing.pem"):
        SignHandler(table)


def test_verify_then_sign_chain(world, tmp_path):
    table = SigningTable.parse(world.write_sign_table(tmp_path).read_text(), base_dir=tmp_path)
    chain = ChainHandler(
        [VerifyHandler(world.resolver(), AUTHSERV_ID), SignHandler(table, internal_hosts=OUR_NETWORKS)]
    )
    raw = make_message(from_addr="carol@example.com")
    envelope = envelope_for(raw, mail_from="carol@example.com")
    actions = eom(chain, Session(client_ip=OUR_IP, helo="relay.example.com"), envelope)
    assert [a.name for a in actions] == ["Authentication-Results", "DKIM-Signature"]
    out = parse_message(hooks.apply_modifications(envelope.headers, envelope.body, actions))
    assert [h.name for h in out.headers[:2]] == ["DKIM-Signature", "Authentication-Results"]


def test_sign_handler_never_signs_for_outside_clients(world, tmp_path):
    # a remote sender forging our From domain must not get our signature (OpenDKIM's InternalHosts idea)
    table = SigningTable.parse(world.write_sign_table(tmp_path).read_text(), base_dir=tmp_path)
    raw = make_message(from_addr="carol@example.com")
    default = SignHandler(table)  # loopback only
    assert eom(default, Session(client_ip=STRANGER_IP), envelope_for(raw)) == ()
    assert eom(default, Session(client_ip=OUR_IP), envelope_for(raw)) == ()
    assert len(eom(default, Session(client_ip="127.0.0.1"), envelope_for(raw))) == 1
    assert len(eom(default, Session(client_ip=None), envelope_for(raw))) == 1  # local submission
    ours = SignHandler(table, internal_hosts=OUR_NETWORKS)
    assert ours.is_internal("::ffff:192.0.2.25") and not ours.is_internal("not an ip")
    assert len(eom(SignHandler(table, internal_hosts=None), Session(client_ip=STRANGER_IP), envelope_for(raw))) == 1
    with pytest.raises(ValueError):
        SignHandler(table, internal_hosts=["192.0.2.0/33"])

"""Our milter over a real socket, driven by the test MTA client (tests/support/milter_client.py)."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from support.mailworld import AUTHSERV_ID, OUR_IP, OUR_NETWORKS, SENDER_IP, STRANGER_IP, make_message
from support.milter_client import ALL_PROTOCOL, MilterClient

from toolkit.core.dkim import verify as dkim_verify
from toolkit.core.dkim.signtable import SigningTable
from toolkit.core.message import parse_message
from toolkit.core.results import Verdict
from toolkit.shells import hooks
from toolkit.shells import milter_protocol as mp
from toolkit.shells.common import UsageError
from toolkit.shells.hooks import ChainHandler, DmarcAction, Handler, SignHandler, VerifyHandler
from toolkit.shells.milter import BackgroundMilter, ListenSpec, parse_listen


@pytest.fixture
def verify_milter(world):
    with BackgroundMilter(VerifyHandler(world.resolver(), AUTHSERV_ID)) as milter:
        yield milter


def client_for(milter: BackgroundMilter) -> MilterClient:
    return MilterClient((milter.host, milter.port))


def test_negotiation_asks_only_for_needed_stages(verify_milter):
    with client_for(verify_milter) as client:
        reply = client.negotiate()
        assert reply.version == 6
        assert reply.actions == mp.Action.ADDHDRS | mp.Action.CHGHDRS | mp.Action.CHGBODY | mp.Action.QUARANTINE
        # VerifyHandler needs connect, helo, mail, headers, body; not rcpt, EOH, DATA, unknown commands
        for flag in (mp.Proto.NORCPT, mp.Proto.NOEOH, mp.Proto.NODATA, mp.Proto.NOUNKNOWN, mp.Proto.HDR_LEADSPC):
            assert reply.protocol & flag
        for flag in (mp.Proto.NOCONNECT, mp.Proto.NOHELO, mp.Proto.NOMAIL, mp.Proto.NOHDRS, mp.Proto.NOBODY):
            assert not reply.protocol & flag


def test_negotiation_never_asks_for_what_the_mta_did_not_offer(verify_milter):
    with client_for(verify_milter) as client:
        reply = client.negotiate(actions=mp.Action.ADDHDRS, protocol=mp.Proto.NORCPT)
        assert reply.actions == mp.Action.ADDHDRS and reply.protocol == mp.Proto.NORCPT
        assert not client.leading_space


@pytest.mark.parametrize("leading_space", [True, False])
def test_signed_message_gets_our_ar_on_top(world, verify_milter, leading_space):
    forged = "Authentication-Results: mx.example.net; dkim=pass header.d=example.org"
    raw = world.sign_as_sender(make_message(extra_headers=(forged,), subject="Folded\r\n subject"))
    with client_for(verify_milter) as client:
        protocol = client_protocol(leading_space)
        client.negotiate(protocol=protocol)
        assert client.connect(ip=SENDER_IP).code == b"c"
        outcome = client.transaction(raw, "alice@example.org", ["bob@example.net"])
        assert outcome.code == b"c"
        kinds = [type(m) for m in outcome.modifications]
        assert kinds == [mp.ChgHeader, mp.InsHeader]
        assert outcome.modifications[0] == mp.ChgHeader(1, "Authentication-Results", "")
        ins = outcome.modifications[1]
        assert ins.index == 0 and ins.name == "Authentication-Results"
        assert ins.value.startswith(" mx.example.net;" if leading_space else "mx.example.net;")
        assert "\r" not in ins.value  # LF folding on the wire, like libmilter
        delivered = parse_message(outcome.apply(raw))
        top = delivered.headers[0].unfolded()
        assert "dkim=pass header.d=example.org" in top and "dmarc=pass" in top and "spf=pass" in top
        assert len(delivered.get_all("Authentication-Results")) == 1
        client.quit()


def client_protocol(leading_space: bool) -> mp.Proto:
    protocol = mp.Proto(0x1FFFFF)
    return protocol if leading_space else protocol & ~mp.Proto.HDR_LEADSPC


def test_several_transactions_on_one_connection_and_abort(world, verify_milter):
    with client_for(verify_milter) as client:
        client.negotiate()
        client.connect(ip=STRANGER_IP)
        first = client.transaction(make_message(), "alice@example.org", ["bob@example.net"])
        assert "spf=fail" in first.modifications[-1].value
        client.send(mp.Mail(("<alice@example.org>",)))
        assert client.until_final().code == b"c"
        client.abort()  # no reply expected; the next transaction starts clean
        raw = world.sign_as_sender(make_message())
        second = client.transaction(raw, "alice@example.org", ["bob@example.net"], helo=None)
        assert "dkim=pass" in second.modifications[-1].value and "spf=fail" in second.modifications[-1].value
        client.quit()
    assert verify_milter.server.stats["messages"] == 2


def test_quit_nc_starts_a_new_session_on_the_same_socket(world):
    seen = []

    class Recorder(Handler):
        def connect(self, session):
            seen.append(("connect", session.client_ip))

        def close(self, session):
            seen.append(("close", session.client_ip))

    with BackgroundMilter(Recorder()) as milter, client_for(milter) as client:
        client.negotiate()
        client.connect(ip="192.0.2.1")
        client.send(mp.Simple(mp.Cmd.QUIT_NC))
        client.connect(ip="2001:db8::7")
        client.quit()
        deadline = time.time() + 5
        while len(seen) < 4 and time.time() < deadline:
            time.sleep(0.02)
    assert seen == [
        ("connect", "192.0.2.1"),
        ("close", "192.0.2.1"),
        ("connect", "2001:db8::7"),
        ("close", "2001:db8::7"),
    ]


def test_dmarc_reject_when_configured(world):
    handler = VerifyHandler(world.resolver(), AUTHSERV_ID, dmarc_action=DmarcAction.REJECT)
    with BackgroundMilter(handler) as milter, client_for(milter) as client:
        client.negotiate()
        client.connect(ip=STRANGER_IP)
        outcome = client.transaction(make_message(), "alice@example.org", ["bob@example.net"])
        assert outcome.final == mp.ReplyCode(550, "5.7.1 DMARC policy of example.org rejects this message")


def test_quarantine_request(world):
    handler = VerifyHandler(world.resolver(), AUTHSERV_ID, dmarc_action=DmarcAction.QUARANTINE)
    with BackgroundMilter(handler) as milter, client_for(milter) as client:
        client.negotiate()
        client.connect(ip=STRANGER_IP)
        outcome = client.transaction(make_message(), "alice@example.org", ["bob@example.net"])
        assert outcome.code == b"c"
        assert isinstance(outcome.modifications[-1], mp.Quarantine)
        assert "DMARC fail for example.org" in outcome.modifications[-1].reason


def test_sign_and_verify_chain(world, tmp_path):
    table = SigningTable.parse(world.write_sign_table(tmp_path).read_text(), base_dir=tmp_path)
    chain = ChainHandler(
        [VerifyHandler(world.resolver(), AUTHSERV_ID), SignHandler(table, internal_hosts=OUR_NETWORKS)]
    )
    raw = make_message(from_addr="carol@example.com", body="a body\r\n" * 20000)  # 160 kB: several BODY chunks
    with BackgroundMilter(chain) as milter, client_for(milter) as client:
        client.negotiate()
        client.connect(ip=OUR_IP, hostname="relay.example.com")
        outcome = client.transaction(raw, "carol@example.com", ["dave@example.net"], helo="relay.example.com")
    assert [m.name for m in outcome.modifications] == ["Authentication-Results", "DKIM-Signature"]
    signed = parse_message(outcome.apply(raw))
    results = dkim_verify(signed, world.resolver(), int(time.time()))
    assert [r.verdict for r in results] == [Verdict.PASS]


class Exploding(Handler):
    def end_of_message(self, session, envelope):
        raise RuntimeError("boom")


class Slow(Handler):
    async def end_of_message(self, session, envelope):
        await asyncio.sleep(1.0)
        return [hooks.add_header("X-Slow", "done")]


@pytest.mark.parametrize(("on_error", "expected"), [("tempfail", b"y"), ("accept", b"a")])
def test_internal_error_answers_per_policy_without_modifications(on_error, expected):
    with BackgroundMilter(Exploding(), on_error=on_error) as milter, client_for(milter) as client:
        client.negotiate()
        outcome = client.transaction(make_message(), "alice@example.org", ["bob@example.net"])
        assert outcome.code == expected and outcome.modifications == []
        if on_error == "tempfail":
            assert outcome.final.code == 451
        # the connection survives: the next message is handled too
        again = client.transaction(make_message(), "alice@example.org", ["bob@example.net"])
        assert again.code == expected
        assert milter.server.stats["errors"] == 2


def test_slow_hook_sends_progress_then_its_answer():
    with BackgroundMilter(Slow(), progress_interval=0.2) as milter, client_for(milter) as client:
        client.negotiate()
        outcome = client.transaction(make_message(), "alice@example.org", ["bob@example.net"])
        assert outcome.progress >= 1
        assert outcome.modifications == [mp.AddHeader("X-Slow", " done")]


def test_timeout_answers_per_policy():
    with BackgroundMilter(Slow(), timeout=0.3, progress_interval=0.1) as milter, client_for(milter) as client:
        client.negotiate()
        outcome = client.transaction(make_message(), "alice@example.org", ["bob@example.net"])
        assert outcome.final == mp.ReplyCode(451, "4.7.1 Temporary authentication failure")
        assert outcome.modifications == []
        assert milter.server.stats["timeouts"] == 1


def test_refusals_at_early_stages():
    class Picky(Handler):
        def connect(self, session):
            if session.client_ip == STRANGER_IP:
                return hooks.reject(554, "5.7.1 not you")

        def rcpt(self, session, envelope, address):
            if address.startswith("nobody@"):
                return hooks.tempfail(450, "4.2.1 mailbox busy")

    with BackgroundMilter(Picky()) as milter:
        with client_for(milter) as client:
            client.negotiate()
            assert client.connect(ip=STRANGER_IP).final == mp.ReplyCode(554, "5.7.1 not you")
        with client_for(milter) as client:
            client.negotiate()
            assert client.connect(ip=SENDER_IP).code == b"c"
            outcome = client.transaction(make_message(), "alice@example.org", ["nobody@example.net"], helo=None)
            assert outcome.final == mp.ReplyCode(450, "4.2.1 mailbox busy")


def test_unknown_and_data_commands_get_continue(verify_milter):
    with client_for(verify_milter) as client:
        client.negotiate(protocol=mp.Proto.NONE)  # an MTA that cannot skip anything
        assert client.command(mp.Unknown(b"XYZZY")).code == b"c"
        assert client.command(mp.Simple(mp.Cmd.DATA)).code == b"c"
        assert client.command(mp.Simple(mp.Cmd.EOH)).code == b"c"


def test_protocol_error_closes_the_connection_only(verify_milter):
    with client_for(verify_milter) as client:
        client.send_raw(b"\x00\x00\x00\x01Z")  # unknown command
        assert client.closed_by_peer()
    with client_for(verify_milter) as client:  # the server still serves others
        assert client.negotiate().version == 6


def test_unix_socket(world, tmp_path):
    path = str(tmp_path / "milter.sock")
    with BackgroundMilter(VerifyHandler(world.resolver(), AUTHSERV_ID), listen=f"unix:{path}") as milter:
        assert milter.address == f"unix:{path}"
        with MilterClient(path) as client:
            client.negotiate()
            client.connect(ip=SENDER_IP)
            outcome = client.transaction(world.sign_as_sender(make_message()), "alice@example.org", ["b@example.net"])
            assert "dkim=pass" in outcome.modifications[-1].value


def test_many_simultaneous_connections(world):
    handler = VerifyHandler(world.resolver(), AUTHSERV_ID)
    raw = world.sign_as_sender(make_message())
    started = threading.Barrier(20)

    def one(i: int) -> str:
        with client_for(milter) as client:
            client.negotiate()
            client.connect(ip=SENDER_IP)
            started.wait(timeout=10)  # all connections open at once
            outcome = client.transaction(raw, "alice@example.org", [f"u{i}@example.net"])
            client.quit()
            return outcome.modifications[-1].value

    with BackgroundMilter(handler) as milter, ThreadPoolExecutor(20) as pool:
        values = list(pool.map(one, range(20)))
    assert all("dkim=pass" in v for v in values) and len(values) == 20


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("inet:127.0.0.1:8891", ListenSpec("inet", "127.0.0.1", 8891)),
        ("inet:8891@127.0.0.1", ListenSpec("inet", "127.0.0.1", 8891)),
        ("inet6:[::1]:8891", ListenSpec("inet", "::1", 8891)),
        ("unix:/run/emlauth.sock", ListenSpec("unix", path="/run/emlauth.sock")),
        ("local:/run/emlauth.sock", ListenSpec("unix", path="/run/emlauth.sock")),
    ],
)
def test_parse_listen(text, spec):
    assert parse_listen(text) == spec


@pytest.mark.parametrize("text", ["8891", "tcp:1.2.3.4:1", "inet:127.0.0.1:99999", "inet:127.0.0.1:x", "unix:"])
def test_parse_listen_errors(text):
    with pytest.raises(UsageError):
        parse_listen(text)


class ContentWatcher(Handler):
    """Records header/EOH/body hooks; refuses messages with an X-Spam header at the header stage."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def header(self, session, envelope, name, raw):
        self.seen.append(f"header:{name}:{raw!r}")
        if name.lower() == "x-spam":
            return hooks.reject(554, "5.7.1 spam header")

    def end_of_headers(self, session, envelope):
        self.seen.append("eoh")

    def body(self, session, envelope, chunk):
        self.seen.append(f"body:{len(chunk)}")


def test_header_eoh_and_body_hooks():
    watcher = ContentWatcher()
    with BackgroundMilter(watcher) as milter, client_for(milter) as client:
        reply = client.negotiate()
        assert not reply.protocol & (mp.Proto.NOHDRS | mp.Proto.NOEOH | mp.Proto.NOBODY)
        assert reply.protocol & mp.Proto.NOCONNECT and reply.protocol & mp.Proto.NOHELO  # not needed: skipped
        outcome = client.transaction(make_message(subject="a\r\n\tb"), "alice@example.org", ["bob@example.net"])
        assert outcome.code == b"c"
        assert "header:Subject:b' a\\r\\n\\tb'" in watcher.seen  # raw value: leading space and CRLF folding
        body_length = len(b"Hi Bob,\r\n\r\nJust testing.\r\n")
        assert watcher.seen[-2:] == ["eoh", f"body:{body_length}"]
        spam = make_message(extra_headers=("X-Spam: yes",))
        assert client.transaction(spam, "alice@example.org", ["bob@example.net"]).final == mp.ReplyCode(
            554, "5.7.1 spam header"
        )


def test_an_answer_that_cannot_be_encoded_falls_back_to_the_error_policy():
    class BadHeader(Handler):
        def end_of_message(self, session, envelope):
            return [hooks.add_header("X-Bad", "nul\0inside")]  # NUL cannot travel in a milter string

    with BackgroundMilter(BadHeader()) as milter, client_for(milter) as client:
        client.negotiate()
        outcome = client.transaction(make_message(), "alice@example.org", ["bob@example.net"])
        assert outcome.final == mp.ReplyCode(451, "4.7.1 Temporary authentication failure")
        assert outcome.modifications == []


def test_packets_sent_while_a_hook_runs_wait_their_turn_and_reading_pauses_past_a_mebibyte():
    """While end_of_message runs, the MTA may already send the next transaction: its packets wait in the buffer
    (answered in order, after the hook's answer), and past PAUSE_ABOVE bytes the milter stops reading until the
    hook is done, so a peer cannot fill its memory meanwhile."""
    from toolkit.shells import milter_connection

    class SlowOnce(Handler):
        calls = 0

        async def end_of_message(self, session, envelope):
            SlowOnce.calls += 1
            if SlowOnce.calls == 1:
                await asyncio.sleep(0.5)
            return [hooks.add_header("X-Seen", str(SlowOnce.calls))]

    big_value = b"x" * 60_000
    with BackgroundMilter(SlowOnce()) as milter, client_for(milter) as client:
        client.negotiate(protocol=ALL_PROTOCOL)  # as Postfix: no answer expected at the header stage
        client.send(mp.Mail(("<alice@example.org>",)))
        client.send(mp.EndOfMessage())  # the slow one
        for _ in range(30):  # 1.8 MB of the next message before the answer comes
            client.send(mp.Header(b"X-Filler", big_value))
        client.send(mp.EndOfMessage())
        first, second = client.until_final(), client.until_final()
        assert first.code == b"c" and first.modifications[0].value.strip() == "1"
        assert second.code == b"c" and second.modifications[0].value.strip() == "2"
        client.quit()
    assert milter.server.stats["paused"] == 1 and 30 * len(big_value) > milter_connection.PAUSE_ABOVE

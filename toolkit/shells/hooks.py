"""Milter-style hook API shared by the milter (milter.py) and the embedded SMTP pipeline (smtp.py).

A `Handler` implements any of the stage hooks below; a hook left at the `NOT_SET` sentinel is a stage the handler
does not need, which lets the milter tell the MTA to skip it (SMFIP_NO* flags). `wants` names stages whose data a
handler needs without hooking them (VerifyHandler reads the connect/HELO/MAIL data at end of message).

    connect(session)                       helo(session)
    mail_from(session, envelope)           rcpt(session, envelope, address)
    header(session, envelope, name, raw)   end_of_headers(session, envelope)
    body(session, envelope, chunk)         end_of_message(session, envelope)
    abort(session, envelope)               close(session)

Hooks may be plain functions or coroutines and return None (continue), one `Action` or a sequence of them.
Modifications (headers, body, quarantine) are collected; the first verdict (accept, reject, tempfail, discard)
ends the stage. State lives in `Session` (per connection) and `Envelope` (per transaction), never in handlers,
so one handler serves every connection. CPU work (verify, sign) runs off the event loop in an executor.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import ipaddress
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import getaddresses
from typing import Any

from toolkit.core.dns import Resolver


class _NotSet:
    """The sentinel for a hook a handler does not implement (aiosmtpd's MISSING idea)."""

    def __repr__(self) -> str:
        return "NOT_SET"


NOT_SET: Any = _NotSet()

STAGES = (
    "connect",
    "helo",
    "mail_from",
    "rcpt",
    "header",
    "end_of_headers",
    "body",
    "end_of_message",
    "abort",
    "close",
)


class Kind(enum.Enum):
    CONTINUE = "continue"
    ACCEPT = "accept"
    REJECT = "reject"
    TEMPFAIL = "tempfail"
    DISCARD = "discard"
    QUARANTINE = "quarantine"
    ADD_HEADER = "add_header"
    INSERT_HEADER = "insert_header"
    CHANGE_HEADER = "change_header"
    REPLACE_BODY = "replace_body"


VERDICTS = frozenset({Kind.CONTINUE, Kind.ACCEPT, Kind.REJECT, Kind.TEMPFAIL, Kind.DISCARD})


@dataclass(frozen=True, slots=True)
class Action:
    """One thing a hook asks for. Header values use CRLF folding and carry no leading space after the colon."""

    kind: Kind
    code: int = 0
    text: str = ""
    name: str = ""
    value: str = ""
    index: int = 0
    body: bytes = b""

    @property
    def is_verdict(self) -> bool:
        return self.kind in VERDICTS

    @property
    def smtp_reply(self) -> str:
        return f"{self.code} {self.text}".rstrip()

    def to_json(self) -> dict:
        out: dict[str, Any] = {"kind": self.kind.value}
        for key in ("code", "text", "name", "value", "index"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.body:
            out["body_bytes"] = len(self.body)
        return out


CONTINUE = Action(Kind.CONTINUE)
ACCEPT = Action(Kind.ACCEPT)
DISCARD = Action(Kind.DISCARD)


def continue_() -> Action:
    return CONTINUE


def accept() -> Action:
    return ACCEPT


def discard() -> Action:
    return DISCARD


def reject(code: int = 550, text: str = "5.7.1 Message rejected") -> Action:
    if not 500 <= code <= 599:
        raise ValueError("a reject needs a 5xx code")
    return Action(Kind.REJECT, code=code, text=text)


def tempfail(code: int = 451, text: str = "4.7.1 Try again later") -> Action:
    if not 400 <= code <= 499:
        raise ValueError("a tempfail needs a 4xx code")
    return Action(Kind.TEMPFAIL, code=code, text=text)


def quarantine(reason: str) -> Action:
    return Action(Kind.QUARANTINE, text=reason)


def add_header(name: str, value: str) -> Action:
    return Action(Kind.ADD_HEADER, name=name, value=value)


def insert_header(index: int, name: str, value: str) -> Action:
    return Action(Kind.INSERT_HEADER, name=name, value=value, index=index)


def change_header(name: str, index: int, value: str) -> Action:
    """Replace the index-th (1-based) field called `name`; an empty value deletes it."""
    return Action(Kind.CHANGE_HEADER, name=name, value=value, index=index)


def replace_body(body: bytes) -> Action:
    return Action(Kind.REPLACE_BODY, body=body)


# ---------------------------------------------------------------- session and envelope


@dataclass(slots=True)
class Envelope:
    """One SMTP transaction: MAIL FROM to end of DATA."""

    mail_from: str | None = None  # "" is the null reverse-path
    mail_args: tuple[str, ...] = ()
    rcpts: list[str] = field(default_factory=list)
    headers: list[tuple[str, bytes]] = field(default_factory=list)  # (name, raw value after the colon, CRLF folding)
    body_chunks: list[bytes] = field(default_factory=list)
    macros: dict[str, str] = field(default_factory=dict)
    queue_id: str = ""

    @property
    def body(self) -> bytes:
        return b"".join(self.body_chunks)

    def raw_message(self) -> bytes:
        """The message rebuilt from the fields as received plus the body (what DKIM hashes)."""
        head = b"".join(
            name.encode("utf-8", "surrogateescape") + b":" + value + b"\r\n" for name, value in self.headers
        )
        return head + b"\r\n" + self.body

    def header_values(self, name: str) -> list[bytes]:
        lname = name.lower()
        return [value for n, value in self.headers if n.lower() == lname]

    def from_domain(self) -> str | None:
        """The RFC 5322.From domain when there is exactly one From field with one address."""
        values = self.header_values("From")
        if len(values) != 1:
            return None
        text = values[0].replace(b"\r\n", b"").decode("utf-8", "replace")
        addresses = [a for _, a in getaddresses([text]) if a]
        if len(addresses) != 1 or "@" not in addresses[0]:
            return None
        return addresses[0].rpartition("@")[2].strip().rstrip(".").lower() or None


def _field_bytes(name: str, value: bytes) -> bytes:
    return name.encode("utf-8", "surrogateescape") + b":" + value + b"\r\n"


@dataclass(slots=True)
class Session:
    """One client connection (the MTA's view of the remote SMTP client)."""

    client_ip: str | None = None
    client_name: str = ""
    client_port: int = 0
    helo: str | None = None
    macros: dict[str, str] = field(default_factory=dict)  # connection-level macros (j, {daemon_name}, ...)
    envelope: Envelope = field(default_factory=Envelope)
    transactions: int = 0  # finished transactions on this connection

    def new_envelope(self) -> Envelope:
        self.envelope = Envelope()
        return self.envelope


# ---------------------------------------------------------------- handlers


class Handler:
    """Base class: every hook is NOT_SET. Subclasses define the hooks they need (plain or async)."""

    connect = NOT_SET
    helo = NOT_SET
    mail_from = NOT_SET
    rcpt = NOT_SET
    header = NOT_SET
    end_of_headers = NOT_SET
    body = NOT_SET
    end_of_message = NOT_SET
    abort = NOT_SET
    close = NOT_SET

    wants: frozenset[str] = frozenset()  # stages whose data is needed even without a hook

    def implements(self, stage: str) -> bool:
        return getattr(self, stage, NOT_SET) is not NOT_SET

    def needs(self, stage: str) -> bool:
        return self.implements(stage) or stage in self.wants


async def call_hook(handler: Handler, stage: str, *args: Any) -> tuple[Action, ...]:
    """Run one hook (sync or async) and normalise its answer to a tuple of actions."""
    hook = getattr(handler, stage, NOT_SET)
    if hook is NOT_SET:
        return ()
    result = hook(*args)
    if inspect.isawaitable(result):
        result = await result
    return normalise(result)


def normalise(result: Action | Sequence[Action] | None) -> tuple[Action, ...]:
    if result is None:
        return ()
    if isinstance(result, Action):
        return (result,)
    return tuple(result)


def decide(actions: Sequence[Action]) -> tuple[tuple[Action, ...], Action]:
    """Split into (modifications before the verdict, verdict). No verdict means continue."""
    modifications: list[Action] = []
    for action in actions:
        if action.is_verdict:
            if action.kind is Kind.CONTINUE:
                continue
            return tuple(modifications), action
        modifications.append(action)
    return tuple(modifications), CONTINUE


class ChainHandler(Handler):
    """Runs handlers in order at every stage; a verdict other than continue stops the chain for that stage."""

    def __init__(self, handlers: Sequence[Handler]) -> None:
        self.handlers = tuple(handlers)
        self.wants = frozenset(s for h in self.handlers for s in STAGES if h.needs(s))
        for stage in STAGES:
            if any(h.implements(stage) for h in self.handlers):
                setattr(self, stage, self._stage_runner(stage))

    def _stage_runner(self, stage: str) -> Callable[..., Any]:
        async def run(*args: Any) -> tuple[Action, ...]:
            collected: list[Action] = []
            for handler in self.handlers:
                actions = await call_hook(handler, stage, *args)
                collected.extend(actions)
                if any(a.is_verdict and a.kind is not Kind.CONTINUE for a in actions):
                    break
            return tuple(collected)

        return run


# ---------------------------------------------------------------- applying modifications (pipeline side)


def apply_modifications(headers: Sequence[tuple[str, bytes]], body: bytes, actions: Sequence[Action]) -> bytes:
    """The message after the modifications, with the same semantics an MTA gives the milter requests."""
    fields = list(headers)
    for action in actions:
        value = b" " + action.value.encode("utf-8", "surrogateescape")
        if action.kind is Kind.ADD_HEADER:
            fields.append((action.name, value))
        elif action.kind is Kind.INSERT_HEADER:
            fields.insert(max(0, min(action.index, len(fields))), (action.name, value))
        elif action.kind is Kind.CHANGE_HEADER:
            positions = [i for i, (n, _) in enumerate(fields) if n.lower() == action.name.lower()]
            if 1 <= action.index <= len(positions):
                pos = positions[action.index - 1]
                if action.value:
                    fields[pos] = (fields[pos][0], value)
                else:
                    del fields[pos]
            elif action.value:
                fields.append((action.name, value))  # what Sendmail and Postfix do for a missing instance
        elif action.kind is Kind.REPLACE_BODY:
            body = action.body
    head = b"".join(n.encode("utf-8", "surrogateescape") + b":" + v + b"\r\n" for n, v in fields)
    return head + b"\r\n" + body


# ---------------------------------------------------------------- ready-made handlers

_AUTHSERV_ID = re.compile(rb"^\s*(?:\([^)]*\)\s*)*([^\s;()]+)")


def authserv_id_of(raw_value: bytes) -> str:
    match = _AUTHSERV_ID.match(raw_value.replace(b"\r\n", b""))
    return match.group(1).decode("utf-8", "replace").lower() if match else ""


def split_field(field_bytes: bytes) -> tuple[str, str]:
    """b'Name: value\\r\\n\\tmore\\r\\n' -> ('Name', 'value\\r\\n\\tmore'): the shape Action header values use."""
    text = field_bytes.decode("utf-8", "surrogateescape")
    name, _, value = text.partition(":")
    if value.endswith("\r\n"):
        value = value[:-2]
    return name.strip(), value[1:] if value.startswith(" ") else value


async def run_blocking(func: Callable[..., Any], *args: Any) -> Any:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, func, *args)


class DmarcAction(enum.Enum):
    """What VerifyHandler does with a DMARC fail (DMARC-11: off by default; p=none never changes handling)."""

    NONE = "none"  # report only
    QUARANTINE = "quarantine"  # quarantine p=quarantine and p=reject failures (the 9989 §7.4 reading)
    REJECT = "reject"  # reject p=reject failures, quarantine p=quarantine failures


class VerifyHandler(Handler):
    """SPF, DKIM and DMARC at end of message; our A-R on top (AR-6), forged ones with our id removed (AR-7)."""

    wants = frozenset({"connect", "helo", "mail_from", "header", "body"})

    def __init__(
        self,
        resolver: Resolver,
        authserv_id: str,
        *,
        clock: Callable[[], float] | None = None,
        dmarc_action: DmarcAction = DmarcAction.NONE,
        strip_forged: bool = True,
    ) -> None:
        import time

        self.resolver = resolver
        self.authserv_id = authserv_id
        self.clock = clock or time.time
        self.dmarc_action = dmarc_action
        self.strip_forged = strip_forged

    def verify(self, raw: bytes, ip: str | None, helo: str | None, mail_from: str | None):
        from toolkit.core.verify import SmtpContext, VerifyOptions, verify_message

        context = SmtpContext(ip=ip, helo=helo, mail_from=mail_from)
        options = VerifyOptions(authserv_id=self.authserv_id, clock=time.monotonic)
        return verify_message(raw, context, self.resolver, int(self.clock()), options)

    async def end_of_message(self, session: Session, envelope: Envelope) -> list[Action]:
        raw = envelope.raw_message()
        report = await run_blocking(self.verify, raw, session.client_ip, session.helo, envelope.mail_from)
        actions: list[Action] = []
        if self.strip_forged:
            # AR-7: delete (change to empty) every A-R carrying our authserv-id. Deletions come before our insert
            # so the MTA's 1-based indexes still point at the fields as received.
            ours = self.authserv_id.lower()
            index = 0
            for name, value in envelope.headers:
                if name.lower() == "authentication-results":
                    index += 1
                    if authserv_id_of(value) == ours:
                        actions.append(change_header("Authentication-Results", index, ""))
        name, value = split_field(report.ar_field)
        actions.append(insert_header(0, name, value))  # AR-6: above every other field
        actions.extend(self.policy_actions(report))
        return actions

    def policy_actions(self, report: Any) -> list[Action]:
        """DMARC-11: act only when configured, only on fail, and never on p=none."""
        dmarc = report.dmarc
        if self.dmarc_action is DmarcAction.NONE or dmarc is None or str(dmarc.verdict) != "fail":
            return []
        policy = (dmarc.effective_policy or "none").lower()
        if policy == "reject" and self.dmarc_action is DmarcAction.REJECT:
            return [reject(550, f"5.7.1 DMARC policy of {dmarc.from_domain} rejects this message")]
        if policy in ("reject", "quarantine"):
            return [quarantine(f"DMARC fail for {dmarc.from_domain} (p={policy})")]
        return []


DEFAULT_INTERNAL_HOSTS = ("127.0.0.0/8", "::1/128")


class SignHandler(Handler):
    """Adds DKIM-Signature fields (index 0, DKIM-32) to mail whose From domain is in the signing table and whose
    client is one of ours (`internal_hosts`, like OpenDKIM's InternalHosts: by default only loopback, so a remote
    sender forging our From domain is never signed; an unknown client address means local submission).

    Keys are loaded and signers checked once, at construction (a bad key file is a caller error at start-up).
    """

    wants = frozenset({"connect", "header", "body"})

    def __init__(
        self,
        table: Any,
        *,
        clock: Callable[[], float] | None = None,
        key_loader: Callable[[str], Any] | None = None,
        internal_hosts: Sequence[str] | None = DEFAULT_INTERNAL_HOSTS,
    ) -> None:
        import time

        from toolkit.core.dkim import SignerConfig, prepare

        self.table = table  # toolkit.core.dkim.signtable.SigningTable
        self.internal = (
            None if internal_hosts is None else [ipaddress.ip_network(n, strict=False) for n in internal_hosts]
        )
        self.clock = clock or time.time
        load = key_loader or load_key_file
        keys: dict[str, Any] = {}
        self.prepared: dict[Any, Any] = {}
        for entry in table.entries:
            if entry.key_path not in keys:
                keys[entry.key_path] = load(entry.key_path)
            config = SignerConfig(
                domain=entry.domain,
                selector=entry.selector,
                key=keys[entry.key_path],
                algorithm=entry.algorithm,
                canon=entry.canon or "relaxed/relaxed",
                expire_after=entry.expire,
                identity=entry.identity,
            )
            self.prepared[entry] = prepare(config)

    def signature_fields(self, raw: bytes) -> list[bytes]:
        """The new DKIM-Signature fields (CRLF-terminated), or [] when the From domain is not ours."""
        from toolkit.core.dkim import sign_prepared
        from toolkit.core.dmarc.address import author_domains
        from toolkit.core.message import parse_message

        parsed = parse_message(raw)
        authors = author_domains(parsed)
        if not authors.domains:
            return []
        signers = [self.prepared[e] for e in self.table.lookup(authors.domain)]
        if not signers:
            return []
        signed = sign_prepared(parsed, signers, int(self.clock()))
        new = signed[: len(signed) - len(parsed.raw)]
        return [h.raw if h.raw.endswith(b"\r\n") else h.raw + b"\r\n" for h in parse_message(new + b"\r\n").headers]

    def is_internal(self, ip: str | None) -> bool:
        if self.internal is None or ip is None:
            return True
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        if address.version == 6 and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.internal)

    async def end_of_message(self, session: Session, envelope: Envelope) -> list[Action]:
        if not self.is_internal(session.client_ip):
            return []
        fields = await run_blocking(self.signature_fields, envelope.raw_message())
        # DKIM-32: on top, in the order the signer produced them.
        return [insert_header(i, *split_field(f)) for i, f in enumerate(fields)]


def load_key_file(path: str) -> Any:
    from toolkit.core.dkim.keys import load_private_key
    from toolkit.shells.common import read_key_file

    return load_private_key(read_key_file(path), source=path)  # at most 1 MiB (issue 15)

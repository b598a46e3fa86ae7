"""The hook API: actions, the Session/Envelope state, the Handler base and how hooks are called and applied."""

from __future__ import annotations

import asyncio
import enum
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import getaddresses
from typing import Any


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
    report: Any = None  # the verifier's Report, left here for later handlers (record, sign): never verify twice

    @property
    def body(self) -> bytes:
        return b"".join(self.body_chunks)

    def raw_message(self) -> bytes:
        """The message rebuilt from the fields as received plus the body (what DKIM hashes)."""
        head = b"".join(
            name.encode("utf-8", "surrogateescape") + b":" + value + b"\r\n" for name, value in self.headers
        )
        return b"".join([head, b"\r\n", *self.body_chunks])  # one copy of a large body, not two

    def size(self) -> int:
        """About the bytes raw_message() gives (the fields' names and values and the body), without building it."""
        return sum(len(name) + len(value) + 3 for name, value in self.headers) + sum(map(len, self.body_chunks))

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
            wanted = action.name.lower()  # the MTA's name test: "Name :" is a Name field (message.HeaderField)
            positions = [i for i, (n, _) in enumerate(fields) if n.rstrip(" \t").lower() == wanted]
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


INLINE_MAX_BYTES = 1 << 20  # CPU work on a message up to this size runs in the event loop (run_cpu)


async def run_cpu(size: int, func: Callable[..., Any], *args: Any) -> Any:
    """CPU-only work (no I/O) on an input of `size` bytes: at once for a small one, in the executor for a big one.

    Under the GIL a thread gives CPU work no parallelism, and for a small message the hop to it and back cost
    more CPU than the work (issue 14: signing a 1 KB message takes ~0.3 ms); a big message still goes to a
    thread so that the other connections are served meanwhile."""
    if size <= INLINE_MAX_BYTES:
        return func(*args)
    return await run_blocking(func, *args)

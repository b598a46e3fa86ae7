"""The pipeline's (smtp.py) text work, free of the server: the Received field it adds, the message split into what
the hooks see, the SMTP reply for a verdict, and XCLIENT's attributes (xtext-decoded and checked)."""

from __future__ import annotations

import datetime
import email.utils
import ipaddress
import re

from toolkit.core.message import parse_message
from toolkit.shells.hooks import Action, Envelope, Kind, Session

_XTEXT = re.compile(r"\+([0-9A-Fa-f]{2})")


def xtext_decode(text: str) -> str:
    return _XTEXT.sub(lambda m: chr(int(m.group(1), 16)), text)


_TRACE_UNSAFE = re.compile(r"[^\x21-\x7e]|[()]")
_TRACE_ADDRESS = re.compile(r"^[^\s<>()\[\]\\\",;:]+@[A-Za-z0-9.-]+$")


def received_field(session: Session, envelope: Envelope, by: str, esmtp: bool) -> bytes:
    """`Received: from HELO (name [IP]) by ID (emlauth) with ESMTP id Q for <rcpt>; date` (RFC 5321 §4.4).

    The client's words (HELO, name, recipient) are made safe first: no spaces, parentheses or controls, so they
    cannot imitate the TCP-info that toolkit/core/received.py reads the address from.
    """
    helo = _TRACE_UNSAFE.sub("?", session.helo or "") or "unknown"
    name = _TRACE_UNSAFE.sub("?", session.client_name or "").replace("[", "?") or "unknown"
    ip = session.client_ip or "127.0.0.1"
    address = f"IPv6:{ip}" if ":" in ip else ip
    rcpt = envelope.rcpts[0] if len(envelope.rcpts) == 1 and _TRACE_ADDRESS.match(envelope.rcpts[0]) else ""
    when = email.utils.format_datetime(datetime.datetime.now(datetime.UTC))
    text = (
        f"Received: from {helo} ({name} [{address}])\r\n\tby {by} (emlauth) with {'ESMTP' if esmtp else 'SMTP'}"
        f" id {envelope.queue_id}" + (f"\r\n\tfor <{rcpt}>" if rcpt else "") + f"; {when}\r\n"
    )
    return text.encode("utf-8", "surrogateescape")


def split_content(content: bytes) -> tuple[bytes, list[tuple[str, bytes]], bytes]:
    """The message (CRLF), its fields as (name as written, raw value) and its body: what the hooks see."""
    message = parse_message(content)
    headers = []
    for header in message.headers:
        colon = header.raw.find(b":")
        if colon < 0:
            continue
        raw_value = header.raw[colon + 1 :]
        raw_value = raw_value[:-2] if raw_value.endswith(b"\r\n") else raw_value
        headers.append((header.raw[:colon].decode("utf-8", "surrogateescape"), raw_value))
    return message.raw, headers, bytes(message.body)


def smtp_reply(verdict: Action) -> str:
    if verdict.kind is Kind.REJECT:
        return verdict.smtp_reply if verdict.code else "550 5.7.1 Message rejected"
    if verdict.kind is Kind.TEMPFAIL:
        return verdict.smtp_reply if verdict.code else "451 4.7.1 Try again later"
    return "250 OK"


_XCLIENT_ATTRIBUTES = ("NAME", "ADDR", "PORT", "PROTO", "HELO", "LOGIN", "DESTADDR", "DESTPORT")


def xclient_attributes(arg: str) -> dict[str, str] | str:
    """The attributes, or the reply that refuses them (an ADDR must be an address or [UNAVAILABLE])."""
    attrs: dict[str, str] = {}
    for item in arg.split():
        name, sep, value = item.partition("=")
        if not sep or name.upper() not in _XCLIENT_ATTRIBUTES:
            return f"501 5.5.4 Bad XCLIENT attribute: {name}"
        attrs[name.upper()] = xtext_decode(value)
    addr = attrs.get("ADDR", "")
    if addr and not addr.startswith("["):
        try:
            ipaddress.ip_address(addr[5:] if addr.upper().startswith("IPV6:") else addr)
        except ValueError:
            return "501 5.5.4 Bad XCLIENT address"
    return attrs

"""The SMTP facts of a trusted Received field (SPF-2 [ours], `--trust-received N`): client IP, HELO, MAIL FROM.

A Received field mixes text the receiving MTA wrote (where the connection came from) with text the client chose
(its HELO, its MAIL FROM and RCPT TO addresses, an ident answer). Only the first kind may name the client IP, so the
parser reads the address from the place each MTA puts it:

- RFC 5321 §4.4 TCP-info, used by Postfix, Sendmail, Gmail and Microsoft's front ends:
  `from HELO (rdns [IP])`, `from HELO ([IP])`, `from HELO (rdns [IPv6:addr]:port)`, Sendmail's `(may be forged)`;
- Exim's `$sender_rcvhost`: `from [IP] (helo=HELO)`, `from [IP] (port=N helo=HELO)`, `from rdns ([IP]:port helo=HELO)`;
- Microsoft Exchange: `from HELO (IP) by host (IP) with Microsoft SMTP Server`.

Client text can imitate these shapes (Postfix keeps brackets in a HELO; addresses can carry quoted parentheses) but
never remove the MTA's own. So every shape is searched in the whole field and the IP is taken only when all the
places found agree on one address. Several addresses, or the marks of several MTAs, mean the field cannot be read
safely: no IP, and a problem that says why (SPF then reports none, never a pass). The Exim form that puts the IP in
the `from` word itself is read only when no other MTA's mark is present, because for every other MTA that word is
the client's HELO.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from toolkit.core.message import Message

_IP = r"([0-9A-Fa-f:.]{2,45})"
# RFC 5321 TCP-info and the MTAs that write it: "(" [name-or-ident SP] "[" ["IPv6:"] IP "]"
_TCP_INFO = re.compile(r"\((?:[^()\[\]]*\s)?\[(?:IPv6:)?" + _IP + r"\]", re.IGNORECASE)
# Exim with no verified host name: the field starts with "from [IP]"
_EXIM_LITERAL = re.compile(r"^from\s+\[(?:IPv6:)?" + _IP + r"\]", re.IGNORECASE)
# Exchange: "from HELO (IP) by host"
_MS_BARE = re.compile(r"\(" + _IP + r"\)\s+by\s", re.IGNORECASE)

# The marks MTAs put in their "by" clause (or "with"), to tell which grammar applies.
_MARKS = {
    "postfix": re.compile(r"\(Postfix\b", re.IGNORECASE),
    "exim": re.compile(r"\(Exim\s+\d", re.IGNORECASE),
    "sendmail": re.compile(r"\(8\.\d+\.\d+[\d.]*/", re.IGNORECASE),
    "microsoft": re.compile(r"\bwith\s+Microsoft\s+SMTP\s+Server\b", re.IGNORECASE),
    "gmail": re.compile(r"\bby\s+(?:mx|smtp)\.(?:google|gmail)\.com\b|\(Google Transport Security\)", re.IGNORECASE),
    "emlauth": re.compile(r"\(emlauth\)", re.IGNORECASE),
}
_FROM_WORD = re.compile(r"^from\s+(\S+)", re.IGNORECASE)
_FIRST_COMMENT = re.compile(r"^from\s+\S+\s+\(([^()]*)\)", re.IGNORECASE)
_EXIM_HELO = re.compile(r"(?:^|\s)helo=(\S+)", re.IGNORECASE)
_ENVELOPE_FROM = re.compile(r"envelope-from\s*[=:]?\s*(?:<([^>]*)>|([^\s;()<>]+))", re.IGNORECASE)
SUPPORTED = "RFC 5321 TCP-info (Postfix, Sendmail, Gmail), Exim, Microsoft Exchange"


@dataclass(frozen=True, slots=True)
class TraceFacts:
    """What one Received field says, with where each fact came from and why a fact is missing."""

    ip: str | None = None
    helo: str | None = None
    mail_from: str | None = None
    mta: str = ""  # the MTA whose mark the field carries ("" = none recognised)
    sources: tuple[tuple[str, str], ...] = ()  # (fact, where it came from)
    problem: str = ""  # why no IP was taken, for people (warnings, --explain, the walkthrough)
    reason: str = ""  # the same as a stable code: no_field, no_from_clause, ambiguous, several_mtas, no_address


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _addresses(text: str, exim: bool) -> dict[str, str]:
    """Every address in a place an MTA writes the client's, in order, with the form it was found in."""
    shapes = [("TCP-info", _TCP_INFO), ("Exchange", _MS_BARE)]
    if exim:  # for every other MTA "from [IP]" is the client's HELO, not its address
        shapes.append(("Exim", _EXIM_LITERAL))
    out: dict[str, str] = {}
    for shape, pattern in shapes:
        for match in pattern.finditer(text):
            if _is_ip(match.group(1)):
                out.setdefault(str(ipaddress.ip_address(match.group(1))), shape)
    return out


def _helo(text: str, exim: bool) -> tuple[str | None, str]:
    """The HELO name and where it came from. Address literals give none: SPF checks only a HELO host name."""
    comment = _FIRST_COMMENT.match(text) if exim else None
    exim_helo = _EXIM_HELO.search(comment.group(1)) if comment else None
    word = _FROM_WORD.match(text)
    helo = exim_helo.group(1) if exim_helo else word.group(1) if word else None
    if helo is None or helo.startswith("["):
        return None, ""
    return helo, f"helo={helo}" if exim_helo else f"from {helo}"


def _mail_from(text: str, message: Message) -> tuple[str | None, str]:
    values = {m.group(1) if m.group(1) is not None else m.group(2) for m in _ENVELOPE_FROM.finditer(text)}
    if len(values) == 1:
        return values.pop(), "envelope-from"
    return_path = message.get_first("return-path")
    if return_path is None:
        return None, ""
    value = return_path.unfolded().strip()
    return (value[1:-1].strip() if value.startswith("<") and value.endswith(">") else value), "Return-Path"


def parse_trace(text: str) -> TraceFacts:
    """The client IP and HELO of one Received field value (unfolded), by the rules in the module docstring."""
    text = " ".join(text.split())
    if not _FROM_WORD.match(text):
        return TraceFacts(problem="it has no 'from' clause", reason="no_from_clause")
    marks = [name for name, mark in _MARKS.items() if mark.search(text)]
    exim = not any(mark != "exim" for mark in marks)  # Exim's mark, or no MTA's mark
    helo, helo_source = _helo(text, exim)
    sources = (("helo", helo_source),) if helo else ()
    mta = marks[0] if len(marks) == 1 else ""
    if len(marks) > 1:
        problem = f"it carries the marks of several MTAs ({', '.join(marks)}), so text the client chose is among them"
        return TraceFacts(None, helo, None, mta, sources, problem, "several_mtas")
    addresses = _addresses(text, exim)
    if len(addresses) > 1:
        problem = (
            f"it names several client addresses ({', '.join(addresses)}): text the client chose imitates the "
            "MTA's, and emlauth does not guess which is real"
        )
        return TraceFacts(None, helo, None, mta, sources, problem, "ambiguous")
    if not addresses:
        problem = f"its 'from' clause names no client address in a form emlauth reads ({SUPPORTED})"
        return TraceFacts(None, helo, None, mta, sources, problem, "no_address")
    ((ip, shape),) = addresses.items()
    return TraceFacts(ip, helo, None, mta, (("ip", shape), *sources))


def trace_facts(message: Message, index: int) -> TraceFacts:
    """The facts of the index-th Received field (1 = topmost), which the caller trusts; MAIL FROM included."""
    received = [f.unfolded() for f in message.get_all("received")]
    if not 1 <= index <= len(received):
        problem = f"the message has {len(received)} Received fields, not {index}"
        return TraceFacts(problem=problem, reason="no_field")
    label = f"Received #{index}"
    facts = parse_trace(received[index - 1])
    sources = [
        (fact, f"{label} {f'[{facts.ip}] ({where})' if fact == 'ip' else where}") for fact, where in facts.sources
    ]
    mail_from, where = _mail_from(received[index - 1], message)
    if mail_from is not None:
        sources.append(("mail_from", f"{label} {where}" if where == "envelope-from" else where))
    problem = f"{label}: {facts.problem}" if facts.problem else ""
    if facts.reason in ("no_from_clause", "no_address"):  # issue 13 §4: say which N would work
        readable = [str(i) for i, text in enumerate(received, 1) if parse_trace(text).ip]
        if readable:
            problem += f"; the fields that name one are #{', #'.join(readable)} (--trust-received {readable[0]})"
    return TraceFacts(facts.ip, facts.helo, mail_from, facts.mta, tuple(sources), problem, facts.reason)

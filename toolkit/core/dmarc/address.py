"""The RFC 5322 From field as DMARC needs it: the Author Domain(s) (DMARC-1).

A small tokenizer for address lists (comments, quoted strings, angle addresses, groups, domain literals),
written for one question: which domain(s) does the From field name? Every failure is a reason code, never an
exception. The domain is returned as a lowercase A-label without a trailing dot.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import idna

from toolkit.core.message import Message

MAX_FROM_OCTETS = 8192  # [ours] a From field longer than this is not parsed at all
MAX_DOMAINS = 5  # [ours] DMARC-1 option: evaluate at most this many author domains


class AuthorError(enum.StrEnum):
    NO_FROM = "NO_FROM_FIELD"
    MULTIPLE_FROM = "MULTIPLE_FROM_FIELDS"
    MULTIPLE_ADDRESSES = "MULTIPLE_FROM_ADDRESSES"
    EMPTY_GROUP = "EMPTY_FROM_GROUP"
    NO_ADDRESS = "NO_FROM_ADDRESS"
    UNPARSEABLE = "UNPARSEABLE_FROM"
    BAD_DOMAIN = "BAD_AUTHOR_DOMAIN"
    TOO_LONG = "FROM_TOO_LONG"
    TOO_MANY_DOMAINS = "TOO_MANY_AUTHOR_DOMAINS"


@dataclass(frozen=True, slots=True)
class Mailbox:
    local_part: str  # as written, quotes removed
    domain: str  # as written
    display_name: str = ""


@dataclass(frozen=True, slots=True)
class AuthorDomains:
    """Outcome of reading the From field(s). `domains` is empty exactly when `error` is set."""

    domains: tuple[str, ...]  # A-labels, lowercase, no trailing dot; several only with allow_multiple
    error: AuthorError | None = None
    detail: str = ""
    mailboxes: tuple[Mailbox, ...] = ()

    @property
    def domain(self) -> str:
        return self.domains[0] if self.domains else ""

    def to_json(self) -> dict:
        return {
            "domains": list(self.domains),
            "error": self.error.value if self.error else None,
            "detail": self.detail,
        }


class _ParseError(ValueError):
    pass


_SPECIALS = set('()<>[]:;@\\,."')


def _tokens(text: str) -> list[tuple[str, str]]:
    """Lex into (kind, value): atom, quoted, literal, or a single special character. Comments are dropped."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
        elif ch == "(":
            depth = 0
            while i < n:
                c = text[i]
                if c == "\\":
                    i += 2
                    continue
                if c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            if i >= n:
                raise _ParseError("unterminated comment")
            i += 1
        elif ch == '"':
            j, buf = i + 1, []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(text[j])
                j += 1
            if j >= n:
                raise _ParseError("unterminated quoted string")
            out.append(("quoted", "".join(buf)))
            i = j + 1
        elif ch == "[":
            j = text.find("]", i)
            if j < 0:
                raise _ParseError("unterminated domain literal")
            out.append(("literal", text[i : j + 1]))
            i = j + 1
        elif ch in _SPECIALS:
            out.append(("special", ch))
            i += 1
        else:
            j = i
            while j < n and text[j] not in _SPECIALS and text[j] not in " \t\r\n":
                j += 1
            out.append(("atom", text[i:j]))
            i = j
    return out


def _split_top(tokens: list[tuple[str, str]], sep: str) -> list[list[tuple[str, str]]]:
    """Split on a special character outside angle brackets."""
    parts: list[list[tuple[str, str]]] = [[]]
    depth = 0
    for tok in tokens:
        if tok == ("special", "<"):
            depth += 1
        elif tok == ("special", ">"):
            depth -= 1
        if tok == ("special", sep) and depth == 0:
            parts.append([])
        else:
            parts[-1].append(tok)
    return parts


def _addr_spec(tokens: list[tuple[str, str]]) -> Mailbox:
    """local-part "@" domain, from tokens (obs-local-part with dots and CFWS tolerated)."""
    ats = [k for k, tok in enumerate(tokens) if tok == ("special", "@")]
    if len(ats) != 1:
        raise _ParseError("address without exactly one '@'")
    at = ats[0]
    local_toks, domain_toks = tokens[:at], tokens[at + 1 :]
    if not local_toks or not domain_toks:
        raise _ParseError("empty local-part or domain")
    local = "".join(v for _, v in local_toks)
    if any(k == "special" and v != "." for k, v in local_toks):
        raise _ParseError("bad character in local-part")
    if domain_toks[0][0] == "literal":
        raise _ParseError("domain literal has no Author Domain")
    if any(k not in ("atom",) and (k, v) != ("special", ".") for k, v in domain_toks):
        raise _ParseError("bad character in domain")
    return Mailbox(local, "".join(v for _, v in domain_toks))


def _mailbox(tokens: list[tuple[str, str]]) -> Mailbox:
    if ("special", "<") in tokens:
        start = tokens.index(("special", "<"))
        if ("special", ">") not in tokens[start:]:
            raise _ParseError("'<' without '>'")
        end = start + tokens[start:].index(("special", ">"))
        if any(k != "atom" and k != "quoted" and (k, v) != ("special", ".") for k, v in tokens[end + 1 :]):
            raise _ParseError("text after '>'")
        inner = tokens[start + 1 : end]
        if ("special", ":") in inner:  # obs-route "@a,@b:user@domain"
            inner = inner[inner.index(("special", ":")) + 1 :]
        name = " ".join(v for _, v in tokens[:start])
        box = _addr_spec(inner)
        return Mailbox(box.local_part, box.domain, name)
    return _addr_spec(tokens)


def parse_mailboxes(value: str) -> tuple[list[Mailbox], bool]:
    """Every mailbox in an address list, and whether an empty group was seen. Raises _ParseError."""
    tokens = _tokens(value)
    boxes: list[Mailbox] = []
    empty_group = False
    # groups: display-name ":" [mailbox-list] ";"
    rest = tokens
    while rest:
        colon = _find_group_colon(rest)
        if colon is None:
            for part in _split_top(rest, ","):
                if part:
                    boxes.append(_mailbox(part))
            break
        before, after = rest[:colon], rest[colon + 1 :]
        # anything before the group's display name belongs to earlier list items
        head_parts = _split_top(before, ",")
        for part in head_parts[:-1]:
            if part:
                boxes.append(_mailbox(part))
        if ("special", ";") not in after:
            raise _ParseError("group without ';'")
        semi = after.index(("special", ";"))
        members = [p for p in _split_top(after[:semi], ",") if p]
        if not members:
            empty_group = True
        boxes.extend(_mailbox(p) for p in members)
        rest = after[semi + 1 :]
        if rest and rest[0] == ("special", ","):
            rest = rest[1:]
    return boxes, empty_group


def _find_group_colon(tokens: list[tuple[str, str]]) -> int | None:
    depth = 0
    for k, tok in enumerate(tokens):
        if tok == ("special", "<"):
            depth += 1
        elif tok == ("special", ">"):
            depth -= 1
        elif tok == ("special", ":") and depth == 0:
            return k
    return None


_LDH_NAME = re.compile(r"^[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})*$")  # letters, digits, hyphen; '_' tolerated


def to_alabel(domain: str) -> str | None:
    """Lowercase A-label form without a trailing dot, or None if it is not a usable domain name."""
    name = domain.strip().rstrip(".")
    if not name:
        return None
    if not name.isascii():
        try:
            name = idna.encode(name, uts46=True).decode("ascii")  # IDNA 2008 with UTS 46 mapping
        except (UnicodeError, ValueError):  # idna.IDNAError is a UnicodeError; then try IDNA 2003 as browsers do
            try:
                name = name.encode("idna").decode("ascii")
            except UnicodeError:
                return None
    name = name.lower()
    if len(name) > 253 or not _LDH_NAME.match(name):
        return None
    return name


# The everyday shapes, `local@domain` and `Name <local@domain>` with no comment, quote escape, group or second
# address, skip the tokenizer; anything else takes the full path.
_SIMPLE_FROM = re.compile(
    r'^\s*(?:(?:"[^"\\]*"|[^"<>()\[\],;:@\\]+)?\s*<([^"<>()\[\],;:@\\\s]+)@([A-Za-z0-9.-]+)>|'
    r'([^"<>()\[\],;:@\\\s]+)@([A-Za-z0-9.-]+))\s*$'
)


def _simple_mailbox(value: str) -> Mailbox | None:
    match = _SIMPLE_FROM.match(value)
    if match is None:
        return None
    if match.group(1) is not None:
        return Mailbox(match.group(1), match.group(2))
    return Mailbox(match.group(3), match.group(4))


def author_domains(message: Message, *, allow_multiple: bool = False) -> AuthorDomains:
    """The Author Domain (DMARC-1). With allow_multiple, up to MAX_DOMAINS distinct domains [ours]."""
    fields = message.get_all("from")
    if not fields:
        return AuthorDomains((), AuthorError.NO_FROM, "the message has no From field")
    if len(fields) > 1 and not allow_multiple:
        return AuthorDomains((), AuthorError.MULTIPLE_FROM, f"the message has {len(fields)} From fields")
    boxes: list[Mailbox] = []
    for header in fields:
        if len(header.raw) > MAX_FROM_OCTETS:
            return AuthorDomains((), AuthorError.TOO_LONG, f"From field of {len(header.raw)} octets")
        value = header.unfolded()
        simple = _simple_mailbox(value)
        if simple is not None:
            boxes.append(simple)
            continue
        try:
            found, empty_group = parse_mailboxes(value)
        except _ParseError as exc:
            return AuthorDomains((), AuthorError.UNPARSEABLE, str(exc))
        except RecursionError:  # pragma: no cover - the lexer is iterative; kept as a guard
            return AuthorDomains((), AuthorError.UNPARSEABLE, "nesting too deep")
        if not found:
            error = AuthorError.EMPTY_GROUP if empty_group else AuthorError.NO_ADDRESS
            return AuthorDomains((), error, "the From field names no mailbox")
        boxes.extend(found)
    if len(boxes) > 1 and not allow_multiple:
        return AuthorDomains((), AuthorError.MULTIPLE_ADDRESSES, f"the From field has {len(boxes)} addresses")
    domains: list[str] = []
    for box in boxes:
        alabel = to_alabel(box.domain)
        if alabel is None:
            return AuthorDomains((), AuthorError.BAD_DOMAIN, f"not a domain name: {box.domain[:80]!r}")
        if alabel not in domains:
            domains.append(alabel)
    if len(domains) > MAX_DOMAINS:
        return AuthorDomains((), AuthorError.TOO_MANY_DOMAINS, f"{len(domains)} author domains (max {MAX_DOMAINS})")
    return AuthorDomains(tuple(domains), None, "", tuple(boxes))

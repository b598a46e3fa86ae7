"""SPF record syntax (RFC 7208 §4.6, §5, §6, §7.1): the whole record is checked before any of it runs (SPF-5).

Parsing turns a record into frozen terms whose macro strings are already tokenized, so evaluation never
re-parses text. Every syntax problem raises SpfSyntaxError; the evaluator turns it into permerror.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache

MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
LOOKUP_TERMS = frozenset({"include", "a", "mx", "ptr", "exists", "redirect"})  # SPF-14: these count
QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
MACRO_LETTERS = frozenset("slodipvh")  # SPF-15
EXP_ONLY_LETTERS = frozenset("crt")  # SPF-15: only in exp text

_MODIFIER = re.compile(r"([A-Za-z][A-Za-z0-9_.\-]*)=(.*)", re.S)
_MECH_NAME = re.compile(r"([A-Za-z][A-Za-z0-9]*)(.*)", re.S)
_DUAL_CIDR = re.compile(r"(.*?)(?:/(\d+))?(?://(\d+))?", re.S)
_MACRO_BODY = re.compile(r"([A-Za-z])(\d*)([rR]?)([.\-+,/_=]*)")
_TOPLABEL = re.compile(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9]")


class SpfSyntaxError(Exception):
    """A record (or exp text) that does not follow the RFC 7208 grammar."""


@dataclass(frozen=True, slots=True)
class Macro:
    """One `%{...}` expansion: letter (lowercase), keep rightmost `digits` parts (0 = all), reverse, delimiters."""

    letter: str
    digits: int
    reverse: bool
    delimiters: str
    escape: bool  # uppercase letter: URL-escape the result (SPF-15)
    text: str


Token = str | Macro  # literal text or a macro


@dataclass(frozen=True, slots=True)
class MacroString:
    text: str
    tokens: tuple[Token, ...]
    # without macros: the name ready to query (one trailing dot dropped, lowercase); computed once at parse time
    static: str | None = None


def _macro_string(text: str, tokens: tuple[Token, ...]) -> MacroString:
    if any(isinstance(t, Macro) for t in tokens):
        return MacroString(text, tokens)
    static = "".join(tokens)  # type: ignore[arg-type]
    return MacroString(text, tokens, static[:-1].lower() if static.endswith(".") else static.lower())


@dataclass(frozen=True, slots=True)
class Mechanism:
    text: str  # the term as written
    qualifier: str  # pass fail softfail neutral
    name: str  # lowercase mechanism name
    target: MacroString | None = None  # domain-spec (include a mx ptr exists)
    cidr4: int = 32
    cidr6: int = 128
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None  # ip4 / ip6
    # ip4/ip6 precomputed for a cheap match: address family, network address >> shift, shift (bits - prefix)
    net_version: int = 0
    net_key: int = 0
    net_shift: int = 0


@dataclass(frozen=True, slots=True)
class Modifier:
    text: str
    name: str  # lowercase
    value: MacroString


@dataclass(frozen=True, slots=True)
class IpRun:
    """Consecutive ip4/ip6 mechanisms compiled to lookups: per family, (shift, {network >> shift: (index, mech)}).

    The first matching mechanism of the run is the one with the lowest index, so order is kept (SPF-6) while a
    run of any length costs one dict lookup per distinct prefix length.
    """

    v4: tuple[tuple[int, dict[int, tuple[int, Mechanism]]], ...]
    v6: tuple[tuple[int, dict[int, tuple[int, Mechanism]]], ...]

    def first_match(self, version: int, value: int) -> Mechanism | None:
        best: tuple[int, Mechanism] | None = None
        for shift, table in self.v4 if version == 4 else self.v6:
            hit = table.get(value >> shift)
            if hit is not None and (best is None or hit[0] < best[0]):
                best = hit
        return best[1] if best is not None else None


@dataclass(frozen=True, slots=True)
class SpfRecord:
    text: str
    mechanisms: tuple[Mechanism, ...]
    redirect: Modifier | None
    exp: Modifier | None
    unknown_modifiers: tuple[Modifier, ...]
    plan: tuple[Mechanism | IpRun, ...] = ()  # the mechanisms in order, ip4/ip6 runs compiled (evaluation order)
    has_all: bool = False  # an `all` anywhere makes redirect moot (SPF-9)


def parse_macro_string(text: str, *, exp: bool = False, allow_space: bool = False) -> MacroString:
    """macro-string (§7.1); with allow_space, explain-string. `exp` allows the letters c r t."""
    return _macro_string(text, _scan(text, exp, allow_space)[0])


def _scan(text: str, exp: bool, allow_space: bool) -> tuple[tuple[Token, ...], str]:
    """Tokens, and the raw literal text after the last macro-expand ("" if the string ends in one)."""
    tokens: list[Token] = []
    literal: list[str] = []
    tail_start = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "%":
            nxt = text[i + 1] if i + 1 < n else ""
            if nxt in ("%", "_", "-"):
                literal.append({"%": "%", "_": " ", "-": "%20"}[nxt])
                i += 2
                tail_start = i
                continue
            if nxt != "{":
                raise SpfSyntaxError(f"'%' not followed by '{{', '%', '_' or '-' in {text!r} (SPF-15)")
            end = text.find("}", i + 2)
            if end < 0:
                raise SpfSyntaxError(f"unterminated macro in {text!r}")
            body = text[i + 2 : end]
            m = _MACRO_BODY.fullmatch(body)
            if not m:
                raise SpfSyntaxError(f"bad macro %{{{body}}} (SPF-15)")
            letter_raw, digits, reverse, delims = m.groups()
            letter = letter_raw.lower()
            if letter not in MACRO_LETTERS and not (exp and letter in EXP_ONLY_LETTERS):
                where = "outside exp text" if letter in EXP_ONLY_LETTERS else "unknown"
                raise SpfSyntaxError(f"macro letter {letter_raw!r} {where} (SPF-15)")
            if digits and int(digits) == 0:
                raise SpfSyntaxError(f"macro %{{{body}}}: digits must not be 0 (SPF-15)")
            if literal:
                tokens.append("".join(literal))
                literal = []
            tokens.append(
                Macro(letter, int(digits) if digits else 0, bool(reverse), delims or ".", letter_raw.isupper(), body)
            )
            i = end + 1
            tail_start = i
            continue
        if not ("\x21" <= ch <= "\x7e" or (allow_space and ch == " ")):
            raise SpfSyntaxError(f"character {ch!r} not allowed in {text!r} (SPF-5)")
        literal.append(ch)
        i += 1
    if literal:
        tokens.append("".join(literal))
    return tuple(tokens), text[tail_start:]


def parse_domain_spec(text: str, *, what: str) -> MacroString:
    """domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand (§7.1)."""
    if not text:
        raise SpfSyntaxError(f"{what}: empty domain-spec")
    tokens, tail = _scan(text, False, False)
    if tail:
        if tail.endswith("."):
            tail = tail[:-1]
        if "." not in tail or not _TOPLABEL.fullmatch(tail.rsplit(".", 1)[1]):
            raise SpfSyntaxError(f"{what}: {text!r} does not end in a valid top label or a macro")
    return _macro_string(text, tokens)


def _cidr(digits: str | None, maximum: int, term: str) -> int | None:
    if digits is None:
        return None
    if len(digits) > 1 and digits[0] == "0":
        raise SpfSyntaxError(f"{term}: CIDR length with a leading zero")
    value = int(digits)
    if value > maximum:
        raise SpfSyntaxError(f"{term}: CIDR length /{value} over {maximum}")
    return value


def _parse_mechanism(term: str) -> Mechanism:
    qualifier = "pass"
    body = term
    if body[0] in QUALIFIERS:
        qualifier = QUALIFIERS[body[0]]
        body = body[1:]
    m = _MECH_NAME.fullmatch(body)
    if not m:
        raise SpfSyntaxError(f"unknown term {term!r}")
    name, rest = m.group(1).lower(), m.group(2)
    if name not in MECHANISMS:
        raise SpfSyntaxError(f"unknown mechanism {term!r}")
    if name == "all":
        if rest:
            raise SpfSyntaxError(f"'all' takes no argument: {term!r}")
        return Mechanism(term, qualifier, name)
    if name in ("include", "exists"):
        if not rest.startswith(":"):
            raise SpfSyntaxError(f"{name} needs ':domain': {term!r}")
        return Mechanism(term, qualifier, name, parse_domain_spec(rest[1:], what=term))
    if name == "ptr":
        if not rest:
            return Mechanism(term, qualifier, name)
        if not rest.startswith(":"):
            raise SpfSyntaxError(f"bad ptr term {term!r}")
        return Mechanism(term, qualifier, name, parse_domain_spec(rest[1:], what=term))
    if name in ("a", "mx"):
        cm = _DUAL_CIDR.fullmatch(rest)
        assert cm is not None  # the pattern matches any string
        prefix, c4, c6 = cm.groups()
        cidr4 = _cidr(c4, 32, term)
        cidr6 = _cidr(c6, 128, term)
        target = None
        if prefix:
            if not prefix.startswith(":"):
                raise SpfSyntaxError(f"bad {name} term {term!r}")
            target = parse_domain_spec(prefix[1:], what=term)
        return Mechanism(term, qualifier, name, target, 32 if cidr4 is None else cidr4, 128 if cidr6 is None else cidr6)
    # ip4 / ip6
    if not rest.startswith(":"):
        raise SpfSyntaxError(f"{name} needs ':address': {term!r}")
    addr, slash, length = rest[1:].partition("/")
    maximum = 32 if name == "ip4" else 128
    if slash and not (length.isascii() and length.isdigit()):
        raise SpfSyntaxError(f"bad CIDR length in {term!r}")
    cidr = _cidr(length if slash else None, maximum, term)
    if "%" in addr:
        raise SpfSyntaxError(f"bad address in {term!r}")
    try:
        ip = ipaddress.IPv4Address(addr) if name == "ip4" else ipaddress.IPv6Address(addr)
    except ValueError:
        raise SpfSyntaxError(f"bad address in {term!r}") from None
    prefix = maximum if cidr is None else cidr
    network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    shift = maximum - prefix
    return Mechanism(
        term,
        qualifier,
        name,
        network=network,
        net_version=network.version,
        net_key=int(network.network_address) >> shift,
        net_shift=shift,
    )


@lru_cache(maxsize=2048)
def _parse_cached(text: str) -> SpfRecord | str:
    return _parse_uncached(text)


def _parse_uncached(text: str) -> SpfRecord | str:
    try:
        return _parse(text)
    except SpfSyntaxError as exc:
        return str(exc)


def parse_record(text: str) -> SpfRecord:
    """Parse a whole `v=spf1 ...` record (already ASCII-checked); raise SpfSyntaxError on any problem (SPF-5)."""
    result = _parse_cached(text) if len(text) <= 4096 else _parse_uncached(text)
    if isinstance(result, str):
        raise SpfSyntaxError(result)
    return result


def _parse(text: str) -> SpfRecord:
    if text[:6].lower() != "v=spf1" or (len(text) > 6 and text[6] != " "):
        raise SpfSyntaxError("record does not start with 'v=spf1'")
    mechanisms: list[Mechanism] = []
    redirect = exp = None
    unknown: list[Modifier] = []
    for term in text[6:].split(" "):
        if not term:
            continue  # terms are separated by one or more spaces (SPF-5)
        mod = _MODIFIER.fullmatch(term)
        if mod:
            name, value = mod.group(1).lower(), mod.group(2)
            if name in ("redirect", "exp"):
                modifier = Modifier(term, name, parse_domain_spec(value, what=term))
                if (redirect if name == "redirect" else exp) is not None:
                    raise SpfSyntaxError(f"'{name}' appears twice (SPF-11)")
                if name == "redirect":
                    redirect = modifier
                else:
                    exp = modifier
            else:
                unknown.append(Modifier(term, name, parse_macro_string(value, exp=True)))
            continue
        mechanisms.append(_parse_mechanism(term))
    has_all = any(m.name == "all" for m in mechanisms)
    return SpfRecord(text, tuple(mechanisms), redirect, exp, tuple(unknown), _plan(mechanisms), has_all)


def _plan(mechanisms: list[Mechanism]) -> tuple[Mechanism | IpRun, ...]:
    plan: list[Mechanism | IpRun] = []
    run: list[tuple[int, Mechanism]] = []

    def close() -> None:
        if not run:
            return
        tables: dict[int, dict[int, dict[int, tuple[int, Mechanism]]]] = {4: {}, 6: {}}
        for index, mech in run:
            tables[mech.net_version].setdefault(mech.net_shift, {}).setdefault(mech.net_key, (index, mech))
        plan.append(IpRun(tuple(tables[4].items()), tuple(tables[6].items())))
        run.clear()

    for index, mech in enumerate(mechanisms):
        if mech.net_version:
            run.append((index, mech))
        else:
            close()
            plan.append(mech)
    close()
    return tuple(plan)


def parse_explanation(text: str) -> MacroString:
    """explain-string = *( macro-string / SP ) (§6.2), with the exp-only letters allowed."""
    return parse_macro_string(text, exp=True, allow_space=True)

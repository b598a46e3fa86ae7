"""Authentication-Results (RFC 8601): build our field, read existing ones leniently, spot forged ones.

Built and parsed through the `authres` library (AR-9). authres drops comments when parsing, so round-trip
tests compare methods, results and properties only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import authres
import authres.core

from toolkit.core.message import Message

if TYPE_CHECKING:
    from toolkit.core.arc.result import ArcResult
    from toolkit.core.dkim.result import DkimResult
    from toolkit.core.dmarc import DmarcResult
    from toolkit.core.spf.result import SpfResult

FIELD_NAME = "Authentication-Results"
MAX_LINE = 78  # fold to keep lines at or under this many characters where the tokens allow it

# Result words each method may carry (AR-4); anything else is listed as a defect when parsing.
KNOWN_RESULTS = {
    "dkim": {"none", "pass", "fail", "policy", "neutral", "temperror", "permerror"},
    "spf": {"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror", "policy", "hardfail"},
    "dmarc": {"none", "pass", "fail", "temperror", "permerror"},
    "arc": {"none", "pass", "fail"},
    "iprev": {"pass", "fail", "temperror", "permerror"},
}


def _features():
    return authres.all_features()


_NOT_PRINTABLE = re.compile(r"[^\x20-\x7e]")
_PRINTABLE = re.compile(r"^[\x20-\x7e]+$")
_COMMENT_SPECIAL = re.compile(r"([()\\])")
_COMMENT_UNSAFE = re.compile(r"[^\x20-\x7e]|[()\\]")


def _comment(text: str) -> str | None:
    """A comment safe to write: printable ASCII, parentheses and backslashes escaped."""
    if not text:
        return None
    text = text[:200]  # cut before escaping: a later cut could leave a lone backslash that escapes the ")"
    if _COMMENT_UNSAFE.search(text) is None:  # the usual case: nothing to replace, one scan instead of two subs
        return text
    text = _NOT_PRINTABLE.sub("?", text)
    return _COMMENT_SPECIAL.sub(r"\\\1", text)


Entry = tuple[str, str, str | None, list[tuple[str, str, str]]]  # method, result, comment, (ptype, name, value)
_TOKEN = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`{|}~-]+$")  # RFC 2045 token, as authres uses it
_QUOTE_ESCAPE = re.compile(r'(["\\])')


MAX_PROPERTY_VALUE = 253  # [ours] the longest domain name; longer values (a 60,000-character s=) are cut
TRUNCATED = "..."  # marks a cut value; token characters, so a token stays a token (authres reads no quoted pvalue)


def _prop(ptype: str, name: str, value: str | None, props: list) -> None:
    """Keep every printable-ASCII value; `_quote` makes the ones that are not tokens a quoted-string (AR-1).

    Values with controls or non-ASCII cannot be written faithfully and are left out. Values are attacker text
    (d=, s=, i=, From): past MAX_PROPERTY_VALUE characters they are cut and marked (issue 15), so no line of
    our field grows with them; `fold` puts such a property on a line of its own.
    """
    if value and _PRINTABLE.match(value):
        if len(value) > MAX_PROPERTY_VALUE:
            value = value[: MAX_PROPERTY_VALUE - len(TRUNCATED)] + TRUNCATED
        props.append((ptype, name, value))


def spf_entry(spf: SpfResult) -> Entry:
    """SPF-17: `spf=<r> smtp.mailfrom=<domain>` (no local-part), `(null reverse-path)` for <>."""
    props: list = []
    comment = ""
    if spf.identity == "helo":
        _prop("smtp", "helo", spf.domain, props)
    else:
        _prop("smtp", "mailfrom", spf.domain, props)
        if spf.null_sender:
            comment = "null reverse-path"
    return ("spf", spf.verdict.value, _comment(comment), props)


def dkim_entry(sig: DkimResult) -> Entry:
    """DKIM-38: header.d/i/s/a/b, the reason in a comment; `dkim=none` for an unsigned message."""
    props: list = []
    if sig.domain:
        _prop("header", "d", sig.domain, props)
        _prop("header", "i", sig.identity, props)
        _prop("header", "s", sig.selector, props)
        _prop("header", "a", sig.algorithm, props)
        _prop("header", "b", sig.b_prefix, props)
    comment = sig.comment
    if sig.testing and "testing" not in comment:  # DKIM-18; the verifier's own comments already say it
        comment = f"{comment}; testing" if comment else "testing"
    return ("dkim", sig.verdict.value, _comment(comment), props)


def dmarc_entry(dmarc: DmarcResult) -> Entry:
    """DMARC-19: header.from, policy.dmarc (the effective policy) and details in a comment."""
    props: list = []
    _prop("header", "from", dmarc.from_domain, props)
    if dmarc.record is not None and dmarc.effective_policy:
        _prop("policy", "dmarc", dmarc.effective_policy, props)
    return ("dmarc", dmarc.verdict.value, _comment(dmarc.comment), props)


_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = rf'{_ATEXT}(?:\.{_ATEXT})*|"(?:[^"\\]|\\.)*"'  # dot-atom or quoted-string
_MAILBOX = re.compile(rf"^(?:{_LOCAL_PART})?@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?$")


def _quote(value: str) -> str:
    """RFC 2045 tokens and `[local-part] "@" domain-name` as is, else a quoted-string (AR-1).

    Same text as authres's QuotableValue.quote_if_needed, except that authres leaves any value with an '@'
    unquoted, even `x@y@z` or `a b@example.com`, which are not valid pvalues.
    """
    if _TOKEN.match(value) or _MAILBOX.match(value):
        return value
    return '"' + _QUOTE_ESCAPE.sub(r"\\\1", value) + '"'


def format_entry(entry: Entry) -> str:
    """The resinfo text, exactly as authres writes it (a test pins the equality; this is the fast path)."""
    method, result, comment, props = entry
    text = f"{method}={result}"
    if comment:
        text += f" ({comment})"
    for ptype, name, value in props:
        text += f" {ptype}.{name}={_quote(value)}"
    return text


def authres_result(entry: Entry) -> Any:
    """The same entry as an authres result object (AR-9 reference implementation)."""
    method, result, comment, props = entry
    properties = [authres.core.AuthenticationResultProperty(t, n, v) for t, n, v in props]
    return _features().result(method, None, result, comment, None, None, properties)


_AUTHSERV_ID = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")


def entries(
    *,
    spf: SpfResult | None = None,
    spf_helo: SpfResult | None = None,
    dkim: Sequence[DkimResult] = (),
    dmarc: DmarcResult | None = None,
    arc: ArcResult | None = None,
    remote_ip: str | None = None,
) -> list[Entry]:
    """The resinfo entries in field order: spf (MAIL FROM), spf (HELO), one dkim per signature (AR-8), dmarc."""
    out: list[Entry] = []
    if spf is not None:
        out.append(spf_entry(spf))
    if spf_helo is not None:
        out.append(spf_entry(spf_helo))
    out.extend(dkim_entry(sig) for sig in dkim)
    if arc is not None:
        out.append(arc.ar_entry(remote_ip))  # ARC-5
    if dmarc is not None:
        out.append(dmarc_entry(dmarc))
    return out


def build_field(
    authserv_id: str,
    *,
    spf: SpfResult | None = None,
    spf_helo: SpfResult | None = None,
    dkim: Sequence[DkimResult] = (),
    dmarc: DmarcResult | None = None,
    arc: ArcResult | None = None,
    remote_ip: str | None = None,
) -> str:
    """The whole field `Authentication-Results: <id>; ...`, folded with CRLF+TAB, no final CRLF.

    With nothing evaluated it is `<id>; none` (AR-3).
    """
    if not authserv_id or not _AUTHSERV_ID.match(authserv_id):
        raise ValueError(f"authserv-id must be a dot-atom (a host name), got {authserv_id!r}")
    found = entries(spf=spf, spf_helo=spf_helo, dkim=dkim, dmarc=dmarc, arc=arc, remote_ip=remote_ip)
    return fold(authserv_id.lower(), [format_entry(e) for e in found])


def fold(authserv_id: str, entries: list[str]) -> str:
    one_line = f"{FIELD_NAME}: {authserv_id}; " + ("; ".join(entries) if entries else "none")
    if len(one_line) <= MAX_LINE:
        return one_line
    lines = [f"{FIELD_NAME}: {authserv_id};"]
    last = len(entries) - 1
    for index, entry in enumerate(entries):
        text = entry + (";" if index < last else "")
        if len(text) < MAX_LINE:
            lines.append("\t" + text)
        else:
            lines.extend(_fold_entry(text))
    return "\r\n".join(lines)


_FOLD_WORD = re.compile(r'(?:\((?:[^()\\]|\\.)*\)|"(?:[^"\\]|\\.)*"|[^\s("]+|[("])+')


def _fold_entry(text: str) -> list[str]:
    """Break one resinfo at spaces outside comments and quoted strings; every line starts with a TAB."""
    lines: list[str] = []
    line = ""
    indent = "\t"  # a continuation of the same resinfo is indented a little more, for people reading it
    for word in _FOLD_WORD.findall(text):
        if line and len(indent) + len(line) + len(word) + 1 > MAX_LINE:
            lines.append(indent + line)
            indent, line = "\t  ", word
        else:
            line = f"{line} {word}" if line else word
    lines.append(indent + line)
    return lines


def field_bytes(field_text: str) -> bytes:
    return field_text.encode("ascii", "replace") + b"\r\n"


# --- reading existing fields ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArEntry:
    method: str
    result: str
    reason: str | None
    properties: tuple[tuple[str, str, str], ...]  # (ptype, property, value)

    def get(self, ptype: str, name: str) -> str | None:
        for t, n, v in self.properties:
            if t == ptype and n == name:
                return v
        return None

    def to_json(self) -> dict:
        return {
            "method": self.method,
            "result": self.result,
            "reason": self.reason,
            "properties": {f"{t}.{n}": v for t, n, v in self.properties},
        }


@dataclass(frozen=True, slots=True)
class ParsedAR:
    authserv_id: str  # normalised (normalise_authserv_id); "" when missing
    version: str | None
    entries: tuple[ArEntry, ...]
    readable: bool  # False: syntax error or unknown version (AR-2)
    defects: tuple[str, ...]
    raw: str  # the unfolded value

    def to_json(self) -> dict:
        return {
            "authserv_id": self.authserv_id,
            "version": self.version,
            "readable": self.readable,
            "defects": list(self.defects),
            "entries": [e.to_json() for e in self.entries],
            "raw": self.raw,
        }


# --- the one authserv-id parser (AR-1, AR-7; issue 15): verify-eml, the milter and the pipeline all use it ----

_WSP_CHARS = " \t\r\n"
# RFC 2045 token: any CHAR but SPACE, CTLs and tspecials. Non-ASCII is let in: an id that only differs from ours in
# being UTF-8 is not ours, and one that equals ours must be recognised whatever else the field holds.
_TOKEN_RUN = re.compile(r'[^\x00-\x20\x7f()<>@,;:\\"/\[\]?=]+')


def skip_cfws(text: str, at: int = 0) -> int:
    """The index after the CFWS at `at` (RFC 5322 §3.2.2: FWS and comments, nested, with quoted-pairs), in one
    pass; -1 when a comment never closes (nothing after it can be read)."""
    depth = 0
    end = len(text)
    while at < end:
        char = text[at]
        if depth:
            if char == "\\":
                at += 1  # the quoted character, whatever it is (a ")" included)
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
        elif char == "(":
            depth = 1
        elif char not in _WSP_CHARS:
            return at
        at += 1
    return -1 if depth else at


def _quoted_string(text: str, at: int) -> tuple[str, int] | None:
    """The content of the quoted-string opening at text[at] (quoted-pairs undone, folding removed) and the index
    after it, or None when it never closes."""
    out: list[str] = []
    at += 1
    while at < len(text):
        char = text[at]
        if char == "\\" and at + 1 < len(text):
            out.append(text[at + 1])
            at += 2
            continue
        if char == '"':
            return "".join(out), at + 1
        if char not in "\r\n":
            out.append(char)
        at += 1
    return None


def normalise_authserv_id(authserv_id: str) -> str:
    """The form two ids are compared in: case-insensitive (AR-7 [ours]) and without a root dot."""
    return authserv_id.strip().rstrip(".").lower()


def authserv_id_and_end(value: str | bytes) -> tuple[str, int]:
    """RFC 8601 §2.2 `[CFWS] authserv-id`, authserv-id = value = token / quoted-string (RFC 2045), normalised,
    and the index after it; ("", -1) when the field has none."""
    text = value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value
    at = skip_cfws(text)
    if at < 0 or at >= len(text):
        return "", -1
    if text[at] == '"':
        quoted = _quoted_string(text, at)
        return (normalise_authserv_id(quoted[0]), quoted[1]) if quoted else ("", -1)
    token = _TOKEN_RUN.match(text, at)
    return (normalise_authserv_id(token.group(0)), token.end()) if token else ("", -1)


def authserv_id(value: str | bytes) -> str:
    """The authserv-id of one A-R field value (the text after the colon, folded or not), normalised; "" if none."""
    return authserv_id_and_end(value)[0]


def is_ar_name(name: str) -> bool:
    """Whether a field name as written (`Authentication-Results `, any case) is an A-R: the message model's rule
    (message.HeaderField: the text before the colon, trailing WSP removed, compared lowercased)."""
    return name.rstrip(" \t").lower() == "authentication-results"


def carries_id(value: str | bytes, ours: str) -> bool:
    """AR-7: the field's authserv-id is `ours`, whatever its form (comments, quoting, case, a root dot)."""
    found = authserv_id(value)
    return bool(found) and found == normalise_authserv_id(ours)


def _lenient_head(value: str) -> tuple[str, str | None, list[str]]:
    """authserv-id and version from the text before the first ';', even when the rest does not parse."""
    found, end = authserv_id_and_end(value)
    at = skip_cfws(value, end) if found else -1
    if at < 0 or value.startswith("=", at):  # "spf=pass ..." starts with a resinfo, not an id
        return "", None, ["missing authserv-id (AR-2)"]
    version = _VERSION.match(value, at)
    return found, version.group(0) if version else None, []


_VERSION = re.compile(r"\d+(?=[\s;(]|$)")


def parse_value(value: str) -> ParsedAR:
    """Parse one A-R value (folded or not). Never raises: problems become defects."""
    text = re.sub(r"\r?\n(?=[ \t])", "", value).strip()
    authserv_id, version, defects = _lenient_head(text)
    if version is not None and version != "1":
        defects.append(f"unknown version {version} (AR-2): unreadable")
        return ParsedAR(authserv_id, version, (), False, tuple(defects), text)
    if defects:
        return ParsedAR(authserv_id, version, (), False, tuple(defects), text)
    try:
        header = _features().parse_value(text)
    except authres.core.UnsupportedVersionError as exc:
        defects.append(f"unknown version {exc.version} (AR-2): unreadable")
        return ParsedAR(authserv_id, exc.version, (), False, tuple(defects), text)
    except (authres.core.AuthResError, ValueError, AttributeError, TypeError) as exc:
        defects.append(f"syntax: {exc}")
        return ParsedAR(authserv_id, version, (), False, tuple(defects), text)
    entries = []
    for res in header.results:
        method = (res.method or "").lower()
        result = (res.result or "").lower()
        if method in KNOWN_RESULTS and result not in KNOWN_RESULTS[method]:
            defects.append(f"unknown result {result!r} for {method}")
        if method == "spf" and result == "hardfail":
            result = "fail"  # AR-4: obsolete spelling
        props = tuple((p.type, p.name, str(p.value) if p.value is not None else "") for p in res.properties)
        entries.append(ArEntry(method, result, res.reason and str(res.reason), props))
    # the id is ours to read (authres's reading of comments and quoting differs from RFC 8601 in places)
    return ParsedAR(authserv_id, header.version, tuple(entries), True, tuple(defects), text)


@dataclass(frozen=True, slots=True)
class ExistingAR:
    index: int  # position among the message's header fields
    parsed: ParsedAR
    ours: bool  # carries our authserv-id: untrusted/forged (AR-7)

    def to_json(self) -> dict:
        return {"index": self.index, "ours": self.ours, **self.parsed.to_json()}


def existing_fields(message: Message, authserv_id: str) -> tuple[ExistingAR, ...]:
    """Every A-R field in the message; those with our id (in any form) are marked untrusted (AR-7)."""
    ours = normalise_authserv_id(authserv_id)
    out = []
    for index, header in enumerate(message.headers):
        if header.lname != "authentication-results":
            continue
        parsed = parse_value(header.unfolded())
        out.append(ExistingAR(index, parsed, bool(parsed.authserv_id) and parsed.authserv_id == ours))
    return tuple(out)


def without_fields(message: Message, indices: Sequence[int]) -> bytes:
    """The message bytes with the header fields at `indices` removed (fields are contiguous from offset 0)."""
    drop = set(indices)
    kept = []
    end = 0
    for index, header in enumerate(message.headers):
        end += len(header.raw)
        if index not in drop:
            kept.append(header.raw)
    return b"".join(kept) + message.raw[end:]

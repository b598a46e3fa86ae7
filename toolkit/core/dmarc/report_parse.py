"""DMARC aggregate report XML -> typed reports, streaming (RFC 9990, RFC 7489 App. C, the pre-standard draft).

    for item in parse_aggregate(chunks):      # chunks: an iterable of bytes, e.g. a file read 64 KB at a time
        ReportHead, then Record ..., then ReportEnd

Pure: bytes in, frozen values out, no I/O. Memory stays flat in the number of rows: records leave as soon as
their </record> is read. Built on expat directly (the C parser under ElementTree), with the protections
defusedxml adds: a DOCTYPE, any entity declaration and external entities are refused outright (DMARC-22: a report
never needs them; this closes billion-laughs and external-entity attacks), element nesting and text size are capped.

Real reports are messy (STANDARDS DMARC-22, the parsedmarc lesson): upper-case words, empty <reason/>, unknown
elements, invalid UTF-8, junk after </feedback> or a truncated file. Each is tolerated and named in
ReportEnd.warnings; what cannot be read at all raises ReportError with one line.
"""

from __future__ import annotations

import codecs
import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from toolkit.core.dmarc.report_model import (
    DISPOSITIONS,
    DKIM_RESULTS,
    NS_RFC7489,
    NS_RFC9990,
    POLICY_RESULTS,
    REASON_TYPES,
    SPF_RESULTS,
    DkimAuth,
    PolicyPublished,
    Reason,
    Record,
    ReportEnd,
    ReportHead,
    SpfAuth,
)

MAX_DEPTH = 32  # element nesting; a report needs 6
MAX_TEXT = 1 << 20  # characters in one element's text


class ReportError(ValueError):
    """The input is not a report we can read; str() is one line naming why."""


Item = ReportHead | Record | ReportEnd

# Element paths under <feedback> we understand. Anything else (outside <extension>) is named in a warning.
_CONTAINERS = {
    ("report_metadata",),
    ("report_metadata", "date_range"),
    ("policy_published",),
    ("record",),
    ("record", "row"),
    ("record", "row", "policy_evaluated"),
    ("record", "row", "policy_evaluated", "reason"),
    ("record", "identifiers"),
    ("record", "identities"),  # the pre-standard draft's spelling
    ("record", "auth_results"),
    ("record", "auth_results", "dkim"),
    ("record", "auth_results", "spf"),
}
_PARTS = {
    ("record", "row", "policy_evaluated", "reason"),
    ("record", "auth_results", "dkim"),
    ("record", "auth_results", "spf"),
}
_META = {"org_name", "email", "extra_contact_info", "report_id", "error", "generator"}
_POLICY = {"domain", "discovery_method", "p", "sp", "np", "pct", "fo", "adkim", "aspf", "testing"}
_LEAVES = (
    {("version",)}
    | {("report_metadata", n) for n in _META}
    | {("report_metadata", "date_range", n) for n in ("begin", "end")}
    | {("policy_published", n) for n in _POLICY}
    | {("record", "row", n) for n in ("source_ip", "count")}
    | {("record", "row", "policy_evaluated", n) for n in ("disposition", "dkim", "spf")}
    | {("record", "row", "policy_evaluated", "reason", n) for n in ("type", "comment")}
    | {
        ("record", ids, n)
        for ids in ("identifiers", "identities")
        for n in ("header_from", "envelope_from", "envelope_to")
    }
    | {("record", "auth_results", "dkim", n) for n in ("domain", "selector", "result", "human_result")}
    | {("record", "auth_results", "spf", n) for n in ("domain", "scope", "result", "human_result")}
)
_WORDS = {  # fields whose values are RFC words: compared lower-case, the known values listed
    "disposition": DISPOSITIONS,
    "dkim": POLICY_RESULTS,
    "spf": POLICY_RESULTS,
    "p": ("none", "quarantine", "reject"),
    "sp": ("none", "quarantine", "reject"),
    "np": ("none", "quarantine", "reject"),
    "adkim": ("r", "s"),
    "aspf": ("r", "s"),
    "testing": ("y", "n"),
    "discovery_method": ("psl", "treewalk"),
    "type": REASON_TYPES,
    "scope": ("mfrom", "helo"),
}
_OBSOLETE = {"hardfail": "fail", "softfail": "softfail"}  # early reporters wrote SPF words into DKIM results
_START = {("record",): "record"} | dict.fromkeys(_PARTS, "part")


def _leaf_kind(path: tuple[str, ...]) -> tuple[str, str, bool]:
    """(where the text goes, its field name, is it an RFC word) for a known leaf path."""
    name = path[-1]
    if path[0] in ("version", "report_metadata"):
        return ("error" if name == "error" else "meta", name, False)
    if path[0] == "policy_published":
        return ("policy", name, name in _WORDS)
    if len(path) == 3 and path[1] in ("identifiers", "identities"):
        return (path[1], name, False)
    if len(path) == 5 or path[1] == "auth_results":
        return ("part", name, False)
    return ("field", name, name in _WORDS)


_CLOSES = {("record",), *_PARTS}  # containers whose end does something; the others are only structure
_END = (
    {p: _leaf_kind(p) for p in _LEAVES}
    | dict.fromkeys(_CONTAINERS - _CLOSES, ("skip", "", False))
    | dict.fromkeys(_CLOSES, ("container", "", False))
)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


@dataclass
class _Row:
    """A record being read."""

    fields: dict[str, str] = field(default_factory=dict)
    reasons: list[Reason] = field(default_factory=list)
    dkim: list[DkimAuth] = field(default_factory=list)
    spf: list[SpfAuth] = field(default_factory=list)
    part: dict[str, str] = field(default_factory=dict)  # the reason / dkim / spf element being read


# (parent path, element name as written) -> (path, start action): pure, so shared by every parser; capped so that
# reports full of invented element names cannot grow it without bound.
_STEPS: dict[tuple[tuple[str, ...] | None, str], tuple[tuple[str, ...], str | None]] = {}


_IPS: dict[str, str] = {}  # source_ip as sent -> normalized: pure, shared, capped (reports repeat their senders)


class AggregateParser:
    """Incremental parser: feed() bytes, then close(); each returns the items completed so far."""

    def __init__(self) -> None:
        self._expat = expat.ParserCreate()
        self._expat.buffer_text = True
        self._expat.buffer_size = 1 << 16
        self._expat.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self._expat.StartDoctypeDeclHandler = self._refuse_dtd
        self._expat.EntityDeclHandler = self._refuse_entity
        self._expat.ExternalEntityRefHandler = self._refuse_entity
        self._expat.StartElementHandler = self._start
        self._expat.EndElementHandler = self._end
        self._expat.CharacterDataHandler = self._text
        self._path: tuple[str, ...] | None = None  # below <feedback>; None outside it
        self._steps = _STEPS
        self._in_root = False
        self._ips = _IPS
        self._text_buffer = ""
        self._namespace: str | None = None
        self._meta: dict[str, str] = {}
        self._errors: list[str] = []
        self._policy: dict[str, str] = {}
        self._row: _Row | None = None
        self._out: list[Item] = []
        self._head: ReportHead | None = None
        self._records = 0
        self._messages = 0
        self._extensions: list[str] = []
        self._warnings: dict[str, int] = {}
        self._closed_root = False
        self._stopped = False  # after a recovered error, the rest of the input is ignored
        self._decoder: codecs.IncrementalDecoder | None = None
        self._started = False

    # --- input -------------------------------------------------------------------------------------------------
    def feed(self, chunk: bytes) -> list[Item]:
        if self._stopped or not chunk:
            return self._take()
        if not self._started:
            self._started = True
            match = _XML_DECL.match(chunk)
            # UTF-8 (declared or by default) is decoded here so invalid bytes can be replaced and reported;
            # any other declared encoding goes to expat as bytes.
            if match is None or match.group(1).lower().replace(b"_", b"-") in (b"utf-8", b"utf8"):
                self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self._parse(chunk, final=False)
        return self._take()

    def close(self) -> list[Item]:
        if not self._started:
            raise ReportError("empty input, not a DMARC report")
        if not self._stopped:
            self._parse(b"", final=True)
        if self._head is None:
            self._emit_head()
        if not self._records and not self._stopped:
            self._warn("no <record> in the report")
        self._out.append(
            ReportEnd(self._records, self._messages, tuple(dict.fromkeys(self._extensions)), self._warning_list())
        )
        return self._take()

    def _parse(self, data: bytes, final: bool) -> None:
        try:
            if self._decoder is not None:
                text = self._decoder.decode(data, final)
                if "\ufffd" in text and b"\xef\xbf\xbd" not in data:
                    self._warn("invalid UTF-8 replaced with U+FFFD")
                self._expat.Parse(text, final)
            else:
                self._expat.Parse(data, final)
        except expat.ExpatError as exc:
            self._recover(exc)

    def _recover(self, exc: expat.ExpatError) -> None:
        where = f"line {exc.lineno}: {expat.ErrorString(exc.code)}"
        if self._closed_root:
            self._warn(f"XML recovered after an error: text after </feedback> ignored ({where})")
        elif self._records:
            self._warn(f"XML recovered after an error ({where}): kept the {self._records} complete records before it")
            self._row = None
        else:
            raise ReportError(f"not well-formed XML ({where})") from None
        self._stopped = True

    def _take(self) -> list[Item]:
        out, self._out = self._out, []
        return out

    # --- safety ------------------------------------------------------------------------------------------------
    def _refuse_dtd(self, *args: object) -> None:
        raise ReportError("refused: the XML has a DOCTYPE (a DMARC report never needs one; entity expansion risk)")

    def _refuse_entity(self, *args: object) -> int:
        raise ReportError("refused: the XML declares or references entities (entity expansion risk)")

    # --- elements ----------------------------------------------------------------------------------------------
    # The handlers run once per element and text node (60 times per row): they keep the path as a tuple (root
    # excluded) and decide by one dict look-up.
    def _start(self, name: str, attrs: dict[str, str]) -> None:
        step = self._steps.get((self._path, name))
        if step is None:
            step = self._step(name, attrs)
        self._path, action = step
        self._text_buffer = ""
        if action is None:
            return
        if action == "record":
            if self._head is None:
                self._emit_head()
            self._row = _Row()
        elif self._row is not None:  # "part": a reason, dkim or spf element opens
            self._row.part = {}

    def _step(self, name: str, attrs: dict[str, str]) -> tuple[tuple[str, ...], str | None]:
        """The path below (self._path, name), checked once per distinct pair and then cached."""
        local = name.rpartition(":")[2]
        if not self._in_root:
            if self._closed_root or local != "feedback":
                raise ReportError(f"not a DMARC aggregate report: the root element is <{local}>, not <feedback>")
            prefix = name.rpartition(":")[0]
            self._namespace = attrs.get(f"xmlns:{prefix}" if prefix else "xmlns")
            self._in_root = True
            return (), None  # not cached: the root is checked every time
        path = (*self._path, local)
        if len(path) >= MAX_DEPTH:
            raise ReportError(f"refused: elements nested deeper than {MAX_DEPTH}")
        step = (path, _START.get(path))
        if len(self._steps) < 4096:  # unknown names must not grow the cache without bound
            self._steps[(self._path, name)] = step
        return step

    def _text(self, data: str) -> None:
        self._text_buffer += data
        if len(self._text_buffer) > MAX_TEXT:
            raise ReportError(f"refused: more than {MAX_TEXT} characters of text in one element")

    def _end(self, name: str) -> None:
        path = self._path
        if not path:
            self._closed_root = True
            self._in_root = False
            self._path = None
            return
        self._path = path[:-1]
        text, self._text_buffer = self._text_buffer.strip(), ""
        kind = _END.get(path)
        if kind is None:
            self._unknown(path)
            return
        dest, name, word = kind
        if dest == "field":  # the common case first: a row's own values
            if self._row is not None:
                self._row.fields[name] = self._word(name, text) if word else text
        elif dest == "part":
            if self._row is not None:
                self._row.part[name] = text
        elif dest == "container":
            self._close_container(path)
        elif dest != "skip":
            self._leaf(dest, name, word, text)

    def _unknown(self, path: tuple[str, ...]) -> None:
        if path[0] in ("extension", "extensions") or (len(path) > 1 and path[1] in ("extension", "extensions")):
            if len(path) == 2 or (len(path) == 3 and path[0] == "record"):
                self._extensions.append(path[-1])
        else:
            parent = path[-2] if len(path) > 1 else "feedback"
            self._warn(f"unknown element <{path[-1]}> in <{parent}> ignored")

    def _leaf(self, dest: str, name: str, word: bool, text: str) -> None:
        if dest == "meta":
            self._meta[name] = text
        elif dest == "error":
            self._errors.append(text)
        elif dest == "policy":
            self._policy[name] = self._word(name, text) if word else text
        elif self._row is not None:  # identifiers, or the draft's identities
            if dest == "identities" and name == "header_from":
                self._warn("pre-standard <identities> read as <identifiers>")
            self._row.fields[name] = text.lower().rstrip(".") if text else text

    def _close_container(self, path: tuple[str, ...]) -> None:
        row = self._row
        if row is None:
            return
        if path == ("record",):
            self._emit_record(row)
            self._row = None
        elif path[-1] == "reason":
            kind = self._word("type", row.part.get("type", ""))
            if kind:
                row.reasons.append(Reason(kind, row.part.get("comment") or None))
            else:
                self._warn("empty <reason> ignored")
        elif path[-1] == "dkim":
            result = self._result(row.part.get("result", ""), DKIM_RESULTS, "DKIM")
            row.dkim.append(
                DkimAuth(
                    (row.part.get("domain") or "").lower(),
                    row.part.get("selector") or None,
                    result,
                    row.part.get("human_result") or None,
                )
            )
        elif path[-1] == "spf":
            scope = self._word("scope", row.part["scope"]) if row.part.get("scope") else None
            result = self._result(row.part.get("result", ""), SPF_RESULTS, "SPF")
            row.spf.append(SpfAuth((row.part.get("domain") or "").lower(), scope, result))

    # --- values ------------------------------------------------------------------------------------------------
    def _word(self, name: str, text: str) -> str:
        if text in _WORDS[name]:
            return text
        word = text.lower()
        if word != text:
            self._warn(f"upper-case {text!r} read as {word!r}")
        if word and word not in _WORDS[name]:
            self._warn(f"unknown {name} value {word!r} kept as is")
        return word

    def _result(self, text: str, known: tuple[str, ...], kind: str) -> str:
        if text in known:
            return text
        word = text.lower()
        if word != text:
            self._warn(f"upper-case {text!r} read as {word!r}")
        if word in _OBSOLETE and word not in known:
            self._warn(f"obsolete {kind} result {word!r} read as {_OBSOLETE[word]!r}")
            word = _OBSOLETE[word]
        elif word not in known:
            self._warn(f"unknown {kind} result {word!r} kept as is")
        return word

    def _number(self, text: str | None, what: str, default: int | None) -> int | None:
        if text is None or text == "":
            return default
        try:
            return int(text)
        except ValueError:
            pass
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is not None and value == value and abs(value) < 1e15:  # NaN != NaN
            self._warn(f"{what} {text!r} read as {int(value)}")
            return int(value)
        self._warn(f"{what} {text!r} is not a number; read as {default}")
        return default

    def _warn(self, message: str) -> None:
        self._warnings[message] = self._warnings.get(message, 0) + 1

    def _warning_list(self) -> tuple[str, ...]:
        return tuple(m if n == 1 else f"{m} ({n} times)" for m, n in self._warnings.items())

    # --- output ------------------------------------------------------------------------------------------------
    def _emit_head(self) -> None:
        meta, policy = self._meta, self._policy
        for need, where in (("org_name", "report_metadata"), ("report_id", "report_metadata")):
            if not meta.get(need):
                raise ReportError(f"not a usable DMARC report: no <{need}> in <{where}>")
        if not policy.get("domain"):
            raise ReportError("not a usable DMARC report: no <domain> in <policy_published>")
        begin = self._number(meta.get("begin"), "date_range begin", None)
        end = self._number(meta.get("end"), "date_range end", None)
        if begin is None or end is None:
            raise ReportError("not a usable DMARC report: no <date_range> begin and end")
        if end < begin:
            self._warn(f"date_range end {end} before begin {begin}; kept as sent")
        if self._namespace == NS_RFC9990:
            fmt = "rfc9990"
        elif self._namespace in (NS_RFC7489, None, "") and "version" in meta:
            fmt = "rfc7489"
        elif self._namespace in (None, ""):
            fmt = "draft"  # the pre-standard schema had no <version> and no namespace
        else:
            fmt = "rfc7489"
            self._warn(f"unknown namespace {self._namespace!r} read as RFC 7489")
        self._head = ReportHead(
            format=fmt,
            version=meta.get("version") or None,
            org_name=meta["org_name"],
            email=meta.get("email") or None,
            extra_contact_info=meta.get("extra_contact_info") or None,
            report_id=meta["report_id"],
            begin=begin,
            end=end,
            errors=tuple(self._errors),
            generator=meta.get("generator") or None,
            policy=PolicyPublished(
                domain=policy["domain"].lower().rstrip("."),
                p=policy.get("p") or None,
                sp=policy.get("sp") or None,
                np=policy.get("np") or None,
                pct=self._number(policy.get("pct"), "pct", None),
                adkim=policy.get("adkim") or None,
                aspf=policy.get("aspf") or None,
                fo=policy.get("fo") or None,
                testing=policy.get("testing") or None,
                discovery_method=policy.get("discovery_method") or None,
            ),
        )
        self._out.append(self._head)

    def _emit_record(self, row: _Row) -> None:
        f = row.fields
        source_ip = f.get("source_ip", "")
        known = self._ips.get(source_ip)
        if known is not None:
            source_ip = known
        else:
            try:
                normal = str(ipaddress.ip_address(source_ip))
            except ValueError:
                self._warn(f"source_ip {source_ip!r} is not an IP address; kept as sent")
            else:
                if len(self._ips) < 65536:  # only valid ones: every report must still warn about a bad one
                    self._ips[source_ip] = normal
                source_ip = normal
        count = self._number(f.get("count"), "count", 0) or 0
        if count < 0:
            self._warn(f"negative count {count} read as 0")
            count = 0
        record = Record(
            source_ip=source_ip,
            count=count,
            disposition=f.get("disposition") or None,
            dkim=f.get("dkim") or None,
            spf=f.get("spf") or None,
            header_from=f.get("header_from") or None,
            envelope_from=f.get("envelope_from") or None,
            envelope_to=f.get("envelope_to") or None,
            reasons=tuple(row.reasons),
            dkim_auth=tuple(row.dkim),
            spf_auth=tuple(row.spf),
        )
        self._records += 1
        self._messages += count
        self._out.append(record)


def parse_aggregate(chunks: Iterable[bytes]) -> Iterator[Item]:
    """Stream a report: ReportHead, its Records, then ReportEnd. Raises ReportError (one line) on bad input."""
    parser = AggregateParser()
    for chunk in chunks:
        yield from parser.feed(chunk)
    yield from parser.close()

"""DMARC aggregate reports, receiver side: typed rows in, report bytes out (STANDARDS DMARC-20, DMARC-21, DMARC-22).

The types are report_model's, shared with the reader. Pure: no clock (the caller passes dates), no files, no
sockets. One `AggregateReport` is one policy domain and one
period (RFC 9990 §3.1: one Policy Domain per report). It renders as RFC 9990 XML (namespace
urn:ietf:params:xml:ns:dmarc-2.0) or as RFC 7489 Appendix C XML, is gzipped under the RFC file name
`receiver!policy-domain!begin!end!unique-id.xml.gz`, and wrapped in the report email (RFC 9990 §3.3.1).

The two formats differ in small ways this module owns: 7489 has no `pass` disposition, requires `version`, `sp`,
`pct`, `fo`, `envelope_from` and at least one `spf`, knows `sampled_out`/`forwarded` but not `policy_test_mode`, and
its schema matches IPv6 only in the full eight-group form.
"""

from __future__ import annotations

import gzip
import hashlib
import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from functools import lru_cache

from toolkit.core.dmarc.record import is_dmarc_record
from toolkit.core.dmarc.report_model import NS_RFC9990, AggregateReport, PolicyPublished, Record, ReportHead, SpfAuth
from toolkit.core.tags import TagListError, parse_tag_list

NAMESPACE = NS_RFC9990
FORMATS = ("rfc9990", "rfc7489")
MAX_DKIM_PER_ROW = 100  # RFC 9990 §3.1.2: no more than 100 signatures per row, in decreasing priority
_TO_7489 = {"policy_test_mode": "sampled_out"}  # the 7489 word for "policy softened by the record's own request"
_TO_9990 = {"sampled_out": "policy_test_mode", "forwarded": "trusted_forwarder"}

# XML 1.0 forbids most C0 controls even as character references; text from messages can carry them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_NEEDS_WORK = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_UNIQUE_ID = re.compile(r"[A-Za-z0-9]+")


def report_id(receiver: str, domain: str, begin: int, end: int) -> str:
    """A Report-ID that is also a valid file-name unique-id (1*(ALPHA / DIGIT), RFC 9990 §3.3.1).

    Deterministic per (receiver, domain, period): RFC 9990 says a re-sent report MUST keep its file name, and the
    Report-ID and unique-id MUST be identical, so generating the same period again yields the same identity.
    """
    seed = f"{receiver.lower()}!{domain.lower()}!{begin}!{end}".encode()
    return hashlib.sha256(seed).hexdigest()[:32]


def build_report(
    *,
    org_name: str,
    email: str,
    receiver: str,
    policy: PolicyPublished,
    records: Sequence[Record],
    begin: int,
    end: int,
    fmt: str = "rfc9990",
    generator: str | None = None,
    extra_contact_info: str | None = None,
) -> AggregateReport:
    """One report for one policy domain and period, its Report-ID derived by report_id()."""
    head = ReportHead(
        format=fmt,
        version="1.0",
        org_name=org_name,
        email=email,
        extra_contact_info=extra_contact_info,
        report_id=report_id(receiver, policy.domain, begin, end),
        begin=int(begin),
        end=int(end),
        errors=(),
        generator=generator,
        policy=policy,
    )
    return AggregateReport(head, tuple(records))


def file_name(receiver: str, report: AggregateReport, extension: str = "xml.gz") -> str:
    """`receiver!policy-domain!begin!end!unique-id.xml.gz` (RFC 9990 §3.3.1; DMARC-21)."""
    unique = report.head.report_id
    if not _UNIQUE_ID.fullmatch(unique):
        raise ValueError(f"report id {unique!r} is not a valid unique-id (letters and digits only)")
    for name in (receiver, report.head.domain):
        if not name or "!" in name or "/" in name or name.startswith("."):
            raise ValueError(f"{name!r} cannot be part of a report file name")
    return f"{receiver}!{report.head.domain}!{report.head.begin}!{report.head.end}!{unique}.{extension}"


def subject(receiver: str, report: AggregateReport) -> str:
    """`Report Domain: <d> Submitter: <r> Report-ID: <id>` (RFC 9990 §3.3.1; DMARC-21)."""
    return f"Report Domain: {report.head.domain} Submitter: {receiver} Report-ID: {report.head.report_id}"


def gzip_bytes(data: bytes) -> bytes:
    """gzip with mtime 0 and no file name, so the same report always gives the same bytes."""
    return gzip.compress(data, compresslevel=6, mtime=0)


# ---------------------------------------------------------------------------------------------------- XML


def to_xml(report: AggregateReport, fmt: str = "rfc9990") -> bytes:
    """The report as UTF-8 XML in the given format, elements in the schema's order."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r} (use {' or '.join(FORMATS)})")
    if not report.records:
        raise ValueError("a report needs at least one record (RFC 9990 §3.1.1)")
    legacy = fmt == "rfc7489"
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    # 7489: no namespace, as the big reporters send it (DMARC-22 accepts none or dmarc-xml/0.1)
    out.append("<feedback>\n" if legacy else f'<feedback xmlns="{NAMESPACE}">\n')
    out.append("  <version>1.0</version>\n")
    _metadata(out, report.head, legacy)
    _policy(out, report.head.policy, legacy)
    for record in report.records:
        _record(out, record, legacy)
    out.append("</feedback>\n")
    return "".join(out).encode("utf-8")


def _text(value: object) -> str:
    text = str(value)
    if _NEEDS_WORK.search(text) is None:  # the common case (domains, IPs, result words): nothing to do
        return text
    text = _XML_INVALID.sub("\ufffd", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@lru_cache(maxsize=65536)
def _escaped(text: str) -> str:
    """_text for the strings that repeat across records (domains, selectors, result words), decided once each."""
    return _text(text)


def _el(out: list[str], indent: int, name: str, value: object) -> None:
    out.append(f"{' ' * indent}<{name}>{_text(value)}</{name}>\n")


def _metadata(out: list[str], meta: ReportHead, legacy: bool) -> None:
    out.append("  <report_metadata>\n")
    _el(out, 4, "org_name", meta.org_name)
    _el(out, 4, "email", meta.email)
    if meta.extra_contact_info:
        _el(out, 4, "extra_contact_info", meta.extra_contact_info)
    _el(out, 4, "report_id", meta.report_id)
    out.append(f"    <date_range>\n      <begin>{int(meta.begin)}</begin>\n      <end>{int(meta.end)}</end>\n"
               "    </date_range>\n")  # fmt: skip
    if legacy:
        for error in meta.errors:
            _el(out, 4, "error", error)
    elif meta.errors:  # RFC 9990: at most one error element
        _el(out, 4, "error", "; ".join(meta.errors))
    if meta.generator and not legacy:
        _el(out, 4, "generator", meta.generator)
    out.append("  </report_metadata>\n")


def _policy(out: list[str], policy: PolicyPublished, legacy: bool) -> None:
    out.append("  <policy_published>\n")
    _el(out, 4, "domain", policy.domain)
    if legacy:  # 7489 requires sp, pct and fo
        p = policy.p or "none"
        pct = policy.pct if policy.pct is not None else 100
        for name, value in (
            ("adkim", policy.adkim or "r"),
            ("aspf", policy.aspf or "r"),
            ("p", p),
            ("sp", policy.sp or p),
            ("pct", pct),
            ("fo", policy.fo or "0"),
        ):
            _el(out, 4, name, value)
    else:  # RFC 9990 §3.1.1.5 order
        _el(out, 4, "discovery_method", policy.discovery_method or "treewalk")
        _el(out, 4, "p", policy.p or "none")
        for name in ("sp", "np"):
            value = getattr(policy, name)
            if value:
                _el(out, 4, name, value)
        for name, default in (("fo", "0"), ("adkim", "r"), ("aspf", "r"), ("testing", "n")):
            _el(out, 4, name, getattr(policy, name) or default)
    out.append("  </policy_published>\n")


def _record(out: list[str], row: Record, legacy: bool) -> None:
    # one string per record, values escaped through a cache: a report can hold hundreds of thousands of records
    t = _escaped
    disposition = row.disposition or "none"
    disposition = "none" if legacy and disposition == "pass" else disposition
    parts = [
        f"  <record>\n    <row>\n      <source_ip>{t(_source_ip(row.source_ip, legacy))}</source_ip>\n"
        f"      <count>{int(row.count)}</count>\n      <policy_evaluated>\n"
        f"        <disposition>{t(disposition)}</disposition>\n        <dkim>{t(row.dkim or 'fail')}</dkim>\n"
        f"        <spf>{t(row.spf or 'fail')}</spf>\n"
    ]
    for reason in row.reasons:
        kind = _TO_7489.get(reason.type, reason.type) if legacy else _TO_9990.get(reason.type, reason.type)
        comment = f"          <comment>{t(reason.comment)}</comment>\n" if reason.comment else ""
        parts.append(f"        <reason>\n          <type>{t(kind)}</type>\n{comment}        </reason>\n")
    parts.append("      </policy_evaluated>\n    </row>\n    <identifiers>\n")
    if row.envelope_to:
        parts.append(f"      <envelope_to>{t(row.envelope_to)}</envelope_to>\n")
    if row.envelope_from is not None or legacy:
        parts.append(f"      <envelope_from>{t(row.envelope_from or '')}</envelope_from>\n")
    parts.append(
        f"      <header_from>{t(row.header_from or '')}</header_from>\n    </identifiers>\n    <auth_results>\n"
    )
    for sig in row.dkim_auth[:MAX_DKIM_PER_ROW]:
        selector = ""
        if sig.selector is not None or not legacy:  # required in 9990, optional in 7489
            selector = f"        <selector>{t(sig.selector or '')}</selector>\n"
        human = f"        <human_result>{t(sig.human_result)}</human_result>\n" if sig.human_result else ""
        parts.append(f"      <dkim>\n        <domain>{t(sig.domain)}</domain>\n{selector}"
                     f"        <result>{t(sig.result)}</result>\n{human}      </dkim>\n")  # fmt: skip
    for spf in _spf_entries(row, legacy):
        parts.append(f"      <spf>\n        <domain>{t(spf.domain)}</domain>\n        <scope>{t(spf.scope or 'mfrom')}"
                     f"</scope>\n        <result>{t(spf.result)}</result>\n      </spf>\n")  # fmt: skip
    parts.append("    </auth_results>\n  </record>\n")
    out.append("".join(parts))


def _spf_entries(row: Record, legacy: bool) -> Sequence[SpfAuth]:
    """9990: at most one spf, the MAIL FROM identity. 7489: at least one (HELO allowed; `none` if SPF never ran)."""
    if not legacy:
        return [s for s in row.spf_auth if (s.scope or "mfrom") == "mfrom"][:1]
    if row.spf_auth:
        return row.spf_auth
    return [SpfAuth(row.envelope_from or row.header_from or "", "mfrom", "none")]


@lru_cache(maxsize=65536)
def _source_ip(text: str, legacy: bool) -> str:
    """RFC 7489's schema matches IPv6 only as eight groups, so 7489 reports spell IPv6 out (no `::`)."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return text
    if legacy and address.version == 6:
        return ":".join(f"{int(group, 16):x}" for group in address.exploded.split(":"))
    return address.compressed


# ---------------------------------------------------------------------------------------------------- rua


@dataclass(frozen=True, slots=True)
class ReportUri:
    address: str  # the mailto: address, percent-decoding of `,` and `!` applied
    max_bytes: int | None  # the `!size` limit, None when absent

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2].lower().rstrip(".")


_SIZE = re.compile(r"(\d{1,15})([kmgt]?)", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_rua(value: str) -> tuple[list[ReportUri], list[str]]:
    """rua (DMARC-20): comma-separated URIs, `mailto:` only, each with an optional `!size` (RFC 7489 §6.2).

    Returns the usable URIs and one note per URI that was skipped.
    """
    uris: list[ReportUri] = []
    notes: list[str] = []
    for item in value.split(","):
        item = item.strip(" \t")
        if not item:
            continue
        uri, _, size = item.partition("!")
        if not uri.lower().startswith("mailto:"):
            notes.append(f"ignored report URI {uri[:80]!r}: only mailto: is supported")
            continue
        address = uri[7:].split("?", 1)[0].replace("%2C", ",").replace("%2c", ",").replace("%21", "!")
        if address.count("@") != 1 or not address.partition("@")[0] or not address.partition("@")[2]:
            notes.append(f"ignored report URI {uri[:80]!r}: not one address")
            continue
        limit = None
        if size:
            match = _SIZE.fullmatch(size.strip())
            if match is None:
                notes.append(f"report URI {uri[:80]!r}: size {size[:20]!r} unreadable, ignored")
            else:
                limit = int(match.group(1)) * _UNITS[match.group(2).lower()]
        uris.append(ReportUri(address, limit))
    return uris, notes


def authorization_name(policy_domain: str, destination_domain: str) -> str:
    """`<policy-domain>._report._dmarc.<destination>` (RFC 9990 §4; DMARC-20)."""
    return f"{policy_domain.rstrip('.')}._report._dmarc.{destination_domain.rstrip('.')}"


def authorizes(txt_strings: Iterable[str]) -> bool:
    """RFC 9990 §4 steps 6-8: at least one TXT record that starts with the tag `v=DMARC1`."""
    return any(is_dmarc_record(text) for text in txt_strings)


def authorized_uris(txt_strings: Iterable[str], uri: ReportUri) -> tuple[list[ReportUri], str]:
    """RFC 9990 §4 steps 6-9 for one external destination: the URIs to use and, when there are none, why.

    An authorizing record may carry its own rua, which replaces the requested URI; every replacement must keep
    the destination host, otherwise neither the original nor the override may be used.
    """
    records = [text for text in txt_strings if is_dmarc_record(text)]
    if not records:
        return [], "no v=DMARC1 record"
    for text in records:
        try:
            override = parse_tag_list(text).get("rua")
        except TagListError:
            continue
        if override:
            uris, _notes = parse_rua(override)
            if any(u.domain != uri.domain for u in uris):
                return [], "its record redirects reports to another host (RFC 9990 section 4: not used)"
            if uris:
                return uris, ""
    return [uri], ""


# ---------------------------------------------------------------------------------------------------- email


def report_email(
    report: AggregateReport,
    fmt: str,
    *,
    receiver: str,
    sender: str,
    recipients: Sequence[str],
    date: float,
    xml_gz: bytes | None = None,
) -> bytes:
    """The report email (RFC 9990 §3.3.1): the RFC subject, a short text part and the gzip as application/gzip.

    date is Unix seconds (the caller's clock); the Message-ID reuses the Report-ID so duplicates are visible.
    """
    gz = xml_gz if xml_gz is not None else gzip_bytes(to_xml(report, fmt))
    name = file_name(receiver, report)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject(receiver, report)
    msg["Date"] = formatdate(date, usegmt=True)
    msg["Message-ID"] = f"<{report.head.report_id}@{receiver}>"
    msg.set_content(
        f"This is a DMARC aggregate report ({'RFC 7489' if fmt == 'rfc7489' else 'RFC 9990'}) for "
        f"{report.head.domain} from {receiver}, covering {report.head.begin} to {report.head.end} "
        f"(Unix seconds): {report.messages} messages in {len(report.records)} records.\n"
    )
    msg.add_attachment(gz, maintype="application", subtype="gzip", filename=name)
    # one Subject line (bounded: two domain names and a 32-character id), CRLF for SMTP
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n", max_line_length=998))

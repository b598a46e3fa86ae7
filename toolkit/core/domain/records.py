"""Record builders for `emlauth records dmarc|spf|dkim` and their output formats (pure: no I/O, no AWS SDK).

Formats: zone (RFC 1035 master-file lines), table (Name / Type / Value for registrar consoles), json, route53
(a ChangeResourceRecordSets body, UPSERT, TXT strings of at most 255 bytes, quoted) and sesv2 (the SES v2 API
bodies and the matching `aws sesv2` commands, for BYODKIM and the custom MAIL FROM).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from toolkit.core.dns import Resolver
from toolkit.core.domain.spf import MAX_LOOKUPS, SpfNode, _Walk
from toolkit.core.spf.parse import SpfSyntaxError, parse_record

FORMATS = ("zone", "table", "json", "route53", "sesv2")
TXT_MAX = 255


@dataclass(frozen=True, slots=True)
class DnsRecord:
    name: str  # absolute, no trailing dot
    rtype: str  # TXT, MX, CNAME
    value: str  # TXT: the whole value, unquoted; MX: "10 host."; CNAME: "target."
    ttl: int = 3600
    note: str = ""  # who publishes it, or why
    foreign: bool = False  # published by another party, in their zone (a report destination's authorization)

    def strings(self) -> list[str]:
        data = self.value.encode("utf-8")
        return [data[i : i + TXT_MAX].decode("utf-8", "replace") for i in range(0, len(data), TXT_MAX)] or [""]

    def rdata(self) -> str:
        """The record data as a zone file (and Route 53) writes it: TXT quoted in 255-byte strings."""
        if self.rtype != "TXT":
            return self.value
        return " ".join('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in self.strings())

    def to_json(self) -> dict:
        out = {"name": self.name, "type": self.rtype, "ttl": self.ttl, "value": self.value}
        if self.rtype == "TXT":
            out["strings"] = self.strings()
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class RecordSet:
    """What a records command prints: the records, notes for people, and SES API calls (sesv2 format)."""

    title: str
    records: tuple[DnsRecord, ...]
    notes: tuple[str, ...] = ()
    ses_calls: tuple[tuple[str, dict, str], ...] = field(default=())  # (API name, JSON body, aws command)


# -- DMARC ----------------------------------------------------------------------------------------------------


def mailto(uri: str) -> str:
    """A bare address becomes mailto: (DMARC-20)."""
    uri = uri.strip()
    return uri if ":" in uri.split("@", 1)[0] else f"mailto:{uri}"


def dmarc_records(
    domain: str,
    policy: str,
    rua: list[str],
    ruf: list[str],
    *,
    pct: int | None = None,
    sp: str | None = None,
    np: str | None = None,
    adkim: str | None = None,
    aspf: str | None = None,
    testing: bool = False,
    ttl: int = 3600,
    org_domain: Callable[[str], str] = lambda name: name,
) -> RecordSet:
    """`org_domain` maps a name to its Organizational Domain; the shells pass the Public Suffix List's
    (toolkit.shells.psl), data the core may not read itself. The default treats every other name as foreign."""
    rua, ruf = [mailto(u) for u in rua], [mailto(u) for u in ruf]
    tags = [("v", "DMARC1"), ("p", policy), ("sp", sp), ("np", np), ("adkim", adkim), ("aspf", aspf),
            ("pct", None if pct is None else str(pct)), ("t", "y" if testing else None),
            ("rua", ",".join(rua) or None), ("ruf", ",".join(ruf) or None)]  # fmt: skip
    value = "; ".join(f"{k}={v}" for k, v in tags if v is not None)
    records = [DnsRecord(f"_dmarc.{domain}", "TXT", value, ttl, f"publish in {domain}")]
    for uri in dict.fromkeys(rua + ruf):
        host = uri.rsplit("@", 1)[-1].rstrip(".").lower()
        if org_domain(host) != org_domain(domain):  # DMARC-20: another Organizational Domain
            note = f"{host} must publish this, or reports to {uri} are never sent (DMARC-20, RFC 9990 §4)"
            records.append(DnsRecord(f"{domain}._report._dmarc.{host}", "TXT", "v=DMARC1", ttl, note, foreign=True))
    notes = [
        "rollout: p=none with rua first, read the aggregate reports until every source of your mail passes, then "
        "p=quarantine, then p=reject (SES-8)",
        "to soften a step while testing: t=y (RFC 9989: receivers apply one policy lower); RFC 7489 receivers use "
        "pct=N (the share of failing mail the policy applies to) instead, and RFC 9989 removed pct",
    ]
    if not rua:
        notes.append("no --rua: you will get no aggregate reports, so you cannot see what would fail")
    return RecordSet(f"DMARC for {domain}", tuple(records), tuple(notes))


# -- SPF ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpfBuild:
    records: RecordSet
    tree: SpfNode | None
    problem: str  # "" when the record may be published


def spf_records(
    domain: str,
    resolver: Resolver,
    *,
    includes: list[str],
    ip4: list[str],
    ip6: list[str],
    mx: bool = False,
    a: bool = False,
    all_: str = "soft",
    ttl: int = 3600,
) -> SpfBuild:
    terms = ["v=spf1", *(f"ip4:{n}" for n in ip4), *(f"ip6:{n}" for n in ip6)]
    terms += (["a"] if a else []) + (["mx"] if mx else []) + [f"include:{d}" for d in includes]
    terms.append("-all" if all_ == "fail" else "~all")
    value = " ".join(terms)
    try:
        parsed = parse_record(value)
    except SpfSyntaxError as exc:
        return SpfBuild(RecordSet(f"SPF for {domain}", ()), None, f"not a valid SPF record: {exc}")
    walk = _Walk(resolver)
    tree = walk.tree("<record>", domain, parsed, (domain,), own=0, voids=0, root=domain)
    record = DnsRecord(domain, "TXT", value, ttl)
    notes = [f"worst case {tree.total}/{MAX_LOOKUPS} DNS lookups, {tree.voids}/2 void lookups (SPF-14)"]
    notes += [f.message for f in walk.problems]
    problem = ""
    if tree.total > MAX_LOOKUPS:
        heavy = max(tree.children, key=lambda c: c.total)
        problem = (f"the record would cost {tree.total} DNS lookups, over the limit of 10 (permerror for every "
                   f"message); trim or flatten {heavy.term} (it spends {heavy.total})")  # fmt: skip
    elif any(f.level == "error" for f in walk.problems):
        problem = walk.problems[0].message
    return SpfBuild(RecordSet(f"SPF for {domain}", (record,), tuple(notes)), tree, problem)


# -- SES ------------------------------------------------------------------------------------------------------


def ses_mail_from(domain: str, region: str, mail_from: str, ttl: int = 3600, ses_domain: str = "amazonses.com"
                  ) -> RecordSet:  # fmt: skip
    """SES-6: the custom MAIL FROM pair, and the SES v2 call that turns it on."""
    records = (
        DnsRecord(mail_from, "MX", f"10 feedback-smtp.{region}.{ses_domain}.", ttl, "SES custom MAIL FROM (SES-6)"),
        DnsRecord(mail_from, "TXT", f"v=spf1 include:{ses_domain} ~all", ttl, "SES custom MAIL FROM (SES-6)"),
    )
    body = {"EmailIdentity": domain, "MailFromDomain": mail_from, "BehaviorOnMxFailure": "REJECT_MESSAGE"}
    command = (f"aws sesv2 put-email-identity-mail-from-attributes --region {region} "
               "--cli-input-json file://put-email-identity-mail-from-attributes.json")  # fmt: skip
    notes = ("SES-7: without a custom MAIL FROM, SPF never aligns and DMARC rests on DKIM alone",)
    return RecordSet(f"SES custom MAIL FROM for {domain}", records, notes,
                     (("PutEmailIdentityMailFromAttributes", body, command),))  # fmt: skip


def ses_easy_dkim(domain: str, ttl: int = 3600, ses_domain: str = "amazonses.com") -> RecordSet:
    """SES-1: the Easy DKIM form, three CNAMEs whose tokens SES issues (shown as placeholders)."""
    records = tuple(
        DnsRecord(
            f"<token{n}>._domainkey.{domain}",
            "CNAME",
            f"<token{n}>.dkim.{ses_domain}.",
            ttl,
            "Easy DKIM: SES shows the three tokens after create-email-identity",
        )  # fmt: skip
        for n in (1, 2, 3)
    )
    notes = ("Easy DKIM (SES-1): SES holds and rotates the key; BYODKIM (the TXT above): you hold the key",)
    return RecordSet(f"Easy DKIM for {domain} (the alternative to BYODKIM)", records, notes)


def ses_byodkim_calls(domain: str, selector: str, private_key: str, region: str | None) -> tuple:
    """SES v2 CreateEmailIdentity and PutEmailIdentityDkimSigningAttributes bodies for BYODKIM (SES-3)."""
    attributes = {"DomainSigningSelector": selector, "DomainSigningPrivateKey": private_key}
    where = f" --region {region}" if region else ""
    create = {"EmailIdentity": domain, "DkimSigningAttributes": attributes}
    put = {"EmailIdentity": domain, "SigningAttributesOrigin": "EXTERNAL", "SigningAttributes": attributes}
    return (
        ("CreateEmailIdentity", create,
         f"aws sesv2 create-email-identity{where} --cli-input-json file://create-email-identity.json"),
        ("PutEmailIdentityDkimSigningAttributes", put,
         f"aws sesv2 put-email-identity-dkim-signing-attributes{where} "
         "--cli-input-json file://put-email-identity-dkim-signing-attributes.json"),
    )  # fmt: skip


# -- formats --------------------------------------------------------------------------------------------------


def render(sets: list[RecordSet], fmt: str) -> str:
    records = [r for s in sets for r in s.records]
    if fmt == "json":
        out = [{"title": s.title, "records": [r.to_json() for r in s.records], "notes": list(s.notes),
                "ses": [{"api": a, "body": b, "command": c} for a, b, c in s.ses_calls]} for s in sets]  # fmt: skip
        return json.dumps(out, indent=2) + "\n"
    if fmt == "route53":  # one change batch is one hosted zone: another party's records are not in it
        return json.dumps(route53([r for r in records if not r.foreign]), indent=2) + "\n"
    if fmt == "sesv2":
        lines = []
        for a, body, command in (c for s in sets for c in s.ses_calls):
            lines += [f"# {a}: save as {_file(command)}", json.dumps(body, indent=2), f"# then run:\n{command}", ""]
        return "\n".join(lines)
    if fmt == "table":
        return table(sets)
    lines = []
    for s in sets:
        lines.append(f"; {s.title}")
        for r in s.records:
            if r.note:
                lines.append(f"; {r.note}")
            lines.append(f"{r.name}. {r.ttl} IN {r.rtype} {r.rdata()}")
        lines += [f"; {n}" for n in s.notes]
    return "\n".join(lines) + "\n"


def _file(command: str) -> str:
    return command.rsplit("file://", 1)[-1]


def route53(records: list[DnsRecord]) -> dict:
    """ChangeResourceRecordSets: one UPSERT per name and type, every value of that set in it."""
    sets: dict[tuple[str, str], list[DnsRecord]] = {}
    for r in records:
        sets.setdefault((r.name, r.rtype), []).append(r)
    changes = [
        {"Action": "UPSERT", "ResourceRecordSet": {"Name": f"{name}.", "Type": rtype, "TTL": group[0].ttl,
                                                   "ResourceRecords": [{"Value": r.rdata()} for r in group]}}
        for (name, rtype), group in sets.items()
    ]  # fmt: skip
    return {"Comment": "emlauth records", "Changes": changes}


def table(sets: list[RecordSet]) -> str:
    rows = [("Name", "Type", "Value")] + [(r.name, r.rtype, r.value) for s in sets for r in s.records]
    width = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"{n:<{width[0]}}  {t:<{width[1]}}  {v}" for n, t, v in rows]
    if any(r.rtype == "TXT" and len(r.value.encode()) > TXT_MAX for s in sets for r in s.records):
        lines.append("note: paste long TXT values whole, without quotes; most consoles split them into 255-byte "
                     "strings themselves (Route 53 and Cloudflare do; check that yours shows one record)")  # fmt: skip
    lines += [f"note: {n}" for s in sets for n in s.notes]
    return "\n".join(lines) + "\n"

"""DMARC checks on a domain (DMARC-2..4, DMARC-13..14, DMARC-17, DMARC-20, SES-8).

The record at `_dmarc.D` (or what the RFC 9989 tree walk finds for a subdomain); `v=DMARC1` first; `p` valid;
unknown tags and likely typos; `pct` advice; `rua`/`ruf` syntax with a "did you mean mailto:" hint; the
authorization record of every external report destination; and the next step of the rollout.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from toolkit.core.dmarc.discovery import DiscoveryTempError, DmarcLookups, discover_policy
from toolkit.core.dmarc.record import POLICIES, DmarcRecord, is_dmarc_record, parse_record
from toolkit.core.dns import DnsStatus, Resolver
from toolkit.core.domain.findings import Finding, finding, txt_line

KNOWN_TAGS = ("v", "p", "sp", "np", "adkim", "aspf", "fo", "rua", "ruf", "t", "psd", "pct", "rf", "ri")
FLAG_VALUES = {"adkim": ("r", "s"), "aspf": ("r", "s"), "t": ("y", "n"), "psd": ("y", "n", "u")}
NEXT_POLICY = {"none": "quarantine", "quarantine": "reject"}
MAX_DESTINATIONS = 10  # [ours] bound on authorization lookups


@dataclass(frozen=True, slots=True)
class DmarcAnalysis:
    findings: tuple[Finding, ...]
    record: DmarcRecord | None  # the record that applies to the domain, if any
    found_at: str = ""


def analyse_dmarc(domain: str, resolver: Resolver) -> DmarcAnalysis:
    name = f"_dmarc.{domain}"
    answer = resolver.query(name, "TXT")
    if answer.status is DnsStatus.TEMPFAIL:
        return DmarcAnalysis((_dns_error(name, answer.detail),), None)
    texts = [t.decode("utf-8", "replace") for t in answer.txt_joined()] if answer.ok else []
    valid = [t for t in texts if is_dmarc_record(t)]
    if len(valid) > 1:
        return DmarcAnalysis((finding("dmarc", "DMARC_MULTIPLE", "error", rule="DMARC-13", count=len(valid)),), None)
    if not valid:
        lookalike = next((t for t in texts if "v=dmarc1" in t.lower().replace(" ", "")), None)
        if lookalike is not None:
            fixed = reorder(lookalike)
            first = finding("dmarc", "DMARC_V_NOT_FIRST", "error", rule="DMARC-2", fix=txt_line(name, fixed),
                            record=lookalike)  # fmt: skip
            # receivers ignore it today; what the record would say once fixed (its "ok" findings would mislead)
            record = parse_record(fixed, "rfc9989", domain)
            rest = [f for f in _record_findings(domain, domain, record, resolver) if f.level != "ok"] if record else []
            return DmarcAnalysis((first, *rest), None)
        return _inherited(domain, resolver)
    record = parse_record(valid[0], "rfc9989", domain)
    assert record is not None
    return DmarcAnalysis(tuple(_record_findings(domain, domain, record, resolver)), record, domain)


def _dns_error(name: str, detail: str) -> Finding:
    return finding("dmarc", "DMARC_DNS_ERROR", "warn", rule="DMARC-12", name=name, detail=detail or "TEMPFAIL")


def _inherited(domain: str, resolver: Resolver) -> DmarcAnalysis:
    """No record at the domain: the RFC 9989 tree walk may still find the Organizational Domain's (DMARC-14)."""
    try:
        found = discover_policy(domain, DmarcLookups(resolver, "rfc9989"))
    except DiscoveryTempError as exc:
        return DmarcAnalysis((_dns_error(exc.answer.name, exc.answer.detail),), None)
    fix = txt_line(f"_dmarc.{domain}", f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}")
    if found.record is None:
        return DmarcAnalysis((finding("dmarc", "DMARC_NONE", "error", rule="DMARC-12", fix=fix, domain=domain),), None)
    at = found.record.name or found.org_domain
    policy = found.record.sp  # DMARC-8: a subdomain that exists gets sp
    first = finding("dmarc", "DMARC_INHERITED", "info", rule="DMARC-14", at=at, policy=policy, domain=domain)
    rest = _record_findings(at, domain, found.record, resolver)
    return DmarcAnalysis((first, *rest), found.record, at)


def reorder(text: str) -> str:
    """The tags with `v=DMARC1` first (exact spelling), each other tag once, in their order."""
    tags = []
    for part in text.split(";"):
        name, sep, value = part.partition("=")
        if sep and name.strip().lower() != "v":
            tags.append(f"{name.strip().lower()}={value.strip()}")
    return "; ".join(["v=DMARC1", *tags])


def _tags(text: str) -> list[tuple[str, str]]:
    out = []
    for part in text.split(";"):
        name, sep, value = part.partition("=")
        if sep and name.strip():
            out.append((name.strip().lower(), value.strip()))
    return out


def _record_findings(at: str, domain: str, record: DmarcRecord, resolver: Resolver) -> list[Finding]:
    out: list[Finding] = []
    tags = _tags(record.raw)
    present = dict(tags)
    name = f"_dmarc.{at}"
    for tag, value in tags:
        if tag not in KNOWN_TAGS:
            guess = difflib.get_close_matches(tag, KNOWN_TAGS, n=1, cutoff=0.5)
            hint = f"; did you mean {guess[0]}=?" if guess else ""
            fixed = _set(record.raw, tag, value, rename=guess[0]) if guess else _without(record.raw, tag)
            out.append(finding("dmarc", "DMARC_UNKNOWN_TAG", "warn", rule="DMARC-2", fix=txt_line(name, fixed),
                               tag=tag, hint=hint, suggestion=f"{guess[0]}=" if guess else ""))  # fmt: skip
        elif tag in FLAG_VALUES and value.lower() not in FLAG_VALUES[tag]:
            out.append(finding("dmarc", "DMARC_BAD_VALUE", "warn", rule="DMARC-3", tag=tag, value=value,
                               allowed="|".join(FLAG_VALUES[tag])))  # fmt: skip
    for tag in ("p", "sp", "np"):
        value = present.get(tag)
        if value is not None and value.lower() not in POLICIES:
            guess = difflib.get_close_matches(value.lower(), POLICIES, n=1, cutoff=0.5)
            good = guess[0] if guess else "none"
            fix = txt_line(name, _set(record.raw, tag, good))
            out.append(finding("dmarc", "DMARC_BAD_POLICY", "error", rule="DMARC-4", fix=fix, tag=tag, value=value,
                               guess=good))  # fmt: skip
    if "p" not in present:
        fix = txt_line(name, reorder(record.raw + "; p=none"))
        out.append(finding("dmarc", "DMARC_NO_POLICY", "error", rule="DMARC-4", fix=fix))
    if "pct" in present:
        pct = present["pct"]
        level = "info" if pct == "100" else "warn"
        fix = txt_line(
            name, _without(record.raw, "pct") if level == "info" else _set(_without(record.raw, "pct"), "t", "y")
        )
        out.append(finding("dmarc", "DMARC_PCT", level, rule="DMARC-17", fix=fix, pct=pct))
    for tag in ("rf", "ri"):
        if tag in present:
            out.append(finding("dmarc", "DMARC_LEGACY_TAG", "info", rule="DMARC-17", tag=tag))
    out += _destinations(at, record, present, resolver)
    out += _rollout(name, record, present)
    if not any(f.level in ("warn", "error", "critical") for f in out):
        out.insert(0, finding("dmarc", "DMARC_OK", "ok", rule="DMARC-2", record=record.raw, at=at))
    return out


def _without(raw: str, tag: str) -> str:
    return "; ".join(f"{n}={v}" for n, v in _tags(raw) if n != tag)


def _set(raw: str, tag: str, value: str, *, rename: str | None = None) -> str:
    """The record with `tag` set to `value` (or renamed to `rename`), other tags as they were."""
    pairs = _tags(raw)
    if not any(n == tag for n, _ in pairs):
        pairs.append((tag, value))
    out = []
    for n, v in pairs:
        if n == tag:
            n, v = (rename or n), (v if rename else value)
        out.append(f"{n}={v}")
    return "; ".join(out)


def _destinations(at: str, record: DmarcRecord, present: dict[str, str], resolver: Resolver) -> list[Finding]:
    name = f"_dmarc.{at}"
    out: list[Finding] = []
    if "rua" not in present:
        fix = txt_line(name, _set(record.raw, "rua", f"mailto:dmarc-reports@{at}"))
        out.append(finding("dmarc", "DMARC_NO_RUA", "warn", rule="DMARC-20", fix=fix))
    checked = 0
    for tag in ("rua", "ruf"):
        for item in present.get(tag, "").split(","):
            uri = item.strip().split("!", 1)[0]
            if not uri:
                continue
            if not uri.lower().startswith("mailto:") or "@" not in uri:
                good = f"mailto:{uri.split(':', 1)[-1]}" if "@" in uri else None
                hint = f"; did you mean {good}?" if good else ""
                fix = txt_line(name, record.raw.replace(uri, good, 1)) if good else None
                out.append(finding("dmarc", "DMARC_URI_SYNTAX", "error", rule="DMARC-20", fix=fix, tag=tag, uri=uri,
                                   hint=hint, suggestion=good or ""))  # fmt: skip
                continue
            host = uri.rsplit("@", 1)[1].strip().rstrip(".").lower()
            if checked >= MAX_DESTINATIONS or same_organization(host, at, resolver):
                continue  # DMARC-20: only a destination in another Organizational Domain needs authorizing
            checked += 1
            out.append(_authorization(at, tag, host, resolver))
    return out


def same_organization(a: str, b: str, resolver: Resolver) -> bool:
    """One name under the other, or the same RFC 9989 Organizational Domain by the tree walk (DMARC-15)."""
    if a == b or a.endswith("." + b) or b.endswith("." + a):
        return True
    lookups = DmarcLookups(resolver, "rfc9989")
    try:
        return lookups.treewalk_org_domain(a) == lookups.treewalk_org_domain(b)
    except DiscoveryTempError:
        return False  # cannot tell: ask for the authorization record, whose lookup reports the DNS trouble


def _authorization(at: str, tag: str, host: str, resolver: Resolver) -> Finding:
    """DMARC-20: `<policy-domain>._report._dmarc.<host>` TXT `v=DMARC1` authorizes an external destination."""
    name = f"{at}._report._dmarc.{host}"
    answer = resolver.query(name, "TXT")
    if answer.status is DnsStatus.TEMPFAIL:
        return _dns_error(name, answer.detail)
    if any(t.decode("utf-8", "replace").replace(" ", "").startswith("v=DMARC1") for t in answer.txt_joined()):
        return finding("dmarc", "DMARC_EXTERNAL_OK", "ok", rule="DMARC-20", tag=tag, host=host)
    return finding("dmarc", "DMARC_EXTERNAL_UNAUTHORIZED", "error", rule="DMARC-20", fix=txt_line(name, "v=DMARC1"),
                   tag=tag, host=host, name=name)  # fmt: skip


def _rollout(name: str, record: DmarcRecord, present: dict[str, str]) -> list[Finding]:
    policy = present.get("p", "none").lower()
    if policy not in POLICIES:
        return []
    if record.t:
        fix = txt_line(name, _without(record.raw, "t"))
        return [finding("dmarc", "DMARC_TESTING", "info", rule="DMARC-10", fix=fix, policy=policy)]
    if policy in NEXT_POLICY:
        nxt = NEXT_POLICY[policy]
        fix = txt_line(name, _set(record.raw, "p", nxt))
        return [finding("dmarc", "DMARC_NEXT_STEP", "info", rule="DMARC-10", fix=fix, policy=policy, next=nxt)]
    return [finding("dmarc", "DMARC_ENFORCED", "ok", rule="DMARC-8", policy=policy)]

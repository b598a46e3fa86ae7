"""Policy records that are present and well-formed (their policies are not fetched): MTA-STS (RFC 8461 §3.1),
TLS-RPT (RFC 8460 §3) and BIMI (`default._bimi`, which needs DMARC at enforcement)."""

from __future__ import annotations

import re

from toolkit.core.dmarc.record import DmarcRecord
from toolkit.core.dns import DnsStatus, Resolver
from toolkit.core.domain.findings import Finding, finding, txt_line

_STS_ID = re.compile(r"[A-Za-z0-9]{1,32}\Z")


def _tags(text: str) -> list[tuple[str, str]]:
    out = []
    for part in text.split(";"):
        name, sep, value = part.partition("=")
        if part.strip():
            out.append((name.strip(), value.strip() if sep else "\0"))
    return out


def _records(check: str, code: str, name: str, version: str, resolver: Resolver) -> tuple[list[str], Finding | None]:
    answer = resolver.query(name, "TXT")
    if answer.status is DnsStatus.TEMPFAIL:
        return [], finding(check, code, "warn", name=name, detail=answer.detail or "TEMPFAIL")
    texts = [t.decode("utf-8", "replace") for t in answer.txt_joined()] if answer.ok else []
    return [t for t in texts if t.replace(" ", "").lower().startswith(f"v={version.lower()}")], None


def check_mta_sts(domain: str, resolver: Resolver) -> list[Finding]:
    name = f"_mta-sts.{domain}"
    records, error = _records("mta-sts", "MTA_STS_DNS_ERROR", name, "STSv1", resolver)
    if error:
        return [error]
    if not records:
        return [finding("mta-sts", "MTA_STS_NONE", "info", name=name)]
    fix = txt_line(name, "v=STSv1; id=20260101000000")
    tags = dict(_tags(records[0]))
    if len(records) > 1:
        return [finding("mta-sts", "MTA_STS_BAD", "error", fix=fix, name=name, detail=f"{len(records)} records")]
    if tags.get("v") != "STSv1" or not _STS_ID.match(tags.get("id", "")):
        detail = "v=STSv1 must come first" if tags.get("v") != "STSv1" else "id= must be 1-32 letters or digits"
        return [finding("mta-sts", "MTA_STS_BAD", "error", fix=fix, name=name, detail=detail)]
    return [finding("mta-sts", "MTA_STS_OK", "ok", name=name, id=tags["id"], domain=domain)]


def check_tls_rpt(domain: str, resolver: Resolver) -> list[Finding]:
    name = f"_smtp._tls.{domain}"
    records, error = _records("tls-rpt", "TLS_RPT_DNS_ERROR", name, "TLSRPTv1", resolver)
    if error:
        return [error]
    if not records:
        return [finding("tls-rpt", "TLS_RPT_NONE", "info", name=name)]
    fix = txt_line(name, f"v=TLSRPTv1; rua=mailto:tls-reports@{domain}")
    tags = dict(_tags(records[0]))
    uris = [u.strip() for u in tags.get("rua", "").split(",") if u.strip()]
    if len(records) > 1:
        detail = f"{len(records)} records"
    elif tags.get("v") != "TLSRPTv1":
        detail = "v=TLSRPTv1 must come first"
    elif not uris or not all(u.lower().startswith(("mailto:", "https:")) for u in uris):
        detail = "rua= needs mailto: or https: URIs"
    else:
        return [finding("tls-rpt", "TLS_RPT_OK", "ok", name=name, rua=", ".join(uris))]
    return [finding("tls-rpt", "TLS_RPT_BAD", "error", fix=fix, name=name, detail=detail)]


def check_bimi(domain: str, resolver: Resolver, dmarc: DmarcRecord | None) -> list[Finding]:
    name = f"default._bimi.{domain}"
    records, error = _records("bimi", "BIMI_DNS_ERROR", name, "BIMI1", resolver)
    if error:
        return [error]
    if not records:
        return [finding("bimi", "BIMI_NONE", "info", name=name)]
    tags = dict(_tags(records[0]))
    fix = txt_line(name, f"v=BIMI1; l=https://{domain}/bimi/logo.svg; a=https://{domain}/bimi/vmc.pem")
    location = tags.get("l", "")
    if len(records) > 1:
        return [finding("bimi", "BIMI_BAD", "error", fix=fix, name=name, detail=f"{len(records)} records")]
    if tags.get("v") != "BIMI1" or (location and not location.lower().startswith("https://")):
        detail = "v=BIMI1 must come first" if tags.get("v") != "BIMI1" else "l= must be an https:// URL of an SVG"
        return [finding("bimi", "BIMI_BAD", "error", fix=fix, name=name, detail=detail)]
    out = [finding("bimi", "BIMI_OK", "ok", name=name, location=location or "(none)")]
    enforced = dmarc is not None and dmarc.p in ("quarantine", "reject") and not dmarc.t and dmarc.sp != "none"
    if dmarc is not None and "pct" in dmarc.tags and dmarc.tags["pct"] != "100":
        enforced = False
    if not enforced:
        policy = dmarc.p if dmarc is not None else "none"
        out.append(finding("bimi", "BIMI_NEEDS_ENFORCEMENT", "warn", rule="DMARC-8", policy=policy))
    return out

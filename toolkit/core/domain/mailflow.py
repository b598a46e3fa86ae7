"""Mail flow: MX and null MX (RFC 7505), A/AAAA, the SES custom MAIL FROM (SES-6, SES-7), and with a client IP
its PTR, forward-confirmed reverse DNS (BULK-2, BULK-3e) and the SPF result for that IP."""

from __future__ import annotations

import ipaddress

from toolkit.core.dns import DnsAnswer, DnsStatus, Resolver
from toolkit.core.domain.findings import Finding, finding, txt_line
from toolkit.core.domain.spf import spf_records
from toolkit.core.results import Verdict
from toolkit.core.spf import check_host

MAX_HOSTS = 10  # [ours] MX and PTR names checked


def _mx_hosts(answer: DnsAnswer) -> list[tuple[int, str]]:
    return [r for r in answer.records if isinstance(r, tuple) and r and isinstance(r[0], int)]  # type: ignore[misc]


def check_mx(domain: str, resolver: Resolver) -> list[Finding]:
    answer = resolver.query(domain, "MX")
    if answer.status is DnsStatus.TEMPFAIL:
        return [finding("mx", "MX_DNS_ERROR", "warn", rule=None, name=domain, detail=answer.detail or "TEMPFAIL")]
    hosts = _mx_hosts(answer) if answer.ok else []
    out = _addresses(domain, resolver)
    if not hosts:
        fix = f"{domain}. 3600 IN MX 0 ."
        return [finding("mx", "MX_NONE", "warn", fix=fix, domain=domain), *out]
    if any(host in ("", ".") for _, host in hosts):
        if len(hosts) > 1:
            return [finding("mx", "MX_NULL_MIXED", "error", fix=f"{domain}. 3600 IN MX 0 .", count=len(hosts)), *out]
        return [finding("mx", "MX_NULL", "info", domain=domain), *out]
    missing = []
    for _, host in sorted(hosts)[:MAX_HOSTS]:
        a, aaaa = resolver.query(host, "A"), resolver.query(host, "AAAA")
        if DnsStatus.TEMPFAIL in (a.status, aaaa.status):
            out.append(finding("mx", "MX_DNS_ERROR", "warn", name=host, detail=a.detail or aaaa.detail or "TEMPFAIL"))
        elif not a.ok and not aaaa.ok:
            missing.append(host)
    if missing:
        out.insert(0, finding("mx", "MX_TARGET_MISSING", "error", hosts=", ".join(missing)))
    else:
        out.insert(0, finding("mx", "MX_OK", "ok", hosts=", ".join(h for _, h in sorted(hosts))))
    return out


def _addresses(domain: str, resolver: Resolver) -> list[Finding]:
    a, aaaa = resolver.query(domain, "A"), resolver.query(domain, "AAAA")
    if DnsStatus.TEMPFAIL in (a.status, aaaa.status):
        return [finding("mx", "MX_DNS_ERROR", "warn", name=domain, detail=a.detail or aaaa.detail or "TEMPFAIL")]
    found = [str(r) for r in (*a.records, *aaaa.records)]
    if found:
        return [finding("mx", "ADDRESS_OK", "ok", domain=domain, addresses=", ".join(found[:4]))]
    return [finding("mx", "ADDRESS_NONE", "info", domain=domain)]


def check_mail_from(
    domain: str, mail_from: str, region: str, resolver: Resolver, ses_domain: str = "amazonses.com"
) -> list[Finding]:
    """SES-6: MX 10 feedback-smtp.<region>.amazonses.com and "v=spf1 include:amazonses.com ~all" at MAIL FROM.

    `ses_domain` is amazonses.com; a test world passes its stand-in (amazonses.example.net)."""
    feedback = f"feedback-smtp.{region}.{ses_domain}"
    include = f"include:{ses_domain}"
    mx_line = f"{mail_from}. 3600 IN MX 10 {feedback}."
    spf_line = txt_line(mail_from, f"v=spf1 {include} ~all")
    mx, txt = resolver.query(mail_from, "MX"), resolver.query(mail_from, "TXT")
    for answer in (mx, txt):
        if answer.status is DnsStatus.TEMPFAIL:
            return [finding("mailfrom", "MAILFROM_DNS_ERROR", "warn", rule="SES-6", name=mail_from,
                            detail=answer.detail or "TEMPFAIL")]  # fmt: skip
    hosts = [h for _, h in _mx_hosts(mx)] if mx.ok else []
    records = [b"".join(r).decode("utf-8", "replace") for r in spf_records(txt)] if txt.ok else []
    if not hosts and not records:
        return [finding("mailfrom", "MAILFROM_NOT_SET", "warn", rule="SES-7", fix=f"{mx_line}\n{spf_line}",
                        mail_from=mail_from, domain=domain)]  # fmt: skip
    out = []
    if not hosts:
        out.append(finding("mailfrom", "MAILFROM_MX_MISSING", "error", rule="SES-6", fix=mx_line, mail_from=mail_from))
    elif feedback not in hosts:
        out.append(finding("mailfrom", "MAILFROM_MX_WRONG", "error", rule="SES-6", fix=mx_line, mail_from=mail_from,
                           hosts=", ".join(hosts), expected=feedback))  # fmt: skip
    if not records:
        out.append(
            finding("mailfrom", "MAILFROM_SPF_MISSING", "error", rule="SES-6", fix=spf_line, mail_from=mail_from)
        )
    elif not any(include in r.lower().split() for r in records):
        out.append(finding("mailfrom", "MAILFROM_SPF_NO_SES", "error", rule="SES-6", fix=spf_line, mail_from=mail_from,
                           record=records[0], include=include))  # fmt: skip
    if not out:
        out.append(finding("mailfrom", "MAILFROM_OK", "ok", rule="SES-6", mail_from=mail_from, feedback=feedback,
                           include=include))  # fmt: skip
    return out


def check_ip(ip: str, spf_domain: str, resolver: Resolver) -> list[Finding]:
    """PTR, FCrDNS (BULK-3e) and the SPF result for `ip` at `spf_domain`."""
    address = ipaddress.ip_address(ip)
    answer = resolver.query(address.reverse_pointer, "PTR")
    out: list[Finding] = []
    if answer.status is DnsStatus.TEMPFAIL:
        out.append(finding("ptr", "PTR_DNS_ERROR", "warn", rule="BULK-2", ip=ip, detail=answer.detail or "TEMPFAIL"))
    elif not answer.ok:
        out.append(finding("ptr", "PTR_MISSING", "error", rule="BULK-2", ip=ip))
    else:
        names = [str(n) for n in answer.records][:MAX_HOSTS]
        confirmed = [n for n in names if ip in _forward(n, address.version, resolver)]
        if not confirmed:
            out.append(finding("ptr", "PTR_NOT_CONFIRMED", "error", rule="BULK-3", ip=ip, names=", ".join(names)))
        else:
            out.append(finding("ptr", "PTR_OK", "ok", rule="BULK-3", ip=ip, name=confirmed[0]))
            if _generic(confirmed[0], address):
                out.append(finding("ptr", "PTR_GENERIC", "warn", rule="BULK-3", name=confirmed[0]))
    result = check_host(ip, spf_domain, f"postmaster@{spf_domain}", resolver=resolver)
    if result.verdict is Verdict.PASS:
        out.append(finding("spf", "SPF_IP_PASS", "ok", rule="SPF-6", ip=ip, domain=spf_domain))
    elif result.verdict is Verdict.TEMPERROR:
        out.append(finding("spf", "SPF_DNS_ERROR", "warn", rule="SPF-13", name=spf_domain, rdtype="TXT",
                           detail=result.detail or "temperror"))  # fmt: skip
    else:
        out.append(finding("spf", "SPF_IP_NOT_PASS", "error", rule="SPF-6", ip=ip, domain=spf_domain,
                           result=result.verdict.value))  # fmt: skip
    return out


def _forward(name: str, version: int, resolver: Resolver) -> list[str]:
    answer = resolver.query(name, "A" if version == 4 else "AAAA")
    return [str(r) for r in answer.records] if answer.ok else []


def _generic(name: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A name that spells the address (192-0-2-1.dsl.example.net) looks like a dynamic pool, not a mail server."""
    if address.version != 4:
        return False
    octets = str(address).split(".")
    return any(sep.join(order) in name for sep in "-._" for order in (octets, octets[::-1]))

"""`emlauth doctor` core: every check a sending domain needs, over the Resolver protocol, no I/O.

    report = diagnose("example.com", resolver, selectors=("s1",), ses_region="us-east-1")

Modules: findings (the Finding type, exit codes), spf (record + worst-case lookup tree), dkim (per selector),
dmarc, mailflow (MX, MAIL FROM, PTR), policy (MTA-STS, TLS-RPT, BIMI), bulk (a message's bulk-sender readiness),
records (record builders for `emlauth records`), text_en / text_ja (the messages).
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.core.dns import DnsStatus, Resolver
from toolkit.core.domain.dkim import check_selector
from toolkit.core.domain.dmarc import analyse_dmarc
from toolkit.core.domain.findings import Finding, finding
from toolkit.core.domain.mailflow import check_ip, check_mail_from, check_mx
from toolkit.core.domain.policy import check_bimi, check_mta_sts, check_tls_rpt
from toolkit.core.domain.spf import SpfNode, analyse_spf
from toolkit.core.spf import domain_problem

MAX_SELECTORS = 20  # [ours] bound on the per-selector lookups


@dataclass(frozen=True, slots=True)
class DoctorReport:
    domain: str  # as asked (a U-label stays a U-label here)
    ascii_domain: str  # the A-label form every query used
    findings: tuple[Finding, ...]
    spf_tree: SpfNode | None

    def to_json(self) -> dict:
        return {"domain": self.domain, "findings": [f.to_json() for f in self.findings]}


def ascii_domain(domain: str) -> tuple[str, str | None]:
    """(A-label form, why it is not a usable domain or None)."""
    text = domain.strip().rstrip(".").lower()
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError as exc:
            return text, f"not a valid internationalized name ({exc})"
    return text, domain_problem(text) if text else "empty name"


def diagnose(
    domain: str,
    resolver: Resolver,
    *,
    selectors: tuple[str, ...] = (),
    ses_region: str | None = None,
    mail_from: str | None = None,
    ip: str | None = None,
    message_report=None,
    ses_domain: str = "amazonses.com",
) -> DoctorReport:
    """All the checks for one domain. `message_report` is a verify_message Report for the bulk-sender table."""
    name, problem = ascii_domain(domain)
    if problem:
        return DoctorReport(domain, name, (finding("mx", "DOMAIN_INVALID", "error", domain=domain, detail=problem),),
                            None)  # fmt: skip
    out: list[Finding] = []
    if name != domain.strip().rstrip(".").lower():
        out.append(finding("mx", "DOMAIN_IDN", "info", domain=domain, alabel=name))
    txt = resolver.query(name, "TXT")
    if txt.status is DnsStatus.NXDOMAIN:
        out.append(finding("mx", "DOMAIN_NOT_FOUND", "error", domain=name))
        return DoctorReport(domain, name, tuple(out), None)
    spf = analyse_spf(name, resolver, txt)
    out += spf.findings
    if not selectors:
        out.append(finding("dkim", "DKIM_NO_SELECTOR", "info", domain=name))
    for selector in selectors[:MAX_SELECTORS]:
        out += check_selector(name, selector, resolver)
    dmarc = analyse_dmarc(name, resolver)
    out += dmarc.findings
    out += check_mx(name, resolver)
    if ses_region:
        out += check_mail_from(name, mail_from or f"mail.{name}", ses_region, resolver, ses_domain)
    if ip:
        spf_domain = (mail_from or f"mail.{name}") if ses_region else name
        out += check_ip(ip, spf_domain, resolver)
    if message_report is not None:
        from toolkit.core.domain.bulk import check_message

        out += check_message(message_report)
    out += check_mta_sts(name, resolver)
    out += check_tls_rpt(name, resolver)
    out += check_bimi(name, resolver, dmarc.record)
    return DoctorReport(domain, name, tuple(out), spf.tree)


__all__ = ["DoctorReport", "Finding", "diagnose"]

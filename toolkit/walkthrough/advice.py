"""What to do after a failing verdict: one sentence key per cause, chosen from the evidence (no checks re-run)."""

from __future__ import annotations

from toolkit.core.dkim import DkimResult
from toolkit.core.dmarc import Alignment, DmarcResult
from toolkit.core.results import Verdict
from toolkit.core.spf import SpfResult
from toolkit.walkthrough.lang import Lang

_SPF_PERMERROR = {
    "dns_lookup_limit": "do_spf_lookups",
    "void_lookup_limit": "do_spf_void",
    "multiple_spf_records": "do_spf_multiple",
    "syntax_error": "do_spf_syntax",
    "non_ascii_record": "do_spf_syntax",
    "include_target_no_record": "do_spf_target",
    "redirect_target_no_record": "do_spf_target",
}
_DKIM = {
    "BODY_HASH_MISMATCH": "do_dkim_body",
    "SIGNATURE_MISMATCH": "do_dkim_header",
    "KEY_NOT_FOUND": "do_dkim_no_key",
    "KEY_REVOKED": "do_dkim_revoked",
    "EXPIRED": "do_dkim_expired",
    "FUTURE_TIMESTAMP": "do_dkim_clock",
    "ALGORITHM_SHA1": "do_dkim_sha1",
    "KEY_TOO_SHORT": "do_dkim_short_key",
    "FROM_NOT_SIGNED": "do_dkim_from",
    "KEY_DNS_TEMPFAIL": "do_dkim_temperror",
}


def spf(t: Lang, result: SpfResult, dmarc: DmarcResult | None) -> str | None:
    verdict = result.verdict
    dmarc_passed = dmarc is not None and dmarc.verdict is Verdict.PASS
    values = {"ip": result.ip, "domain": result.domain}
    if verdict in (Verdict.FAIL, Verdict.SOFTFAIL):
        return t("do", text=t("do_spf_fail", **values))
    if verdict is Verdict.TEMPERROR:
        return t("do", text=t("do_spf_temperror", **values))
    if verdict is Verdict.PERMERROR:
        key = _SPF_PERMERROR.get(result.reason.value if result.reason else "", "do_spf_permerror")
        return t("do", text=t(key, **values))
    if not result.ip:  # a trusted Received field gave no client IP we can trust: nothing was evaluated
        return t("do", text=t("do_spf_client"))
    if verdict in (Verdict.NEUTRAL, Verdict.NONE) and not dmarc_passed:
        return t("do", text=t("do_spf_neutral" if verdict is Verdict.NEUTRAL else "do_spf_none", **values))
    return None


def dkim(t: Lang, result: DkimResult) -> str | None:
    if result.verdict not in (Verdict.FAIL, Verdict.PERMERROR, Verdict.TEMPERROR):
        return None
    reason = result.reason.value if result.reason else ""
    key = _DKIM.get(reason, "do_dkim_permerror")
    name = result.key_answer.name if result.key_answer else f"{result.selector}._domainkey.{result.domain}"
    return t("do", text=t(key, name=name, domain=result.domain, reason=t.comment(result) or reason))


def dmarc(t: Lang, result: DmarcResult, signatures: tuple[DkimResult, ...]) -> list[str]:
    author = result.from_domain
    if result.verdict is Verdict.TEMPERROR:
        return [t("do", text=t("do_dmarc_temperror"))]
    if result.verdict is Verdict.PERMERROR and not author:  # no single Author Domain (DMARC-1)
        return [t("do", text=t("do_dmarc_author"))]
    if result.verdict is Verdict.PERMERROR:
        return [t("do", text=t("do_dmarc_permerror", detail=t.phrase(result.detail.rstrip(".")), author=author))]
    if result.verdict is not Verdict.FAIL:
        return []
    org = result.org_domain or author
    related = [a for a in result.alignment if _same_org(a.domain, org)]
    keys: list[tuple[str, Alignment | None]] = []
    testing = {d.domain for d in signatures if d.testing and d.verdict is Verdict.PASS}
    for row in result.alignment:  # strict mode: a parent or child of the From domain would align if relaxed
        if row.result == "pass" and not row.aligned and row.mode == "strict" and _kin(row.domain, author):
            keys.append(("do_dmarc_strict", row))
    for row in related:
        if row.identifier == "dkim" and row.result != "pass":
            keys.append(("do_dmarc_dkim_failed", row))
        elif row.identifier == "dkim" and row.domain in testing and not row.aligned:
            keys.append(("do_dmarc_testing", row))

    if not keys:
        passed_dkim = [a for a in result.alignment if a.identifier == "dkim" and a.result == "pass"]
        if not passed_dkim:  # no signature vouches for anything: either not yet set up, or spoofing
            keys.append(("do_dmarc_nothing", None))
        else:
            keys += [
                ("do_dmarc_spf_unaligned", a) for a in result.alignment if a.identifier == "spf" and a.result == "pass"
            ]
            keys += [("do_dmarc_dkim_unaligned", a) for a in passed_dkim[:1]]
    out = []
    for key, row in dict((k, r) for k, r in keys).items():  # one sentence per kind of cause
        domain = row.domain if row is not None else ""
        values = {"author": author, "spf_domain": domain, "dkim_domain": domain, "policy": result.effective_policy}
        out.append(t("do", text=t(key, **values)))
    return out


def _kin(one: str, other: str) -> bool:
    return one.endswith("." + other) or other.endswith("." + one)


def _same_org(domain: str, org: str) -> bool:
    return domain == org or domain.endswith("." + org)

"""Bulk-sender readiness for one message (BULK-2..BULK-6): Gmail, Yahoo and Microsoft requirements, each met
(ok), unmet (error, or warn for items that apply only to marketing mail) or unknown (info).

The message goes through verify_message, the same SPF + DKIM + DMARC the verifier runs; what DNS cannot tell
(spam rate, volume, TLS) is left to the person.
"""

from __future__ import annotations

import email.utils
import re

from toolkit.core.dmarc.address import author_domains
from toolkit.core.domain.findings import Finding, finding
from toolkit.core.message import Message
from toolkit.core.results import Verdict
from toolkit.core.verify import Report

FREE_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.jp",
        "ymail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mail.com",
        "gmx.com",
        "gmx.net",
        "yandex.ru",
        "proton.me",
        "protonmail.com",
        "zoho.com",
    }
)
_MSGID = re.compile(r"\s*<[^<>@\s]+@[^<>@\s]+>\s*\Z")
_HTTPS_URI = re.compile(r"<\s*https://[^>]+>", re.IGNORECASE)


def _one(message: Message, name: str) -> str | None:
    fields = message.get_all(name)
    return fields[0].unfolded() if len(fields) == 1 else None


def check_message(report: Report) -> list[Finding]:
    message = report.message
    out: list[Finding] = []
    spf = report.spf.verdict if report.spf is not None else None
    dkim_pass = [d for d in report.dkim if d.verdict is Verdict.PASS]
    if spf is None:
        out.append(finding("bulk", "BULK_SPF_DKIM", "info", rule="BULK-3", state="unknown (no --ip: SPF not run)"))
    elif spf is Verdict.PASS and dkim_pass:
        out.append(finding("bulk", "BULK_SPF_DKIM", "ok", rule="BULK-3", state="met (spf=pass, dkim=pass)"))
    else:
        state = f"unmet (spf={spf.value}, dkim={'pass' if dkim_pass else 'no passing signature'})"
        out.append(finding("bulk", "BULK_SPF_DKIM", "error", rule="BULK-3", state=state))
    dmarc = report.dmarc
    if dmarc is None or dmarc.verdict is Verdict.TEMPERROR:
        out.append(finding("bulk", "BULK_DMARC", "info", rule="BULK-3", state="unknown"))
    elif dmarc.record is None:
        out.append(finding("bulk", "BULK_DMARC", "error", rule="BULK-3", state="unmet (no DMARC record)"))
    else:
        out.append(finding("bulk", "BULK_DMARC", "ok", rule="BULK-3", state=f"met (p={dmarc.record.p})"))
        level = "ok" if dmarc.verdict is Verdict.PASS else "error"
        if spf is None and dmarc.verdict is not Verdict.PASS:
            level = "info"
        out.append(finding("bulk", "BULK_ALIGNED", level, rule="BULK-3", state=f"dmarc={dmarc.verdict.value}"))
    out.append(_one_click(message, dkim_pass))
    msgid = _one(message, "Message-ID")
    ok = msgid is not None and bool(_MSGID.match(msgid))
    out.append(finding("bulk", "BULK_MESSAGE_ID", "ok" if ok else "error", rule="BULK-2",
                       state="met" if ok else "unmet"))  # fmt: skip
    date = _one(message, "Date")
    ok = date is not None and _date_ok(date)
    out.append(finding("bulk", "BULK_DATE", "ok" if ok else "error", rule="BULK-2", state="met" if ok else "unmet"))
    domain = author_domains(message).domain
    free = domain in FREE_MAIL
    out.append(finding("bulk", "BULK_FREE_MAIL", "error" if free else "ok", rule="BULK-2", domain=domain or "?",
                       state="unmet" if free else "met"))  # fmt: skip
    return out


def _date_ok(value: str) -> bool:
    try:
        return email.utils.parsedate_to_datetime(value) is not None
    except (TypeError, ValueError, IndexError):
        return False


def _one_click(message: Message, dkim_pass) -> Finding:
    """BULK-4: an https List-Unsubscribe, exactly one List-Unsubscribe-Post, both signed by a passing signature."""
    unsub = message.get_all("List-Unsubscribe")
    post = message.get_all("List-Unsubscribe-Post")
    if not unsub:
        return finding("bulk", "BULK_ONE_CLICK", "warn", rule="BULK-4", state="unmet (no List-Unsubscribe)")
    if not any(_HTTPS_URI.search(f.unfolded()) for f in unsub):
        return finding("bulk", "BULK_ONE_CLICK", "warn", rule="BULK-4", state="unmet (no https: URI)")
    if len(post) != 1 or post[0].unfolded().replace(" ", "") != "List-Unsubscribe=One-Click":
        return finding("bulk", "BULK_ONE_CLICK", "warn", rule="BULK-4",
                       state="unmet (needs one List-Unsubscribe-Post: List-Unsubscribe=One-Click)")  # fmt: skip
    signed = any({"list-unsubscribe", "list-unsubscribe-post"} <= {h.lower() for h in d.signed_headers}
                 for d in dkim_pass)  # fmt: skip
    if not signed:
        return finding("bulk", "BULK_ONE_CLICK", "warn", rule="BULK-4",
                       state="unmet (both fields must be in h= of a passing DKIM signature)")  # fmt: skip
    return finding("bulk", "BULK_ONE_CLICK", "ok", rule="BULK-4", state="met")

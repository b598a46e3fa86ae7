"""DMARC failure reports: ARF (RFC 5965) with the authentication-failure fields of RFC 6591, as RFC 9991 uses them.

The report is a multipart/report mail whose message/feedback-report part holds header-like fields
(Feedback-Type: auth-failure, Arrival-Date, Source-IP, Reported-Domain, Auth-Failure: dmarc|dkim|spf, ...), and a
text/rfc822-headers or message/rfc822 part with the failed message's header (often redacted). Pure: the caller
has already parsed the mail with the email package.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import email.utils

from toolkit.core.dmarc.report_model import FailureReport

MAX_HEADERS = 64 * 1024  # characters of the original header kept


def _fields(part: email.message.Message) -> email.message.Message:
    """The feedback fields as a Message: the email package parses message/* parts into a sub-message."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], email.message.Message):
        return payload[0]
    text = payload if isinstance(payload, str) else ""
    return email.message_from_string(text.lstrip("\r\n"), policy=email.policy.compat32)


def _original_headers(message: email.message.Message) -> str:
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            return (payload or b"").decode("utf-8", "replace")[:MAX_HEADERS]
        if ctype == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                return "".join(f"{k}: {v}\n" for k, v in inner[0].items())[:MAX_HEADERS]
    return ""


def _one(fields: email.message.Message, name: str) -> str | None:
    value = fields.get(name)
    return " ".join(str(value).split()) if value is not None else None


def _all(fields: email.message.Message, name: str) -> tuple[str, ...]:
    return tuple(" ".join(str(v).split()) for v in fields.get_all(name, []))


def parse_failure(message: email.message.Message, part: email.message.Message) -> FailureReport:
    """The failure report in `message`, whose message/feedback-report part is `part`."""
    fields = _fields(part)
    warnings: list[str] = []
    feedback_type = (_one(fields, "Feedback-Type") or "").lower()
    if not feedback_type:
        warnings.append("no Feedback-Type field; read as auth-failure")
        feedback_type = "auth-failure"
    elif feedback_type != "auth-failure":
        warnings.append(f"Feedback-Type {feedback_type!r}, not auth-failure")
    arrival_date = _one(fields, "Arrival-Date") or _one(fields, "Received-Date")
    arrival = None
    if arrival_date:
        parsed = email.utils.parsedate_tz(arrival_date)
        if parsed is not None and parsed[9] is not None:
            arrival = email.utils.mktime_tz(parsed)  # with a zone this is calendar arithmetic, no clock
        else:
            warnings.append(f"Arrival-Date {arrival_date!r} is not an RFC 5322 date with a zone")
    source_ip = _one(fields, "Source-IP")
    domain = _one(fields, "Reported-Domain")
    if domain is None:
        warnings.append("no Reported-Domain field")
    headers = _original_headers(message)
    if not headers:
        warnings.append("no original header part (text/rfc822-headers or message/rfc822)")
    return FailureReport(
        feedback_type=feedback_type,
        version=_one(fields, "Version"),
        user_agent=_one(fields, "User-Agent"),
        arrival_date=arrival_date,
        arrival=arrival,
        source_ip=source_ip,
        reported_domain=domain.lower().rstrip(".") if domain else None,
        auth_failure=tuple(v.lower() for v in _all(fields, "Auth-Failure")),
        authentication_results=_all(fields, "Authentication-Results"),
        original_mail_from=_one(fields, "Original-Mail-From"),
        original_rcpt_to=_all(fields, "Original-Rcpt-To"),
        dkim_domain=_one(fields, "DKIM-Domain"),
        dkim_selector=_one(fields, "DKIM-Selector"),
        identity_alignment=_one(fields, "Identity-Alignment"),
        delivery_result=_one(fields, "Delivery-Result"),
        original_headers=headers,
        warnings=tuple(warnings),
    )

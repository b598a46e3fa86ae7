"""DKIM checks for each selector given (DKIM-14..17, DKIM-29, DKIM-36, SES-1, SES-2).

Published and parseable, key size, `k=` against the key in `p=`, `t=y`, revoked, `h=sha1` only, a truncated key,
a private key published in DNS, and an Easy DKIM CNAME followed to the ESP.
"""

from __future__ import annotations

from toolkit.core.dkim.keyrecord import (
    PROBLEM_PRIVATE,
    KeyRecordError,
    KeyRecordReason,
    key_data_problem,
    parse_key_record,
)
from toolkit.core.dns import DnsStatus, Resolver
from toolkit.core.domain.findings import Finding, finding
from toolkit.core.tags import TagListError, parse_tag_list

ESP_KEY_HOSTS = {  # CNAME targets that mean "the ESP holds and rotates this key"
    "dkim.amazonses.com": "Amazon SES Easy DKIM",
    "domainkey.sendgrid.net": "SendGrid",
    "mcsv.net": "Mailchimp",
    "dkim.mailgun.org": "Mailgun",
    "domainkey.postmarkapp.com": "Postmark",
    "onmicrosoft.com": "Microsoft 365",
}


def check_selector(domain: str, selector: str, resolver: Resolver) -> list[Finding]:
    name = f"{selector}._domainkey.{domain}"
    answer = resolver.query(name, "TXT")

    def f(code: str, level: str, rule: str | None, fix: str | None = None, **args) -> Finding:
        return finding("dkim", code, level, rule=rule, fix=fix, selector=selector, name=name, **args)

    if answer.status is DnsStatus.TEMPFAIL:
        return [f("DKIM_DNS_ERROR", "warn", "DKIM-14", detail=answer.detail or "TEMPFAIL")]
    out: list[Finding] = []
    esp = _esp(answer.cname_chain, resolver) if answer.cname_chain else None
    if not answer.ok:
        hint = f" (the CNAME leads to {esp[1]}, which has no key)" if esp else ""
        fix = f"emlauth keygen --domain {domain} --selector {selector}"
        return [f("DKIM_MISSING", "error", "DKIM-14", fix=fix, status=answer.status.value, hint=hint,
                  via=esp[1] if esp else "")]  # fmt: skip
    if esp:
        out.append(f("DKIM_ESP_CNAME", "ok", "SES-1", target=esp[1], esp=esp[0]))
    records = answer.txt_joined()
    if len(records) > 1:
        out.append(f("DKIM_MULTIPLE", "warn", "DKIM-14", count=len(records)))
    for raw in records:
        out += _judge(raw, answer.records[records.index(raw)], f, domain, selector)
    return out


def _esp(chain: tuple[str, ...], resolver: Resolver) -> tuple[str, str] | None:
    """(ESP name, CNAME target) when the key name is a CNAME into a known ESP's key host."""
    target = resolver.query(chain[-1], "CNAME")
    if not target.ok:
        return None
    host = str(target.records[0])
    for suffix, esp in ESP_KEY_HOSTS.items():
        if host == suffix or host.endswith("." + suffix):
            return esp, host
    return "another provider", host


def _judge(raw: bytes, strings, f, domain: str, selector: str) -> list[Finding]:
    keygen = f"emlauth keygen --domain {domain} --selector <new-selector>"
    try:
        record = parse_key_record(raw)
    except KeyRecordError as exc:
        return [_parse_problem(exc, raw, strings, f, keygen)]
    out = []
    if record.revoked:
        return [f("DKIM_REVOKED", "error", "DKIM-15", fix=keygen)]
    bits = record.key_bits or 0
    if record.key_type == "rsa" and bits < 1024:
        out.append(f("DKIM_KEY_WEAK", "error", "DKIM-16", fix=keygen + " --bits 2048", bits=bits))
    elif record.key_type == "rsa" and bits < 2048:
        out.append(f("DKIM_KEY_SHORT", "warn", "DKIM-34", fix=keygen + " --bits 2048", bits=bits))
    if record.testing:
        out.append(f("DKIM_TESTING", "warn", "DKIM-18"))
    if record.hashes is not None and "sha256" not in record.hashes:
        out.append(f("DKIM_SHA1_ONLY", "error", "DKIM-15", fix=keygen))
    if not any(x.level in ("warn", "error", "critical") for x in out):
        out.insert(0, f("DKIM_OK", "ok", "DKIM-15", key_type=record.key_type, bits=bits))
    return out


def _parse_problem(exc: KeyRecordError, raw: bytes, strings, f, keygen: str) -> Finding:
    reason = exc.reason
    if reason is KeyRecordReason.KEY_HASH_NOT_ALLOWED:
        return f("DKIM_SHA1_ONLY", "error", "DKIM-15", fix=keygen)
    if reason is KeyRecordReason.KEY_TOO_SHORT:
        return f("DKIM_KEY_WEAK", "error", "DKIM-16", fix=keygen + " --bits 2048", bits="<1024")
    if reason is KeyRecordReason.KEY_REVOKED:
        return f("DKIM_REVOKED", "error", "DKIM-15", fix=keygen)
    try:
        tags = parse_tag_list(raw)
    except TagListError:
        tags = None
    p_value = tags.get("p") if tags is not None else None
    if p_value and reason in (KeyRecordReason.KEY_BAD_BASE64, KeyRecordReason.KEY_BAD_DATA):
        found = key_data_problem(p_value)
        if found is not None and found[0] == PROBLEM_PRIVATE:
            return f("DKIM_PRIVATE_KEY", "critical", "DKIM-16", fix=keygen + "   # then publish the new public key")
        if found is not None:
            chars = len("".join(p_value.split()))
            return f("DKIM_TRUNCATED", "error", "DKIM-14", fix=keygen, detail=found[1], chars=chars)
        other = _other_type(tags)
        if other:
            return f("DKIM_K_MISMATCH", "error", "DKIM-17", k=(tags.get("k") or "rsa"), actual=other)
    return f("DKIM_SYNTAX", "error", "DKIM-15", fix=keygen, detail=str(exc), reason=reason.value)


def _other_type(tags) -> str | None:
    """The key type p= really holds when k= names the other one."""
    k = (tags.get("k") or "rsa").strip().lower()
    other = "ed25519" if k == "rsa" else "rsa"
    flipped = "; ".join(f"{n}={other if n == 'k' else v}" for n, v in tags.pairs)
    if "k" not in tags:
        flipped += f"; k={other}"
    try:
        parse_key_record(flipped)
    except KeyRecordError:
        return None
    return other

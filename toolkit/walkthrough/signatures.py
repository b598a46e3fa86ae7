"""The DKIM and DMARC sections of the walkthrough: tags, key, hashes, checks and diagnoses; policy and alignment."""

from __future__ import annotations

from toolkit.core.canon import canon_header, parse_canon
from toolkit.core.diagnose import diagnose_signature
from toolkit.core.dkim import DkimResult
from toolkit.core.dkim.common import index_headers, select_headers, split_header_list
from toolkit.core.dmarc import Alignment, DmarcResult
from toolkit.core.message import Message
from toolkit.walkthrough import advice
from toolkit.walkthrough.lang import Lang
from toolkit.walkthrough.layout import WIDTH, Writer, shorten, tag_value


def dkim_section(out: Writer, t: Lang, message: Message, result: DkimResult) -> None:
    verdict = result.verdict.value
    tags = dict(result.tags or {})
    if verdict == "none" and not tags:
        out.para(t("dkim_unsigned"))
        return
    out.para(t("dkim_tags"))
    out.items(f"{name}={tag_value(name, value)}  ({t.tags.get(name, t.tags['?'])})" for name, value in tags.items())
    names = split_header_list(tags["h"]) if tags.get("h") else []
    if names:
        present = index_headers(message.headers)
        over = [n for n in dict.fromkeys(names) if names.count(n) > len(present.get(n, []))]
        if over:
            out.para(t("dkim_oversigned", names=", ".join(over)))
    answer = result.key_answer
    if answer is not None:
        detail = f" ({answer.detail})" if answer.detail else ""
        source = answer.source or "DNS"
        out.para(t("dkim_key", name=answer.name, status=answer.status.value, detail=detail, source=source))
        if answer.cname_chain:
            out.para(t("dkim_cname", chain=", ".join(answer.cname_chain)))
        out.items([f'"{shorten(r.decode("utf-8", "replace"), 140)}"' for r in answer.txt_joined()])
        if result.key_type:
            bits = t("dkim_bits", bits=result.key_bits) if result.key_bits else ""
            testing = t("dkim_testing") if result.testing else t.stop
            out.para(t("dkim_key_type", key_type=result.key_type, bits=bits, testing=testing))
    _hashed_headers(out, t, message, tags, names)
    if result.body_hash_expected and not result.body_hash_computed:
        out.para(t("dkim_bh_skipped", expected=result.body_hash_expected))
    elif result.body_hash_expected or result.body_hash_computed:
        same = result.body_hash_expected == result.body_hash_computed
        outcome = t("dkim_bh_same") if same else t("dkim_bh_differ")
        out.para(t("dkim_bh", expected=result.body_hash_expected, computed=result.body_hash_computed, outcome=outcome))
    if result.unsigned_body_bytes:
        out.para(t("dkim_unsigned_bytes", n=result.unsigned_body_bytes))
    out.para(t("dkim_steps"))
    out.items(t.step(step, result) for step in result.steps)
    comment = t.comment(result)
    reason = f" ({comment})" if comment else ""
    out.para(t("dkim_result", verdict=verdict, reason=reason, meaning=t.means("dkim", verdict)))
    findings = diagnose_signature(message, result)
    if findings:
        out.para(t("diagnosis"))
        out.items(f"[{d.code.value}] {t.diagnosis(d)}" for d in findings)
    todo = advice.dkim(t, result)
    if todo:
        out.para(todo)


def _hashed_headers(out: Writer, t: Lang, message: Message, tags: dict[str, str], names: list[str]) -> None:
    """Display only: the header lines as the signature's canonicalization presents them to the hash (DKIM-20)."""
    if not names:
        return
    try:
        head_method, _ = parse_canon(tags.get("c"))
    except ValueError:
        return
    chosen = select_headers(index_headers(message.headers), names)
    if chosen:
        out.para(t("dkim_headers", method=head_method))
        lines = [canon_header(f.raw, head_method).decode("utf-8", "replace").rstrip("\r\n") for f in chosen]
        out.items(t.quote(shorten(line, WIDTH - (10 if t.ja else 6))) for line in lines)


def dmarc_section(out: Writer, t: Lang, dmarc: DmarcResult, signatures: tuple[DkimResult, ...]) -> None:
    if dmarc.from_domain or dmarc.queries:  # no From domain, no discovery: say nothing rather than "?" and "(none)"
        _dmarc_queries(out, t, dmarc)
    _dmarc_record_and_result(out, t, dmarc)
    for line in advice.dmarc(t, dmarc, signatures):
        out.para(line)


def _dmarc_queries(out: Writer, t: Lang, dmarc: DmarcResult) -> None:
    out.para(t("dmarc_queries", domain=dmarc.from_domain or "?", method=dmarc.discovery_method, mode=dmarc.mode))
    rows = []
    for answer in dmarc.queries:
        found = [r.decode("utf-8", "replace") for r in answer.txt_joined()]
        shown = f': "{shorten(found[0], 90)}"' if found else ""
        rows.append(f"{answer.rdtype} {answer.name} -> {answer.status.value}{shown}")
    out.items(rows or [t("dmarc_no_queries")])


def _dmarc_record_and_result(out: Writer, t: Lang, dmarc: DmarcResult) -> None:
    record = dmarc.record
    if record is not None:
        where = {"author": t("dmarc_at_author"), "organizational": t("dmarc_at_org")}.get(dmarc.found_at)
        where = where or t("dmarc_at_other", where=dmarc.found_at)
        out.para(t("dmarc_found", where=where, name=record.name, raw=record.raw))
        out.items(
            [
                t("dmarc_p", value=record.p, name=record.name),
                t("dmarc_sp", value=record.sp),
                t("dmarc_np", value=record.np),
                t("dmarc_modes", adkim=record.adkim, aspf=record.aspf),
            ]
        )
    if dmarc.org_domain:
        out.para(t("dmarc_org", domain=dmarc.from_domain, org=dmarc.org_domain))
    elif record is not None and record.adkim == "s" and record.aspf == "s":
        out.para(t("dmarc_strict_only"))
    if dmarc.alignment:
        out.para(t("dmarc_alignment"))
        out.items(_alignment_row(t, a, dmarc.from_domain) for a in dmarc.alignment)
    verdict = dmarc.verdict.value
    detail = t("dmarc_detail", detail=t.phrase(dmarc.detail.rstrip("."))) if dmarc.detail else ""
    out.para(t("dmarc_result", verdict=verdict, meaning=t.means("dmarc", verdict), detail=detail))
    if dmarc.policy and verdict == "pass":
        out.para(t("dmarc_policy_pass", policy=dmarc.policy))
    elif dmarc.policy and verdict == "fail":  # temperror/permerror apply no policy: do not name a disposition
        note = (
            t("dmarc_no_reject") if dmarc.effective_policy == "reject" and dmarc.disposition == "quarantine" else t.stop
        )
        out.para(
            t(
                "dmarc_policy",
                policy=dmarc.policy,
                effective=dmarc.effective_policy,
                disposition=dmarc.disposition,
                note=note,
            )
        )
    for warning in dmarc.warnings:
        out.para(t("dmarc_warning", text=t.phrase(warning)))


def _alignment_row(t: Lang, a: Alignment, author: str) -> str:
    if a.identifier == "dkim":
        ident = t("align_dkim", domain=a.domain, selector=f" s={a.selector}" if a.selector else "")
    else:
        ident = t("align_spf", domain=a.domain)
    if a.aligned:
        verdict = t("align_counts", mode=t.mode(a.mode))
    elif a.result != "pass":
        verdict = t("align_not_passed", result=a.result)
    elif a.domain_aligned is False:
        verdict = t("align_not_aligned", mode=t.mode(a.mode), author=author)
    else:
        verdict = t("align_other")
    if a.note:
        verdict += f" ({t.phrase(a.note)})"
    return f"{ident}: {verdict}"


def policy_note(t: Lang, dmarc: DmarcResult) -> str:
    """The end of the policy sentence: why the disposition is milder than p=reject (DMARC-11), or a full stop."""
    if dmarc.effective_policy == "reject" and dmarc.disposition == "quarantine":
        return t("dmarc_no_reject")
    return t.stop

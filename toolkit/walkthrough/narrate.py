"""The narration: one section per check, each sentence taken from the language tables (en.py, ja.py)."""

from __future__ import annotations

from typing import Any

from toolkit.core import arheader
from toolkit.core.canon import canon_header, parse_canon
from toolkit.core.diagnose import Diagnosis, diagnose_signature
from toolkit.core.dkim import DkimResult
from toolkit.core.dkim.common import index_headers, select_headers, split_header_list
from toolkit.core.dmarc import Alignment, DmarcResult
from toolkit.core.message import Message
from toolkit.core.spf import SpfResult
from toolkit.core.verify import Report
from toolkit.walkthrough import en, ja
from toolkit.walkthrough.layout import WIDTH, Writer, shorten, tag_value

LANGUAGES = ("en", "ja")


def explain(report: Report, lang: str = "en") -> str:
    """The narrated walkthrough of one Report as plain terminal text (about 100 columns)."""
    t = _Lang(lang)
    out = Writer()
    out.title(t("title"))
    section = 0

    section += 1
    out.heading(section, t("h_envelope"))
    _envelope(out, t, report)

    section += 1
    spf = report.spf
    if spf is not None:
        out.heading(section, t("h_spf", ip=spf.ip, domain=spf.domain))
        _spf(out, t, spf, report.spf_helo)
    else:
        out.heading(section, t("h_spf_none"))
        notes = [n for n in report.notes if "SPF" in n or "MAIL FROM" in n]
        out.para(t("spf_not_run", notes=" ".join(notes)))

    results = tuple(report.dkim or ())
    if not results:
        section += 1
        out.heading(section, t("h_dkim_none"))
        out.para(t("dkim_not_run"))
    for number, result in enumerate(results, 1):
        section += 1
        if result.domain:
            out.heading(section, t("h_dkim", n=number, total=len(results), d=result.domain, s=result.selector))
        else:
            out.heading(section, t("h_dkim_none"))
        _dkim(out, t, report.message, result)

    section += 1
    dmarc = report.dmarc
    from_domain = dmarc.from_domain if dmarc is not None else ""
    out.heading(section, t("h_dmarc", domain=from_domain) if from_domain else t("h_dmarc_unknown"))
    if dmarc is None:
        out.para(t("dmarc_not_run"))
    else:
        _dmarc(out, t, dmarc)

    section += 1
    out.heading(section, t("h_ar"))
    _ar(out, t, report)

    section += 1
    out.heading(section, t("h_summary"))
    _summary(out, t, report)
    return out.text()


class _Lang:
    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "en"
        japanese = self.lang == "ja"
        self.text = ja.TEXT if japanese else en.TEXT
        self.meaning = ja.MEANING if japanese else en.MEANING
        self.tags = ja.TAGS if japanese else en.TAGS
        self.properties = ja.PROPERTIES if japanese else en.PROPERTIES

    def __call__(self, key: str, **values: Any) -> str:
        return self.text[key].format(**values)

    def means(self, method: str, verdict: str) -> str:
        return self.meaning.get(method, {}).get(verdict, "")

    def diagnosis(self, finding: Diagnosis) -> str:
        change = finding.evidence.get("change")
        template = ja.DIAGNOSIS.get(change) if self.lang == "ja" and isinstance(change, str) else None
        if template:
            try:
                return template.format(**finding.evidence)
            except (KeyError, IndexError):
                pass
        return finding.text


# --- sections ------------------------------------------------------------------------------------------------


def _envelope(out: Writer, t: _Lang, report: Report) -> None:
    ctx = report.context
    if ctx.ip:
        out.para(t("client", ip=ctx.ip, helo=ctx.helo or "?"))
    else:
        out.para(t("no_client"))
    if ctx.mail_from == "":
        out.para(t("null_sender", helo=ctx.helo or "?"))
    elif ctx.mail_from:
        out.para(t("mail_from", mail_from=ctx.mail_from, domain=ctx.mail_from.rpartition("@")[2]))
    from_fields = report.message.get_all("from")
    for field in from_fields:
        out.para(t("from_field", value=field.unfolded()))
    if not from_fields:
        out.para(t("no_from"))
    dmarc = report.dmarc
    if dmarc is not None and dmarc.from_domain:
        out.para(t("author", domain=dmarc.from_domain))
    facts = report.message.line_endings
    if facts.normalised:
        out.para(t("line_endings", facts=facts.describe()))


def _spf(out: Writer, t: _Lang, spf: SpfResult, helo: SpfResult | None) -> None:
    if spf.null_sender:
        out.para(t("spf_identity", who=spf.sender or spf.domain))
    if spf.record:
        out.para(t("spf_record", domain=spf.domain, record=spf.record))
    out.para(t("spf_ledger"))
    rows = []
    for entry in spf.ledger:
        if entry.event != "query":
            rows.append(f"{entry.event}: {entry.name} {entry.detail}".strip())
            continue
        rows.append(
            t(
                "spf_query",
                rdtype=entry.rdtype,
                name=entry.name,
                status=entry.status,
                void=" (void)" if entry.void else "",
                records=entry.records,
                term=t("spf_query_record") if entry.term == "<record>" else entry.term,
                cost=f" [lookup {entry.lookups}/10]" if entry.counted else "",
            )
        )
    out.items(rows or [t("spf_no_queries")])
    path = spf.matched_path
    if spf.matched_term:
        if len(path) > 1:
            out.para(t("spf_matched_via", term=spf.matched_term, chain=" -> ".join(path)))
        else:
            out.para(t("spf_matched", term=spf.matched_term))
    elif spf.detail:
        out.para(spf.detail)
    out.para(t("spf_result", verdict=spf.result.value, meaning=t.means("spf", spf.result.value)))
    if spf.explanation:
        out.para(t("spf_exp", text=spf.explanation))
    if helo is not None:
        out.para(t("spf_helo", domain=helo.domain, verdict=helo.result.value))


def _dkim(out: Writer, t: _Lang, message: Message, result: DkimResult) -> None:
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
            testing = t("dkim_testing") if result.testing else ("." if t.lang == "en" else "。")
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
    marks = {True: "ok  ", False: "FAIL", None: "info"}
    out.items(f"{marks[s.ok]} {s.rule} {s.what}: {s.detail}" for s in result.steps)
    reason = f" ({result.comment})" if result.comment else ""
    out.para(t("dkim_result", verdict=verdict, reason=reason, meaning=t.means("dkim", verdict)))
    findings = diagnose_signature(message, result)
    if findings:
        out.para(t("diagnosis"))
        out.items(f"[{d.code.value}] {t.diagnosis(d)}" for d in findings)


def _hashed_headers(out: Writer, t: _Lang, message: Message, tags: dict[str, str], names: list[str]) -> None:
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
        out.items(shorten(line, WIDTH - 6) for line in lines)


def _dmarc(out: Writer, t: _Lang, dmarc: DmarcResult) -> None:
    if dmarc.from_domain or dmarc.queries:  # no From domain, no discovery: say nothing rather than "?" and "(none)"
        _dmarc_queries(out, t, dmarc)
    _dmarc_record_and_result(out, t, dmarc)


def _dmarc_queries(out: Writer, t: _Lang, dmarc: DmarcResult) -> None:
    out.para(t("dmarc_queries", domain=dmarc.from_domain or "?", method=dmarc.discovery_method, mode=dmarc.mode))
    rows = []
    for answer in dmarc.queries:
        found = [r.decode("utf-8", "replace") for r in answer.txt_joined()]
        shown = f': "{shorten(found[0], 90)}"' if found else ""
        rows.append(f"{answer.rdtype} {answer.name} -> {answer.status.value}{shown}")
    out.items(rows or [t("dmarc_no_queries")])


def _dmarc_record_and_result(out: Writer, t: _Lang, dmarc: DmarcResult) -> None:
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
    detail = t("dmarc_detail", detail=dmarc.detail.rstrip(".")) if dmarc.detail else ""
    out.para(t("dmarc_result", verdict=verdict, meaning=t.means("dmarc", verdict), detail=detail))
    if dmarc.policy and verdict == "pass":
        out.para(t("dmarc_policy_pass", policy=dmarc.policy))
    elif dmarc.policy and verdict == "fail":  # temperror/permerror apply no policy: do not name a disposition
        note = _policy_note(t, dmarc)
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
        out.para(t("dmarc_warning", text=warning))


def _policy_note(t: _Lang, dmarc: DmarcResult) -> str:
    if dmarc.effective_policy == "reject" and dmarc.disposition == "quarantine":
        return t("dmarc_no_reject")
    return "。" if t.lang == "ja" else "."


def _alignment_row(t: _Lang, a: Alignment, author: str) -> str:
    if a.identifier == "dkim":
        ident = t("align_dkim", domain=a.domain, selector=f" s={a.selector}" if a.selector else "")
    else:
        ident = t("align_spf", domain=a.domain)
    if a.aligned:
        verdict = t("align_counts", mode=a.mode)
    elif a.result != "pass":
        verdict = t("align_not_passed", result=a.result)
    elif a.domain_aligned is False:
        verdict = t("align_not_aligned", mode=a.mode, author=author)
    else:
        verdict = t("align_other")
    if a.note:
        verdict += f" ({a.note})"
    return f"{ident}: {verdict}"


def _ar(out: Writer, t: _Lang, report: Report) -> None:
    """The field as written, then each entry explained from the same entries the field was built from."""
    out.para(t("ar_intro"))
    out.block(report.authentication_results.replace("\r\n", "\n"))
    rows = [t("ar_authserv", id=report.options.authserv_id.lower())]
    found = arheader.entries(spf=report.spf, spf_helo=report.spf_helo, dkim=report.dkim, dmarc=report.dmarc)
    for method, result, comment, props in found:
        meaning = t.means(method, result)
        line = f"{method}={result}: {meaning}" if meaning else f"{method}={result}"
        if props:
            words = (f"{ptype}.{name}={value}" for ptype, name, value in props)
            line += "; " + ", ".join(f"{w} ({t.properties.get(w.split('=', 1)[0], t.properties['?'])})" for w in words)
        if comment:
            line += "; " + t("ar_comment", text=f"({comment})")
        rows.append(line)
    out.items(rows)


def _summary(out: Writer, t: _Lang, report: Report) -> None:
    spf = report.spf.result.value if report.spf is not None else t("not_checked")
    dkim = ", ".join(d.verdict.value + (f" (d={d.domain})" if d.domain else "") for d in report.dkim)
    dmarc = report.dmarc
    verdict = dmarc.verdict.value if dmarc is not None else t("not_checked")
    out.para(t("summary", spf=spf, dkim=dkim or t("not_checked"), dmarc=verdict, code=report.exit_code))
    if dmarc is not None and verdict == "pass":
        # one mention per identifier: two aligned signatures of one domain are "DKIM (example.com)", not twice
        via = t("and").join(dict.fromkeys(f"{a.identifier.upper()} ({a.domain})" for a in dmarc.alignment if a.aligned))
        out.para(t("summary_pass", domain=dmarc.from_domain, via=via))
    elif dmarc is not None and verdict == "fail":
        policy = dmarc.effective_policy or "none"
        out.para(
            t(
                "summary_fail",
                domain=dmarc.from_domain,
                policy=policy,
                disposition=dmarc.disposition,
                note=_policy_note(t, dmarc),
            )
        )
    elif dmarc is not None and verdict == "temperror":
        out.para(t("summary_temp"))
    for note in report.notes:
        out.para(t("note", text=note))

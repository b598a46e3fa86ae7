"""The narration: one section per check, each sentence taken from the language tables (en.py, ja.py).

This module holds explain(), the envelope (with the Received fields behind --trust-received), SPF, the A-R field
and the summary; signatures.py narrates DKIM and DMARC.
"""

from __future__ import annotations

import ipaddress

from toolkit.core import arheader
from toolkit.core.message import Message
from toolkit.core.results import Verdict
from toolkit.core.spf import SpfResult
from toolkit.core.verify import Report, context_from_received
from toolkit.shells.exits import report_exit_code
from toolkit.walkthrough import advice, ja_core
from toolkit.walkthrough.lang import LANGUAGES, Lang, decoded
from toolkit.walkthrough.layout import Writer, shorten
from toolkit.walkthrough.signatures import dkim_section, dmarc_section, policy_note

__all__ = ["LANGUAGES", "explain"]
MAX_RECEIVED = 30  # Received fields looked at for a client IP: beyond that it is a loop, not a path
_INTERNAL = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))


def explain(report: Report, lang: str = "en", *, lesson: str | None = None, trust_received: int | None = None) -> str:
    """The narrated walkthrough of one Report as plain terminal text (about 100 columns).

    lesson: what the sample teaches, said first. trust_received: the N of --trust-received, so the envelope says
    which Received field the SMTP facts came from (or why none could be taken).
    """
    t = Lang(lang)
    out = Writer()
    out.title(t("title"))
    if lesson:
        out.para(t("lesson", text=lesson))
    section = 1
    out.heading(section, t("h_envelope"))
    _envelope(out, t, report, trust_received)

    section += 1
    spf = report.spf
    if spf is not None:
        out.heading(section, t("h_spf", ip=spf.ip, domain=spf.domain) if spf.ip else t("h_spf_none"))
        _spf(out, t, report, spf)
    else:
        out.heading(section, t("h_spf_none"))
        notes = [t.phrase(n) for n in report.notes if "SPF" in n or "MAIL FROM" in n]
        out.para(t("spf_not_run", notes=" ".join(notes)))

    results = report.dkim
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
        dkim_section(out, t, report.message, result)

    section += 1
    dmarc = report.dmarc
    from_domain = dmarc.from_domain if dmarc is not None else ""
    out.heading(section, t("h_dmarc", domain=from_domain) if from_domain else t("h_dmarc_unknown"))
    if dmarc is None:
        out.para(t("dmarc_not_run"))
    else:
        dmarc_section(out, t, dmarc, report.dkim)

    section += 1
    out.heading(section, t("h_ar"))
    _ar(out, t, report)

    section += 1
    out.heading(section, t("h_summary"))
    _summary(out, t, report)
    return out.text()


# --- sections ------------------------------------------------------------------------------------------------


def _envelope(out: Writer, t: Lang, report: Report, trust_received: int | None) -> None:
    ctx = report.context
    if trust_received:
        _received(out, t, report.message, trust_received, known_ip=bool(ctx.ip))
    if ctx.ip:
        out.para(t("client", ip=ctx.ip, helo=ctx.helo or "?"))
    else:
        if not trust_received:  # otherwise the Received field's problem has said so
            out.para(t("no_client"))
        _received_candidates(out, t, report.message)
    if ctx.mail_from == "":
        out.para(t("null_sender", helo=ctx.helo or "?"))
    elif ctx.mail_from:
        out.para(t("mail_from", mail_from=ctx.mail_from, domain=ctx.mail_from.rpartition("@")[2]))
    from_fields = report.message.get_all("from")
    for field in from_fields:
        raw = field.unfolded().strip()
        shown = decoded(raw)
        out.para(t("from_field", value=t.quote(shown)))
        if shown != raw:
            out.items([t("raw_form", raw=raw)])
    if not from_fields:
        out.para(t("no_from"))
    subject = report.message.get_first("subject")
    if subject is not None:
        out.para(t("subject", value=shorten(decoded(subject.unfolded().strip()), 200)))
    dmarc = report.dmarc
    if dmarc is not None and dmarc.from_domain:
        out.para(t("author", domain=dmarc.from_domain))
    facts = report.message.line_endings
    if facts.normalised:
        out.para(t("line_endings", facts=t.phrase(facts.describe())))


def _received(out: Writer, t: Lang, message: Message, n: int, known_ip: bool) -> None:
    """--trust-received N: which field the SMTP facts came from, or why it gave none."""
    found = context_from_received(message, n)
    fields = message.get_all("received")
    if 1 <= n <= len(fields):
        out.para(t("received_field", n=n, text=shorten(" ".join(fields[n - 1].unfolded().split()), 300)))
    if found.sources:
        out.para(t("received_used", n=n, sources=", ".join(found.sources.values())))
    if not found.context.ip and not known_ip:  # an explicit --ip (or the sample's) stood in: SPF did run
        problem = found.problem or "no bracketed [IP] in the from clause"
        out.para(t("received_problem", n=n, problem=t.phrase(problem)))


def _received_candidates(out: Writer, t: Lang, message: Message) -> None:
    """The client IP is unknown: list the Received fields that name one, and suggest the N for --trust-received."""
    candidates = []
    for n in range(1, min(len(message.get_all("received")), MAX_RECEIVED) + 1):
        context = context_from_received(message, n).context
        if context.ip:
            candidates.append((n, context.ip, context.helo or "?"))
    if not candidates:
        out.para(t("received_none"))
        return
    out.para(t("received_candidates"))
    out.items(t("received_candidate", n=n, ip=ip, helo=helo) for n, ip, helo in candidates)
    outside = [n for n, ip, _ in candidates if not _internal(ip)]
    out.para(t("received_suggest", n=(outside or [candidates[0][0]])[0]))


def _internal(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    return address.is_loopback or address.is_link_local or any(address in net for net in _INTERNAL)


def _spf(out: Writer, t: Lang, report: Report, spf: SpfResult) -> None:
    if not spf.ip:  # no client IP could be trusted (the Received field said why): a verdict without a check
        out.para(t.spf_reason(spf.reason.value if spf.reason else None, spf.detail))
        out.para(t("spf_result_no_ip", verdict=spf.result.value))
        todo = advice.spf(t, spf, report.dmarc)
        if todo:
            out.para(todo)
        return
    if spf.null_sender:
        out.para(t("spf_identity", who=spf.sender or spf.domain))
    if spf.record:
        out.para(t("spf_record", domain=spf.domain, record=spf.record))
    out.para(t("spf_ledger"))
    rows = []
    for entry in spf.ledger:
        if entry.event != "query":
            event = ja_core.LEDGER_EVENTS.get(entry.event, entry.event) if t.ja else entry.event
            rows.append(t("spf_event", event=event, name=entry.name, detail=t.phrase(entry.detail)).strip())
            continue
        rows.append(
            t(
                "spf_query",
                rdtype=entry.rdtype,
                name=entry.name,
                status=entry.status,
                void=t("spf_void") if entry.void else "",
                records=entry.records,
                term=t("spf_query_record") if entry.term == "<record>" else entry.term,
                cost=t("spf_cost", n=entry.lookups) if entry.counted else "",
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
        out.para(t.spf_reason(spf.reason.value if spf.reason else None, spf.detail))
    out.para(t("spf_result", verdict=spf.result.value, meaning=t.means("spf", spf.result.value)))
    if spf.explanation:
        out.para(t("spf_exp", text=spf.explanation))
    todo = advice.spf(t, spf, report.dmarc)
    if todo:
        out.para(todo)
    helo = report.spf_helo
    if helo is not None:
        out.para(t("spf_helo", domain=helo.domain, verdict=helo.result.value))


def _ar(out: Writer, t: Lang, report: Report) -> None:
    """The field as written, then each entry explained from the same entries the field was built from."""
    out.para(t("ar_intro"))
    out.block(report.authentication_results.replace("\r\n", "\n"))
    rows = [t("ar_authserv", id=report.options.authserv_id.lower())]
    comments = {d.comment: t.comment(d) for d in report.dkim}
    found = arheader.entries(spf=report.spf, spf_helo=report.spf_helo, dkim=report.dkim, dmarc=report.dmarc)
    for method, result, comment, props in found:
        meaning = t.means(method, result)
        line = f"{method}={result}: {meaning}" if meaning else f"{method}={result}"
        if props:
            words = (f"{ptype}.{name}={value}" for ptype, name, value in props)
            line += "; " + ", ".join(f"{w} ({t.properties.get(w.split('=', 1)[0], t.properties['?'])})" for w in words)
        if comment:
            line += "; " + t("ar_comment", text=f"({comments.get(comment) or t.phrase(comment)})")
        rows.append(line)
    out.items(rows)


def _summary(out: Writer, t: Lang, report: Report) -> None:
    spf = report.spf.result.value if report.spf is not None else t("not_checked")
    dkim = ", ".join(d.verdict.value + (f" (d={d.domain})" if d.domain else "") for d in report.dkim)
    dmarc = report.dmarc
    verdict = dmarc.verdict.value if dmarc is not None else t("not_checked")
    out.para(t("summary", spf=spf, dkim=dkim or t("not_checked"), dmarc=verdict, code=report_exit_code(report)))
    if dmarc is not None and verdict == "pass":
        # one mention per identifier: two aligned signatures of one domain are "DKIM (example.com)", not twice
        via = t("and").join(dict.fromkeys(f"{a.identifier.upper()} ({a.domain})" for a in dmarc.alignment if a.aligned))
        out.para(t("summary_pass", domain=dmarc.from_domain, via=via))
    elif dmarc is not None and verdict == "fail":
        note = policy_note(t, dmarc)
        out.para(
            t(
                "summary_fail",
                domain=dmarc.from_domain,
                policy=dmarc.effective_policy or "none",
                disposition=dmarc.disposition,
                note=note,
            )
        )
        spf_unaligned = [a for a in dmarc.alignment if a.identifier == "spf" and a.result == "pass" and not a.aligned]
        unsigned = all(d.verdict is Verdict.NONE for d in report.dkim)  # no signature at all, not a broken one
        if spf_unaligned and unsigned:
            out.para(t("summary_spoof", spf_domain=spf_unaligned[0].domain, author=dmarc.from_domain))
    elif dmarc is not None and verdict == "temperror":
        out.para(t("summary_temp"))
    for note in report.notes:
        out.para(t("note", text=t.phrase(note)))

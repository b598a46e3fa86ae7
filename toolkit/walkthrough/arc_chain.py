"""The ARC section of the walkthrough: each hop (who sealed it, what it saw, its cv=), the chain's verdict, the
oldest pass, and whether a trusted sealer's word overrides a failed DMARC (RFC 8617; STANDARDS ARC-3, ARC-5)."""

from __future__ import annotations

from toolkit.core.arc.result import ArcInstance, ArcResult
from toolkit.core.results import Verdict
from toolkit.core.verify import Report
from toolkit.walkthrough.lang import Lang
from toolkit.walkthrough.layout import Writer, shorten


def arc_section(out: Writer, t: Lang, report: Report, section: int) -> int:
    """Narrated only when the message carries a chain: an unsealed message has nothing to say here (ARC-5)."""
    arc = report.arc
    if arc is None or arc.verdict is Verdict.NONE:
        return section
    section += 1
    out.heading(section, t("h_arc"))
    out.para(t("arc_intro", n=len(arc.instances)))
    for instance in arc.instances:
        _hop(out, t, instance)
    _verdict(out, t, arc)
    _override(out, t, report, arc)
    return section


def _hop(out: Writer, t: Lang, hop: ArcInstance) -> None:
    out.para(t("arc_hop", i=hop.i, d=hop.domain or "?", s=hop.selector or "?", a=hop.algorithm or "?",
               authserv_id=hop.authserv_id or "?"))  # fmt: skip
    rows = [t("arc_aar", aar=t.quote(shorten(hop.aar, 300)))]
    cv = hop.cv if hop.cv in ("none", "pass", "fail") else "other"
    rows.append(t(f"arc_cv_{cv}", cv=hop.cv or "?"))
    rows.append(t(f"arc_ams_{hop.ams.status.value}", reason=hop.ams.reason or "?"))
    rows.append(t(f"arc_as_{hop.seal.status.value}", reason=hop.seal.reason or "?"))
    out.items(rows)


def _verdict(out: Writer, t: Lang, arc: ArcResult) -> None:
    if arc.verdict is not Verdict.PASS:
        reason = arc.reason.value if arc.reason else "?"
        detail = t.arc_reason(reason, arc.detail)
        out.para(t("arc_fail", reason=reason, detail=detail + t.stop if detail else ""))
        return
    out.para(t("arc_pass"))
    oldest = arc.oldest_pass
    if oldest == 1:
        out.para(t("arc_oldest_first"))
    elif oldest is not None:
        out.para(t("arc_oldest", i=oldest, before=oldest - 1))


def _override(out: Writer, t: Lang, report: Report, arc: ArcResult) -> None:
    dmarc = report.dmarc
    if dmarc is None or dmarc.verdict is not Verdict.FAIL or not arc.passed:
        return
    found = dmarc.override
    if found is not None:
        out.para(t("arc_override", sealer=found.sealer, i=found.instance, evidence=t.quote(found.evidence),
                   reason=found.reason, verdict=dmarc.verdict.value))  # fmt: skip
    elif report.options.arc_trusted:
        out.para(t("arc_not_trusted"))
    else:
        out.para(t("arc_could_override", d=arc.instances[-1].domain or "?"))

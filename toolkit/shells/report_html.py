"""`emlauth report html`: one self-contained page (no script, no network, no CDN): daily volume and DMARC pass
rate, the sending sources with the failing ones highlighted, and the readiness verdict.

The chart is SVG written here by hand, not drawn by a plotting library: it is one bar chart with a line, about
forty lines of code; matplotlib would be a large dependency whose SVG output (glyphs as paths, ids that change
between versions) is neither stable for tests nor readable in the DOM. Every text is escaped.
"""

from __future__ import annotations

from html import escape

from toolkit.core.dmarc.report_digest import Day, DomainDigest
from toolkit.shells.report_words import (
    TEXT,
    fix_text,
    label,
    number,
    percent,
    readiness_lines,
    reports_text,
    source_title,
)

CSS = """
body { font-family: system-ui, "Noto Sans CJK JP", "Hiragino Sans", sans-serif; margin: 2rem auto; max-width: 72rem;
       color: #1d2733; background: #ffffff; line-height: 1.5; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
.stats { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0; }
.stat { background: #eef3f8; border-radius: .5rem; padding: .6rem 1rem; min-width: 9rem; }
.stat b { display: block; font-size: 1.5rem; }
table { border-collapse: collapse; font-size: .92rem; } table.sources { width: 100%; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #d6dde5; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.fail { background: #fde8e6; } tr.fail td.label { color: #a61b0f; font-weight: 600; }
tr.spoof { background: #f3f3f3; color: #666; }
.verdict { border-left: .4rem solid #c77700; background: #fff6e5; padding: .8rem 1rem; }
.verdict.ready { border-color: #1e7d32; background: #eaf6ec; }
.verdict.not_ready { border-color: #b3261e; background: #fde8e6; }
svg text { font-size: 11px; fill: #44505c; }
"""


def chart(days: tuple[Day, ...], lang: str) -> str:
    """Bars: messages per day (passing part dark, failing part red); the pass rate as a line on a 0-100% axis."""
    width, height, left, bottom, top = 720, 240, 56, 28, 14
    plot_w, plot_h = width - left - 48, height - bottom - top
    peak = max((d.messages for d in days), default=1) or 1
    step = plot_w / max(len(days), 1)
    bar = max(2.0, min(40.0, step * 0.7))
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img">']
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#889"/>')
    parts.append(f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{number(peak, lang)}</text>')
    parts.append(f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>')
    parts.append(f'<text x="{left + plot_w + 6}" y="{top + 4}">100%</text>')
    points = []
    for i, d in enumerate(days):
        x = left + i * step + (step - bar) / 2
        h_all = plot_h * d.messages / peak
        h_pass = plot_h * d.passed / peak
        y0 = top + plot_h
        parts.append(f'<rect x="{x:.1f}" y="{y0 - h_all:.1f}" width="{bar:.1f}" height="{h_all - h_pass:.1f}" '
                     f'fill="#d9483b"><title>{escape(_day(d.day))}</title></rect>')  # fmt: skip
        parts.append(
            f'<rect x="{x:.1f}" y="{y0 - h_pass:.1f}" width="{bar:.1f}" height="{h_pass:.1f}" fill="#2f6db5"/>'
        )
        rate = d.passed / d.messages if d.messages else 0
        points.append(f"{x + bar / 2:.1f},{top + plot_h * (1 - rate):.1f}")
        if len(days) <= 16 or i % max(1, len(days) // 8) == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - 8}" text-anchor="middle">{_day(d.day)[5:]}</text>')
    if points:
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#1e7d32" stroke-width="2"/>')
        for point in points:
            cx, cy = point.split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="#1e7d32"/>')
    parts.append("</svg>")
    return "".join(parts)


def _day(ts: int) -> str:
    from toolkit.shells.report_summary import day

    return day(ts)


def _domain_section(d: DomainDigest, lang: str) -> str:
    t = TEXT[lang]
    r = d.readiness
    stat_names = {"en": ("messages", "DMARC pass", "reports", "published policy"),
                  "ja": ("通数", "DMARC 合格率", "レポート", "公開中のポリシー")}[lang]  # fmt: skip
    values = (number(d.messages, lang), percent(d.passed, d.messages), reports_text(d.reports, lang), f"p={r.policy}")
    stats = "".join(
        f'<div class="stat" data-stat="{key}"><b>{escape(v)}</b>{escape(n)}</div>'
        for key, n, v in zip(("messages", "pass_rate", "reports", "policy"), stat_names, values, strict=True)
    )
    cols = "".join(f"<th>{escape(c)}</th>" for c in t["columns"])
    rows = []
    for s in d.sources:
        css = "fail" if s.legitimate and s.failed else "spoof" if not s.legitimate else ""
        aligned = s.aligned if s.aligned != "none" else t["none"]
        rows.append(
            f'<tr class="{css}" data-kind="{s.kind}"><td class="n">{number(s.messages, lang)}</td>'
            f'<td class="n">{percent(s.passed, s.messages)}</td><td>{escape(aligned)}</td>'
            f'<td>{escape(source_title(s, lang))}</td><td class="label">{escape(label(s, lang))}</td></tr>'
        )
    day_cols = "".join(f"<th>{escape(c)}</th>" for c in t["day_columns"])
    day_rows = "".join(
        f'<tr><td>{_day(x.day)}</td><td class="n">{number(x.messages, lang)}</td>'
        f'<td class="n">{percent(x.passed, x.messages)}</td></tr>'
        for x in d.days
    )
    verdict = "".join(f"<p>{escape(line.strip())}</p>" for line in readiness_lines(d, lang))
    fixes = "".join(f"<li>{escape(fix_text(f, lang))}</li>" for f in r.fixes)
    return (
        f'<section id="{escape(d.domain)}"><h1>{escape(d.domain)}</h1><div class="stats">{stats}</div>'
        f"<h2>{escape(t['daily'])}</h2>{chart(d.days, lang)}"
        f'<table class="days"><thead><tr>{day_cols}</tr></thead><tbody>{day_rows}</tbody></table>'
        f"<h2>{escape(t['sources'])}</h2>"
        f'<table class="sources"><thead><tr>{cols}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        f"<h2>{escape(t['readiness'])}</h2>"
        f'<div class="verdict {r.verdict}" id="verdict-{escape(d.domain)}">{verdict}</div>'
        + (f'<h2>{escape(t["fix_first"])}</h2><ol class="fixes">{fixes}</ol>' if fixes else "")
        + "</section>"
    )


def render(digests: list[DomainDigest], lang: str) -> str:
    title = {"en": "DMARC reports", "ja": "DMARC レポート"}[lang]
    body = "".join(_domain_section(d, lang) for d in digests)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{body}</body></html>\n"
    )

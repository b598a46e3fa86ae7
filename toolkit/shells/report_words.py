"""The words of `report summary` and `report html`, in English and Japanese (one table per language).

The digest (toolkit/core/dmarc/report_digest.py) gives codes; this turns them into sentences for a domain owner.
"""

from __future__ import annotations

import unicodedata

from toolkit.core.dmarc.report_digest import DomainDigest, Fix, Readiness, Source

LABELS = {
    "en": {
        "aligned": "your mail: aligned by DKIM and SPF",
        "esp_dkim": "your ESP: aligned by DKIM",
        "spf_only": "your server: aligned by SPF only, no DKIM",
        "forwarder": "forwarder: SPF fails, DKIM survives",
        "mailing_list": "mailing list: DKIM broken, not aligned",
        "forwarded": "forwarder: DKIM and SPF both lost",
        "unaligned": "third-party sender: authenticated as {detail}, not aligned",
        "spoofing": "unauthenticated: probably spoofing",
    },
    "ja": {
        "aligned": "自社のメール: DKIM と SPF の両方で一致",
        "esp_dkim": "配信サービス (ESP): DKIM で一致",
        "spf_only": "自社サーバー: SPF だけで一致 (DKIM 署名なし)",
        "forwarder": "転送サービス: SPF は失敗、DKIM は有効",
        "mailing_list": "メーリングリスト: DKIM が壊れて一致しない",
        "forwarded": "転送: DKIM も SPF も通らない",
        "unaligned": "外部の送信サービス: {detail} として認証、ドメインが一致しない",
        "spoofing": "認証なし: なりすましの可能性が高い",
    },
}

TEXT = {
    "en": {
        "head": "{domain}: {messages} messages in {reports}, DMARC pass {rate} (published now: p={policy})",
        "sources": "Sending sources",
        "columns": ("messages", "pass", "aligned", "source", "what it is"),
        "ips": "{n} IPs",
        "readiness": "Readiness: what would happen today",
        "quarantine": "Under p=quarantine: {n} messages ({share}) from sources that look legitimate would go to spam.",
        "reject": "Under p=reject: the same {n} messages would be refused.",
        "spoofed": "Mail that looks spoofed and would be stopped: {n} messages.",
        "lost_from": "  {messages:>8}  {source}  ({label})",
        "ready": "Verdict: ready. Nothing legitimate fails; move to p=quarantine, then to p=reject.",
        "ready_but_lists": (
            "Verdict: ready for p=quarantine. At p=reject, mail through mailing lists and forwarders ({n} messages)"
            " would be refused; many large receivers accept such mail by ARC, so move on while watching the reports."
        ),
        "not_ready": "Verdict: not ready yet. Fix these first, then look at the next reports:",
        "no_data": "No reports stored for this domain yet.",
        "fix_first": "What to fix first",
        "daily": "Daily volume and DMARC pass rate",
        "day_columns": ("day (UTC)", "messages", "pass"),
        "none": "none",
        "no_rows": "No aggregate reports in the store match.",
    },
    "ja": {
        "head": "{domain}: レポート {reports} 件、{messages} 通、DMARC 合格率 {rate} (現在の公開ポリシー: p={policy})",
        "sources": "送信元",
        "columns": ("通数", "合格", "一致", "送信元", "判定"),
        "ips": "IP {n} 個",
        "readiness": "ポリシーを強めたら今日どうなるか",
        "quarantine": "p=quarantine にすると: 正規と思われる送信元からの {n} 通 ({share}) が迷惑メールに入ります。",
        "reject": "p=reject にすると: 同じ {n} 通が受信を拒否されます。",
        "spoofed": "なりすましと思われ、止められるメール: {n} 通。",
        "lost_from": "  {messages:>8}  {source}  ({label})",
        "ready": (
            "判定: 準備はできています。正規のメールで失敗しているものはありません。"
            "p=quarantine、続いて p=reject に進めます。"
        ),
        "ready_but_lists": (
            "判定: p=quarantine には進めます。ただし p=reject にすると、メーリングリストや転送を経由した {n} 通が"
            "拒否されます。大手の受信側の多くは ARC で受け入れるので、レポートを見ながら進めてください。"
        ),
        "not_ready": "判定: まだ早いです。先に次の点を直し、次のレポートでもう一度確かめてください。",
        "no_data": "このドメインのレポートはまだありません。",
        "fix_first": "先に直すこと",
        "daily": "日ごとの通数と DMARC 合格率",
        "day_columns": ("日付 (UTC)", "通数", "合格率"),
        "none": "なし",
        "no_rows": "条件に合う集計レポートはストアにありません。",
    },
}

FIXES = {
    "en": {
        "unaligned": "Set up DKIM signing with your own domain at {source} (it signs as {detail} today): "
        "saves {n} messages.",
        "spf_only": "Add DKIM signing at {source}: it passes by SPF only, which breaks as soon as its mail is "
        "forwarded.",
        "mailing_list": "{source}: {n} messages through a mailing list fail. Only the list can fix this (rewrite From,"
        " or sign with ARC); it is not in your hands.",
        "forwarded": "{source}: {n} forwarded messages lose both checks. Ask the forwarder not to change messages "
        "(so DKIM survives), or to sign with ARC.",
    },
    "ja": {
        "unaligned": "{source} で自社ドメインの DKIM 署名を設定してください (今は {detail} で署名しています)。"
        "{n} 通が救われます。",
        "spf_only": "{source} でも DKIM 署名をしてください。今は SPF だけで通っているので、転送されると失敗します。",
        "mailing_list": "{source}: メーリングリストを経由した {n} 通が失敗しています。From の書き換えや ARC 署名は"
        "リスト側の対応で、こちらでは直せません。",
        "forwarded": "{source}: 転送された {n} 通で両方の認証が失われています。メールを書き換えない (DKIM を壊さない) "
        "よう、または ARC で署名するよう、転送元に頼んでください。",
    },
}


def number(n: int, lang: str) -> str:
    return f"{n:,}"


def reports_text(n: int, lang: str) -> str:
    if lang == "ja":
        return f"{n:,}"
    return f"{n:,} report" + ("" if n == 1 else "s")


def pad(text: str, width: int, right: bool = False) -> str:
    """Pad to a width in terminal columns: Japanese characters take two."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    fill = " " * max(0, width - used)
    return fill + text if right else text + fill


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def label(source: Source, lang: str) -> str:
    return LABELS[lang][source.kind].format(detail=", ".join(source.auth_domains) or "?")


def source_title(source: Source, lang: str) -> str:
    extra = TEXT[lang]["ips"].format(n=len(source.ips)) if len(source.ips) > 1 else ""
    if source.name != source.ips[0]:
        extra = ", ".join(x for x in (source.ips[0] if len(source.ips) == 1 else "", extra) if x)
    return f"{source.name} ({extra})" if extra else source.name


def fix_text(fix: Fix, lang: str) -> str:
    return FIXES[lang][fix.kind].format(
        source=source_title(fix.source, lang), detail=fix.detail or "?", n=number(fix.messages, lang)
    )


def readiness_lines(d: DomainDigest, lang: str) -> list[str]:
    t, r = TEXT[lang], d.readiness
    if r.verdict == "no_data":
        return [t["no_data"]]
    lines = [
        t["quarantine"].format(n=number(r.legitimate_lost, lang), share=percent(r.legitimate_lost, d.messages)),
        t["reject"].format(n=number(r.legitimate_lost, lang)),
    ]
    lines += [
        t["lost_from"].format(messages=number(s.failed, lang), source=source_title(s, lang), label=label(s, lang))
        for s in r.lost_sources
    ]
    lines.append(t["spoofed"].format(n=number(r.spoofed, lang)))
    lines.append(verdict_line(r, lang))
    return lines


def verdict_line(r: Readiness, lang: str) -> str:
    return TEXT[lang][r.verdict].format(n=number(r.legitimate_lost, lang))

"""`emlauth walkthrough report-basics`: how to read a DMARC aggregate report, element by element, on the sample in
samples/reports, and what to do about each kind of sender it shows (en, ja). Pure: a parsed report in, text out.
"""

from __future__ import annotations

import time

from toolkit.core.dmarc.report_digest import Row, classify, digest
from toolkit.core.dmarc.report_model import Record, ReportHead
from toolkit.walkthrough.layout import Writer

EN = {
    "title": "Walkthrough: reading a DMARC aggregate report",
    "intro": "Once your DMARC record has rua=mailto:..., every large receiver sends you one of these a day: an XML "
    "file, usually gzipped and attached to a mail. It does not contain messages, only counts: how many messages "
    "claiming to be from your domain it received from each IP address, and what SPF, DKIM and DMARC said about "
    "them. This walkthrough reads {source}.",
    "h_meta": "report_metadata: who reports, and for when",
    "meta": [
        "org_name {org}: the receiver that saw the mail and wrote the report.",
        "email {email}: its contact address for the report.",
        "report_id {rid}: unique per receiver; the same report sent twice has the same id (emlauth report ingest "
        "counts it once).",
        "date_range {begin} to {end} (UTC): the period the counts cover, usually one day.",
    ],
    "h_policy": "policy_published: the DMARC record the receiver found",
    "policy_intro": "This is what your DNS said while the mail arrived, as the receiver read it:",
    "policy": {
        "domain": "domain {v}: the domain in the From field the counts are about.",
        "p": "p={v}: what you ask receivers to do with mail that fails DMARC (none = only report).",
        "sp": "sp={v}: the same for subdomains that have no record of their own.",
        "np": "np={v}: the same for subdomains that do not exist at all (RFC 9989); spoofers like to invent them.",
        "adkim": "adkim={v}: DKIM alignment, r (relaxed: a subdomain counts) or s (strict: exactly the same name).",
        "aspf": "aspf={v}: the same for SPF.",
        "pct": "pct={v}: the share of failing mail the policy applies to (RFC 7489 only).",
        "testing": "testing={v}: t=y means you are testing; receivers then apply one step less.",
        "discovery_method": "discovery_method={v}: how the receiver found the record (treewalk: the RFC 9989 DNS "
        "walk; psl: the public suffix list).",
    },
    "h_record": "record: one row per source and verdict",
    "record_intro": "Each record says: this many messages came from this IP and got these results. Its parts:",
    "record_parts": [
        "row/source_ip and row/count: who connected, and how many messages.",
        "row/policy_evaluated: the DMARC view. dkim and spf here are pass only if that method passed AND its domain "
        "aligns with the From domain; disposition is what the receiver did (none, quarantine, reject).",
        "row/policy_evaluated/reason: why the receiver did something else than your policy says (forwarded, "
        "mailing_list, local_policy ...).",
        "identifiers: header_from (the From domain), envelope_from (the SMTP MAIL FROM domain) and envelope_to.",
        "auth_results: the raw results before alignment: each DKIM signature (domain, selector, result) and SPF "
        "(domain, scope, result). A pass here with a fail in policy_evaluated means: authenticated, but as "
        "another domain.",
    ],
    "h_rows": "Record {n}: {count} messages from {ip}",
    "rows": "policy_evaluated: disposition={disposition}, dkim={dkim}, spf={spf}. identifiers: from {hf}, envelope "
    "from {ef}.",
    "auth": "auth_results: {auth}.",
    "reasons": "reason: {reasons}.",
    "what": "What it is: {label}.",
    "todo": "What to do: {advice}",
    "h_next": "What next",
    "next": "Store every report you receive and read them together: emlauth report ingest INPUT... --db reports.db, "
    "then emlauth report summary --db reports.db. The summary groups senders like the records above, and "
    "says what would happen today under p=quarantine and p=reject.",
    "verdict": "For this sample: {lost} of {total} messages come from legitimate-looking senders that fail DMARC, "
    "and {spoofed} look spoofed. {verdict}",
    "verdicts": {
        "ready": "Nothing legitimate fails: you can move to p=quarantine, then p=reject.",
        "ready_but_lists": "Only mailing lists and forwarders lose mail: p=quarantine is safe.",
        "not_ready": "Fix the senders marked 'fix this first' before you tighten the policy.",
        "no_data": "",
    },
    "labels": {
        "aligned": "your own mail, aligned by DKIM and SPF",
        "esp_dkim": "your ESP, aligned by DKIM",
        "spf_only": "your own server, aligned by SPF only",
        "forwarder": "a forwarder: SPF fails, DKIM survives",
        "mailing_list": "a mailing list: DKIM broken, not aligned",
        "forwarded": "a forwarder that lost both DKIM and SPF",
        "unaligned": "a service that sends as you but authenticates as {detail}",
        "spoofing": "nobody you know: nothing authenticated, probably spoofing",
    },
    "advice": {
        "aligned": "nothing; this is how all your mail should look.",
        "esp_dkim": "nothing urgent. DKIM carries DMARC; SPF passes only for the ESP's own bounce domain, which is "
        "normal. To align SPF too, ask the ESP for a return path under your domain.",
        "spf_only": "add DKIM signing on this server. SPF alone breaks as soon as a recipient forwards the mail.",
        "forwarder": "nothing. Forwarding breaks SPF by design; DKIM survived, so DMARC passed. This is why every "
        "sender of yours needs DKIM.",
        "mailing_list": "not in your hands. The list changed the message (a subject tag, a footer) and broke DKIM. "
        "Lists that rewrite From or sign with ARC avoid this; at p=reject some of this mail would bounce.",
        "forwarded": "not in your hands: ask the forwarder not to change messages, or to sign with ARC.",
        "unaligned": "fix this first. In the service's settings, set up DKIM for your own domain (it gives you a "
        "CNAME or TXT record to publish); then its mail aligns.",
        "spoofing": "this is what DMARC is for. Once you publish p=quarantine or p=reject, receivers stop it.",
    },
}

JA = {
    "title": "ウォークスルー: DMARC 集計レポートの読み方",
    "intro": "DMARC レコードに rua=mailto:... を書くと、大手の受信側から毎日このレポートが届きます。中身は XML で、"
    "たいてい gzip で圧縮されてメールに添付されています。メール本文は含まれず、あるのは数だけです。あなたのドメイン"
    "を名乗るメールを、どの IP アドレスから何通受け取り、SPF・DKIM・DMARC の結果がどうだったか。ここでは "
    "{source} を読んでいきます。",
    "h_meta": "report_metadata: 誰が、いつの分を報告しているか",
    "meta": [
        "org_name {org}: メールを受け取り、このレポートを書いた受信側です。",
        "email {email}: レポートについての問い合わせ先です。",
        "report_id {rid}: 受信側ごとに一意の番号です。同じレポートが二度届いても番号は同じなので、emlauth report "
        "ingest は一度だけ数えます。",
        "date_range {begin} から {end} (UTC): 集計の対象期間で、ふつうは 1 日分です。",
    ],
    "h_policy": "policy_published: 受信側が見た DMARC レコード",
    "policy_intro": "メールが届いた時点で、あなたの DNS に何が書かれていたかを受信側が読み取ったものです。",
    "policy": {
        "domain": "domain {v}: 集計の対象になっている From ドメインです。",
        "p": "p={v}: DMARC に失敗したメールをどう扱ってほしいか (none は報告だけ)。",
        "sp": "sp={v}: 自前のレコードを持たないサブドメインへの同じ指定です。",
        "np": "np={v}: 存在しないサブドメインへの指定です (RFC 9989)。なりすましはこうした名前をよく作ります。",
        "adkim": "adkim={v}: DKIM の一致の判定。r (緩やか、サブドメインでもよい) か s (厳密、完全に同じ名前) です。",
        "aspf": "aspf={v}: SPF についての同じ指定です。",
        "pct": "pct={v}: ポリシーを適用する失敗メールの割合です (RFC 7489 のみ)。",
        "testing": "testing={v}: t=y はテスト中という意味で、受信側は一段階ゆるく扱います。",
        "discovery_method": "discovery_method={v}: レコードの探し方です (treewalk は RFC 9989 の DNS ツリー探索、"
        "psl はパブリックサフィックスリスト)。",
    },
    "h_record": "record: 送信元と結果の組ごとに 1 行",
    "record_intro": "各 record は「この IP からこれだけの通数が届き、結果はこうだった」という 1 行です。"
    "中身は次のとおりです。",
    "record_parts": [
        "row/source_ip と row/count: 接続してきた IP と通数です。",
        "row/policy_evaluated: DMARC から見た結果です。ここでの dkim と spf は、その認証に合格し、しかもドメインが "
        "From ドメインと一致したときだけ pass になります。disposition は受信側が実際にしたこと (none、quarantine、"
        "reject) です。",
        "row/policy_evaluated/reason: 受信側がポリシーと違う扱いをした理由です (forwarded、mailing_list、"
        "local_policy など)。",
        "identifiers: header_from (From ドメイン)、envelope_from (SMTP の MAIL FROM のドメイン)、envelope_to です。",
        "auth_results: 一致を判定する前の生の結果です。DKIM 署名ごとの domain・selector・result と、SPF の "
        "domain・scope・result。ここが pass なのに policy_evaluated が fail なら、「認証はされたが別のドメインとして」"
        "という意味です。",
    ],
    "h_rows": "record {n}: {ip} から {count} 通",
    "rows": "policy_evaluated: disposition={disposition}、dkim={dkim}、spf={spf}。identifiers: From は {hf}、"
    "エンベロープ送信者は {ef}。",
    "auth": "auth_results: {auth}。",
    "reasons": "reason: {reasons}。",
    "what": "これは何か: {label}。",
    "todo": "どうするか: {advice}",
    "h_next": "次にすること",
    "next": "届いたレポートはすべて保存して、まとめて読みましょう。emlauth report ingest INPUT... --db reports.db "
    "で取り込み、emlauth report summary --db reports.db で集計します。集計では上の record と同じように送信元を"
    "分類し、今日 p=quarantine や p=reject にしたら何が起きるかを示します。",
    "verdict": "このサンプルでは、{total} 通のうち {lost} 通が正規と思われる送信元からのもので DMARC に失敗し、"
    "{spoofed} 通はなりすましと見られます。{verdict}",
    "verdicts": {
        "ready": "正規のメールで失敗しているものはないので、p=quarantine、続いて p=reject に進めます。",
        "ready_but_lists": "失敗しているのはメーリングリストと転送だけなので、p=quarantine には進めます。",
        "not_ready": "ポリシーを強める前に、「最初に直す」と書いた送信元を直してください。",
        "no_data": "",
    },
    "labels": {
        "aligned": "自社のメール。DKIM と SPF の両方で一致",
        "esp_dkim": "配信サービス (ESP)。DKIM で一致",
        "spf_only": "自社サーバー。SPF だけで一致",
        "forwarder": "転送サービス。SPF は失敗、DKIM は有効",
        "mailing_list": "メーリングリスト。DKIM が壊れて一致しない",
        "forwarded": "転送の途中で DKIM も SPF も失われたメール",
        "unaligned": "あなたの名前で送っているが、{detail} として認証しているサービス",
        "spoofing": "心当たりのない送信元。何も認証されておらず、なりすましの可能性が高い",
    },
    "advice": {
        "aligned": "何もしなくてかまいません。すべてのメールがこうなるのが理想です。",
        "esp_dkim": "急ぐことはありません。DMARC は DKIM で合格しています。SPF が ESP 自身のバウンス用ドメインで"
        "合格しているのは普通のことです。SPF も一致させたければ、自社ドメインのリターンパスを ESP に設定して"
        "もらいます。",
        "spf_only": "このサーバーにも DKIM 署名を入れてください。SPF だけだと、受信者が転送した時点で失敗します。",
        "forwarder": "何もしなくてかまいません。転送すると SPF は必ず失敗しますが、DKIM が残ったので DMARC は"
        "合格しました。すべての送信元に DKIM が必要なのはこのためです。",
        "mailing_list": "こちらでは直せません。リストが件名にタグを付けたりフッターを足したりして、DKIM を壊して"
        "います。From を書き換えるか ARC で署名するリストなら問題は起きません。p=reject にすると、この一部は"
        "戻ってきます。",
        "forwarded": "こちらでは直せません。転送元に、メールを書き換えないか ARC で署名するよう頼んでください。",
        "unaligned": "最初に直すところです。そのサービスの設定で自社ドメインの DKIM を有効にしてください (公開する "
        "CNAME か TXT レコードが示されます)。そうすればメールが一致するようになります。",
        "spoofing": "DMARC はまさにこのためにあります。p=quarantine か p=reject を公開すれば、受信側が止めてくれます。",
    },
}

LANGUAGES = {"en": EN, "ja": JA}


def _utc(ts: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))


def _auth(r: Record) -> str:
    parts = [f"dkim {a.domain} s={a.selector or '-'} {a.result}" for a in r.dkim_auth]
    parts += [f"spf {a.domain} ({a.scope or '-'}) {a.result}" for a in r.spf_auth]
    return ", ".join(parts) or "-"


def explain_report(head: ReportHead, records: list[Record], source: str, lang: str = "en") -> str:
    """The narrated reading of one aggregate report."""
    t = LANGUAGES[lang]
    out = Writer()
    out.title(t["title"])
    out.para(t["intro"].format(source=source))
    out.heading(1, t["h_meta"])
    out.items(
        line.format(
            org=head.org_name, email=head.email or "-", rid=head.report_id, begin=_utc(head.begin), end=_utc(head.end)
        )  # fmt: skip
        for line in t["meta"]
    )
    out.heading(2, t["h_policy"])
    out.para(t["policy_intro"])
    p = head.policy
    values = {"domain": p.domain, "p": p.p, "sp": p.sp, "np": p.np, "adkim": p.adkim, "aspf": p.aspf, "pct": p.pct,
              "testing": p.testing, "discovery_method": p.discovery_method}  # fmt: skip
    out.items(t["policy"][k].format(v=v) for k, v in values.items() if v is not None)
    out.heading(3, t["h_record"])
    out.para(t["record_intro"])
    out.items(t["record_parts"])
    for n, r in enumerate(records, 1):
        kind = classify(r, p.domain)
        detail = ", ".join(a.domain for a in r.dkim_auth if a.result == "pass") or "?"
        out.heading(3 + n, t["h_rows"].format(n=n, count=f"{r.count:,}", ip=r.source_ip))
        lines = [
            t["rows"].format(
                disposition=r.disposition, dkim=r.dkim, spf=r.spf, hf=r.header_from or "-", ef=r.envelope_from or "-"
            ),  # fmt: skip
            t["auth"].format(auth=_auth(r)),
        ]
        if r.reasons:
            lines.append(t["reasons"].format(reasons=", ".join(f"{x.type} ({x.comment or '-'})" for x in r.reasons)))
        out.items(lines)
        out.para(t["what"].format(label=t["labels"][kind].format(detail=detail)))
        out.para(t["todo"].format(advice=t["advice"][kind]))
    [d] = digest([Row(p.domain, head.begin, p.p, r) for r in records], {}, {p.domain: 1})
    out.heading(4 + len(records), t["h_next"])
    out.para(t["next"])
    readiness = d.readiness
    out.para(
        t["verdict"].format(
            lost=f"{readiness.legitimate_lost:,}",
            total=f"{d.messages:,}",
            spoofed=f"{readiness.spoofed:,}",
            verdict=t["verdicts"][readiness.verdict],
        )  # fmt: skip
    )
    return out.text()

"""doctor の日本語メッセージ(コードごと)。英語版は text_en.py。"""

from __future__ import annotations

from toolkit.core.domain.findings import Finding

TITLE_JA = "emlauth doctor: {domain} の診断"
LEVEL_JA = {"ok": "OK", "info": "情報", "warn": "注意", "error": "エラー", "critical": "緊急"}
AREA_JA = {"spf": "SPF", "dkim": "DKIM", "dmarc": "DMARC", "mx": "メール配送(MX・A/AAAA)",
           "mailfrom": "カスタム MAIL FROM(SES)", "ptr": "逆引き DNS", "bulk": "大量送信者の要件(このメッセージ)",
           "mta-sts": "MTA-STS", "tls-rpt": "TLS-RPT", "bimi": "BIMI"}  # fmt: skip


LABELS_JA = {"fix": "修正", "rule": "規則", "tree": "最悪の場合の DNS 参照ツリー:", "result": "結果: "}
TREE_COUNTS_JA = "参照 {node.total}/{max} 回、空振り {node.voids}/{max_void} 回"
TREE_SPEND_JA = "参照 {node.total} 回"
TREE_VOID_JA = "、空振り {node.voids} 回"
TREE_JA = {  # why the lookup tree stopped at a node (spf.py SpfNode.problem)
    "loop": "循環",
    "no SPF record": "SPF レコードなし",
    "several SPF records": "SPF レコードが複数",
    "syntax error": "構文エラー",
    "not followed: too deep": "深すぎるため追跡せず",
    "not followed: work bound": "上限に達したため追跡せず",
    "macro: not followed": "マクロのため追跡せず",
    "macro: depends on the client": "マクロ: 送信元によって変わる",
    "ptr: depends on the client": "ptr: 送信元によって変わる",
}

STATE_JA = {"met": "満たしている", "unmet": "満たしていない", "unknown": "不明"}


def localize(f: Finding) -> str:
    template = JA.get(f.code)
    if template is None:
        return f.message
    args = dict(f.args)
    if "hint" in args:  # the English hint is built from a suggestion or a CNAME target: say it in Japanese
        suggestion, via = args.get("suggestion"), args.get("via")
        args["hint"] = (f"。{suggestion} の誤りではありませんか?" if suggestion else "") + (
            f"(CNAME の先の {via} にも鍵がありません)" if via else ""
        )
    if "state" in args:  # "met (spf=pass, ...)" -> "満たしている (spf=pass, ...)"
        word, _, rest = str(args["state"]).partition(" ")
        args["state"] = STATE_JA.get(word, word) + (f" {rest}" if rest else "")
    try:
        return template.format(**args)
    except (KeyError, IndexError, ValueError):
        return f.message


JA = {
    # SPF
    "SPF_OK": "SPF レコード {record!r}: 最悪の場合でも DNS 参照は {lookups}/10 回、空振りは {voids}/2 回です",
    "SPF_NONE": "{domain} には SPF レコードがありません。受信側の判定は spf=none となり、SPF を頼りにするメールは"
    "認証に通りません",
    "SPF_MULTIPLE": "SPF レコードが {count} 件あります。2 件以上あると、どのメールも permerror になります"
    "(RFC 7208 §4.5)。1 件にまとめてください",
    "SPF_STRING_LONG": "TXT の文字列が {size} バイトあります。1 つの文字列は 255 バイトまでなので、分割してください",
    "SPF_RECORD_LONG": "SPF レコードが {size} バイトあります。450 バイトを超えると、512 バイトの UDP 応答に"
    "収まらないおそれがあります",
    "SPF_SYNTAX": "SPF レコードを解釈できないため、どのメールの判定も permerror になります: {detail}",
    "SPF_AFTER_ALL": "{all!r} より後ろの項目は評価されません: {ignored!r}",
    "SPF_PLUS_ALL": "'+all' では、インターネット上のどのホストでもこのドメインの SPF に合格してしまいます",
    "SPF_NEUTRAL_ALL": "'?all' では、記載のないホストが neutral になるだけで、何も守れません",
    "SPF_NO_ALL": "'all' も redirect もないため、記載のないホストは neutral になります",
    "SPF_PTR": "'ptr' は遅く不確実で、使わないよう勧められています(RFC 7208 §5.5)。アドレスを直接書いてください",
    "SPF_DNS_ERROR": "{name} の {rdtype} 参照で DNS エラー({detail})が起きたため、SPF の確認を終えられませんでした"
    "(temperror)",
    "SPF_INCLUDE_LOOP": "{term} が循環しています: {chain}。どのメールの判定も permerror になります",
    "SPF_INCLUDE_MISSING": "{term}: {target} に SPF レコードがない({status})ため、{root} の判定はすべて permerror "
    "になります",
    "SPF_INCLUDE_BROKEN": "{term} の参照先のレコードが壊れている({detail})ため、どのメールの判定も permerror "
    "になります",
    "SPF_MX_TOO_MANY": "{term} の MX ホストが {count} 台あります。10 台を超えると permerror です(RFC 7208 §4.6.4)",
    "SPF_TOO_MANY_LOOKUPS": "最悪の場合の DNS 参照が {lookups} 回で、上限の 10 回を超えています(permerror)。"
    "多く使っているのは {spenders} です",
    "SPF_LOOKUPS_NEAR_LIMIT": "最悪の場合の DNS 参照が 10 回中 {lookups} 回です。include をあと 1 つ増やすと SPF が"
    "壊れます。内訳: {spenders}",
    "SPF_TOO_MANY_VOID": "最悪の場合、空振りの参照(応答のない名前)が {voids} 回あります。2 回を超えると permerror です",
    "SPF_IP_PASS": "{ip} の {domain} に対する SPF の判定: pass",
    "SPF_IP_NOT_PASS": "{ip} の {domain} に対する SPF の判定: {result}。このアドレスにはこのドメインとして送信する"
    "許可がありません",
    # DKIM
    "DKIM_OK": "{name}: {bits} ビットの {key_type} 鍵が公開されており、正しい形式です",
    "DKIM_NO_SELECTOR": "--selector の指定がありません。DKIM の鍵はセレクタ名がわからないと探せません",
    "DKIM_DNS_ERROR": "{name} の TXT 参照で DNS エラー({detail})が起きたため、DKIM を確認できませんでした(temperror)",
    "DKIM_MISSING": "{name} に鍵がありません({status}){hint}。このセレクタの署名は検証に失敗します(permerror)",
    "DKIM_ESP_CNAME": "{name} は {target}({esp})への CNAME です。鍵の管理とローテーションは事業者が行います",
    "DKIM_MULTIPLE": "{name} に TXT レコードが {count} 件あります。検証側がどれを使うかは決まらないので、1 "
    "件にしてください",
    "DKIM_REVOKED": "{name} は失効しています(p= が空)。このセレクタの署名は検証に失敗します",
    "DKIM_KEY_WEAK": "{name}: RSA 鍵が {bits} ビットです。1024 ビット未満の鍵は検証側に拒否されます(RFC 8301)",
    "DKIM_KEY_SHORT": "{name}: RSA 鍵が {bits} ビットです。推奨は 2048 ビットです",
    "DKIM_TESTING": "{name} に t=y が付いています。この鍵で署名したメールは、受信側で署名なしとして扱われます",
    "DKIM_SHA1_ONLY": "{name} は h=sha1 しか許していません。SHA-1 はもう検証側に受け付けられません(RFC 8301)",
    "DKIM_PRIVATE_KEY": "{name} に秘密鍵が公開されています。誰でもこのドメインとして署名できる状態です。"
    "今すぐ鍵を作り直し、新しいセレクタで公開して、この鍵は失効させてください",
    "DKIM_TRUNCATED": "{name}: 鍵が途中で切れています(p= は {chars} 文字しかありません)。最初の 255 文字の"
    "文字列だけを公開していませんか?",
    "DKIM_K_MISMATCH": "{name}: k={k} となっていますが、p= の中身は {actual} の鍵です。k= を直してください",
    "DKIM_SYNTAX": "{name}: DKIM の鍵レコードとして正しくありません: {detail}",
    # DMARC
    "DMARC_OK": "_dmarc.{at} の DMARC レコード: {record!r}",
    "DMARC_NONE": "{domain} には DMARC レコードがなく、組織ドメインにもありません。受信側はポリシーを適用せず、"
    "レポートも届きません",
    "DMARC_INHERITED": "_dmarc.{domain} にはレコードがありません。RFC 9989 のツリーウォークで _dmarc.{at} が見つかり、"
    "その sp={policy} が適用されます",
    "DMARC_MULTIPLE": "DMARC レコードが {count} 件あります。2 件以上あると、DMARC はまったく適用されません",
    "DMARC_V_NOT_FIRST": "{record!r} は無視されます。DMARC レコードは 'v=DMARC1' で始まらなければなりません",
    "DMARC_DNS_ERROR": "{name} の TXT 参照で DNS エラー({detail})が起きたため、DMARC を確認できませんでした(temperror)",
    "DMARC_UNKNOWN_TAG": "未知のタグ {tag!r} は無視されます{hint}",
    "DMARC_BAD_VALUE": "{tag}={value!r} は正しい値ではありません({allowed})。受信側は既定値を使います",
    "DMARC_BAD_POLICY": "{tag}={value!r} は none、quarantine、reject のどれでもありません。{guess} の誤りでは"
    "ありませんか?",
    "DMARC_NO_POLICY": "p= タグがありません。RFC 7489 に従う受信側はレコードを無視します(RFC 9989 では p=none "
    "として読みます)",
    "DMARC_PCT": "pct={pct}: pct は RFC 9989 で廃止されました。厳しいポリシーを試すときは t=y を使ってください",
    "DMARC_LEGACY_TAG": "{tag}= は RFC 9989 にはなく、無視されます",
    "DMARC_NO_RUA": "rua= がないため集計レポートが届かず、誰があなたのドメインで送信しているかがわかりません",
    "DMARC_URI_SYNTAX": "{tag} の送り先 {uri!r} は mailto: の URI ではないため無視されます{hint}",
    "DMARC_EXTERNAL_OK": "{tag} の送り先 {host} は、あなたのレポートの受け取りを承認しています",
    "DMARC_EXTERNAL_UNAUTHORIZED": "{tag} の送り先 {host} は自ドメインの外にあり、受け取りを承認していません"
    "({name} に v=DMARC1 がありません)。このレポートは送られません",
    "DMARC_TESTING": "t=y: テスト中のため、p={policy} は一段ゆるめて適用されます",
    "DMARC_NEXT_STEP": "p={policy} は監視の段階です。レポートで自分のメールがすべて合格しているのを確かめたら、"
    "p={next} に進めましょう(まず t=y で試すのが安全です)",
    "DMARC_ENFORCED": "p={policy}: DMARC が適用されています",
    # MX とドメイン
    "DOMAIN_INVALID": "{domain!r} はドメイン名として使えません: {detail}",
    "DOMAIN_IDN": "{domain} は国際化ドメイン名です。DNS には {alabel} として問い合わせます",
    "DOMAIN_NOT_FOUND": "{domain} は DNS に存在しません(NXDOMAIN)",
    "MX_OK": "MX: {hosts}",
    "MX_NONE": "{domain} に MX がありません。返信やエラーメールはアドレスレコード宛てになります。MX を公開するか、"
    "メールを受けないならヌル MX を公開してください",
    "MX_NULL": "{domain} はヌル MX を公開しています(RFC 7505)。メールを受け取らないため、"
    "返信やエラーメールは届きません",
    "MX_NULL_MIXED": "ヌル MX が他の MX レコード {count} 件と並んでいます。RFC 7505 ではヌル MX は単独でしか使えません",
    "MX_TARGET_MISSING": "アドレスのない MX ホストがあります: {hosts}",
    "MX_DNS_ERROR": "{name} の参照で DNS エラー({detail})が起きたため、メール配送の確認を終えられませんでした",
    "ADDRESS_OK": "{domain} のアドレス: {addresses}",
    "ADDRESS_NONE": "{domain} には A レコードも AAAA レコードもありません",
    # カスタム MAIL FROM(SES)
    "MAILFROM_OK": "カスタム MAIL FROM {mail_from}: MX は {feedback}、SPF は {include} です",
    "MAILFROM_NOT_SET": "{mail_from} にカスタム MAIL FROM の設定がありません。SES は amazonses.com から送るため、"
    "SPF が {domain} と一致せず、DMARC は DKIM だけが頼りになります",
    "MAILFROM_MX_MISSING": "{mail_from} に MX がありません。SES は amazonses.com で代用するか、送信を拒否します",
    "MAILFROM_MX_WRONG": "{mail_from} の MX が {hosts} になっています。正しくは {expected} です",
    "MAILFROM_SPF_MISSING": "{mail_from} に SPF レコードがないため、SES 経由のメールは SPF に失敗します",
    "MAILFROM_SPF_NO_SES": "{mail_from} の SPF {record!r} に {include} がありません",
    "MAILFROM_DNS_ERROR": "{name} の参照で DNS エラー({detail})が起きたため、MAIL FROM の確認を終えられませんでした",
    # 逆引き
    "PTR_OK": "{ip} の PTR は {name} で、正引きすると元のアドレスに戻ります(FCrDNS 確認済み)",
    "PTR_MISSING": "{ip} に PTR レコードがありません。Gmail と Yahoo はすべての送信者に逆引きを求めています",
    "PTR_NOT_CONFIRMED": "{ip} の PTR は {names} ですが、その名前を正引きしても {ip} に戻りません",
    "PTR_GENERIC": "PTR {name} はアドレスをそのまま含む汎用的な名前です。受信側には動的な IP と見なされます",
    "PTR_DNS_ERROR": "{ip} の PTR 参照で DNS エラー({detail})が起きました",
    # 大量送信者
    "BULK_SPF_DKIM": "SPF と DKIM の両方に合格(Gmail・Yahoo・Microsoft の大量送信者向け要件): {state}",
    "BULK_DMARC": "From ドメインに DMARC レコード(p=none 以上)がある(Gmail・Yahoo・Microsoft): {state}",
    "BULK_ALIGNED": "From ドメインが SPF か DKIM と一致している(Gmail・Yahoo・Microsoft): {state}",
    "BULK_ONE_CLICK": "ワンクリックで配信停止できる(RFC 8058、Gmail・Yahoo、宣伝メール): {state}",
    "BULK_MESSAGE_ID": "正しい Message-ID が 1 つある(RFC 5322、Gmail・Yahoo): {state}",
    "BULK_DATE": "正しい Date が 1 つある(RFC 5322、Gmail・Yahoo): {state}",
    "BULK_FREE_MAIL": "From ドメイン {domain} がフリーメールのドメインではない(Gmail・Yahoo): {state}",
    # MTA-STS、TLS-RPT、BIMI
    "MTA_STS_OK": "{name} は正しい形式です(id={id})。https://mta-sts.{domain}/.well-known/mta-sts.txt のポリシーは"
    "取得していません",
    "MTA_STS_NONE": "{name} に MTA-STS レコードがありません。送信側は TLS なしで配送してくるかもしれません",
    "MTA_STS_BAD": "{name} の形式が正しくありません: {detail}",
    "MTA_STS_DNS_ERROR": "{name} の TXT 参照で DNS エラー({detail})が起きました",
    "TLS_RPT_OK": "{name} は正しい形式です。レポートの送り先: {rua}",
    "TLS_RPT_NONE": "{name} に TLS-RPT レコードがないため、TLS の失敗についてのレポートが届きません",
    "TLS_RPT_BAD": "{name} の形式が正しくありません: {detail}",
    "TLS_RPT_DNS_ERROR": "{name} の TXT 参照で DNS エラー({detail})が起きました",
    "BIMI_OK": "{name} は正しい形式です(ロゴ {location})",
    "BIMI_NONE": "{name} に BIMI レコードはありません",
    "BIMI_BAD": "{name} の形式が正しくありません: {detail}",
    "BIMI_NEEDS_ENFORCEMENT": "BIMI には、すべてのメールに quarantine か reject を適用する DMARC が必要です。"
    "今のポリシーは p={policy} です",
    "BIMI_DNS_ERROR": "{name} の TXT 参照で DNS エラー({detail})が起きました",
}

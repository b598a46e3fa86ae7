"""Japanese sentences of the walkthrough, same keys as en.py."""

TEXT = {
    "title": "ウォークスルー: このメッセージはどう認証されたか",
    "h_envelope": "誰が送ったか: SMTP エンベロープと From ヘッダ",
    "h_spf": "SPF: {ip} は {domain} のメールを送ってよいか",
    "h_spf_none": "SPF",
    "h_dkim": "DKIM 署名 {n}/{total}: d={d} s={s}",
    "h_dkim_none": "DKIM",
    "h_dmarc": "DMARC: 認証されたドメインは From ドメイン {domain} と一致するか",
    "h_dmarc_unknown": "DMARC: From ドメインを決められない",
    "h_ar": "Authentication-Results ヘッダを項目ごとに",
    "h_summary": "まとめ",
    "client": "送信サーバーは {ip} から接続し、HELO/EHLO で {helo} と名乗りました。",
    "no_client": "接続元 IP が不明なので SPF は評価できません。",
    "null_sender": "エンベロープ送信者 (MAIL FROM) は空 <> です。バウンスや自動通知です。この場合 SPF は HELO 名の "
    "postmaster@{helo} を代わりに検査します (SPF-1)。",
    "mail_from": "エンベロープ送信者 (MAIL FROM、バウンスの宛先) は <{mail_from}> です。SPF はそのドメイン {domain} "
    "を検査します。",
    "from_field": "From ヘッダ (読み手に見えるアドレス) は {value} です。",
    "no_from": "From ヘッダがありません。",
    "author": "したがって作成者ドメイン (Author Domain) は {domain} です。SPF と DKIM はそれぞれ何らかのドメインを"
    "認証し、DMARC はそのどれかがこのドメインと整合 (アライン) するかを問います。",
    "line_endings": "注意: ファイルの改行が CRLF ではありませんでした。検証器は {facts} (DKIM-22)。",
    "spf_not_run": "SPF は検査されていません。{notes}",
    "spf_identity": "検査対象: {who} (MAIL FROM が空なので HELO ドメインで代用)。",
    "spf_record": '{domain} の TXT レコード: "{record}"',
    "spf_ledger": "DNS 問い合わせの順序 (台帳。DNS を引く項は最大 10 個まで、SPF-14):",
    "spf_query": "{rdtype} {name} -> {status}{void}、{records} 件、{term} のため{cost}",
    "spf_query_record": "SPF レコードそのもの",
    "spf_no_queries": "(DNS 問い合わせなし)",
    "spf_matched": "左から順に評価し、最初に一致した項は {term} でした。",
    "spf_matched_via": "左から順に評価し、最初に一致した項は {term} でした (経路: {chain})。",
    "spf_result": "SPF の結果: {verdict}: {meaning}。",
    "spf_exp": "ドメインによる説明: {text}",
    "spf_helo": "HELO 名 {domain} も別に検査しました: {verdict}。DMARC は HELO の結果を使いません (MAIL FROM が空の"
    "場合を除く)。",
    "dkim_not_run": "DKIM は検査されていません。",
    "dkim_unsigned": "DKIM-Signature ヘッダがないので検証するものがありません: dkim=none。",
    "dkim_tags": "DKIM-Signature のタグ:",
    "dkim_oversigned": "実際の数より多く列挙されたヘッダ (オーバーサイン、DKIM-31): {names}。後からこれらを追加すると"
    "署名が壊れます。それが狙いです。",
    "dkim_key": "鍵の取得: TXT {name} -> {status}{detail} ({source})。",
    "dkim_bh_skipped": "ボディハッシュ: 署名の bh={expected}。それより前の段階で検査が止まったため、ボディは"
    "ハッシュしていません。",
    "dkim_cname": "この名前は {chain} の CNAME を経由しました。鍵は別のゾーンにあります。Easy DKIM が顧客のセレクタを"
    "ESP のゾーンに向けるのと同じ形です (SES-1)。",
    "dkim_key_type": "鍵は {key_type}{bits}{testing}",
    "dkim_bits": "、{bits} ビット",
    "dkim_testing": "で、テストモード (t=y) です。",
    "dkim_headers": "ハッシュされたヘッダ ({method} 正規化、下にあるものから、DKIM-20):",
    "dkim_bh": "ボディハッシュ: 署名の bh={expected}、受信したボディのハッシュ {computed}: {outcome}",
    "dkim_bh_same": "一致します。",
    "dkim_bh_differ": "一致しません。ボディが変更されています。",
    "dkim_unsigned_bytes": "ボディの {n} オクテットが l= の範囲外で、署名されていません (DKIM-10)。",
    "dkim_steps": "検査の順序:",
    "dkim_result": "DKIM の結果: {verdict}{reason}: {meaning}。",
    "diagnosis": "診断:",
    "dmarc_not_run": "DMARC は検査されていません。",
    "dmarc_queries": "作成者ドメイン: {domain}。ポリシーの探索 ({method}、モード {mode}) で問い合わせた名前:",
    "dmarc_no_queries": "(問い合わせなし)",
    "dmarc_found": 'ポリシーレコードは{where}で見つかりました ({name}): "{raw}"',
    "dmarc_at_author": "作成者ドメイン自身",
    "dmarc_at_org": "組織ドメイン (Organizational Domain)",
    "dmarc_at_other": " {where} ",
    "dmarc_p": "p={value}: {name} からの失敗メールの扱い",
    "dmarc_sp": "sp={value}: 自前のレコードを持たない既存のサブドメイン向け",
    "dmarc_np": "np={value}: 存在しないサブドメイン向け",
    "dmarc_modes": "adkim={adkim}、aspf={aspf}: DKIM と SPF の整合モード (s = 厳密: 完全に同じドメイン、"
    "r = 緩和: 同じ組織ドメイン)",
    "dmarc_org": "{domain} の組織ドメインは {org} です。",
    "dmarc_strict_only": "両方の整合モードが厳密なので、完全に同じドメインだけが数えられ、組織ドメインは不要です "
    "(DMARC-15)。",
    "dmarc_alignment": "認証された各識別子と From ドメインとの整合:",
    "align_dkim": "DKIM d={domain}{selector}",
    "align_spf": "SPF の MAIL FROM ドメイン {domain}",
    "align_counts": "合格かつ整合 ({mode}): 数えられる",
    "align_not_passed": "不合格 ({result}): 数えられない",
    "align_not_aligned": "合格だが {author} と整合しない ({mode})",
    "align_other": "合格だが数えられない",
    "dmarc_result": "DMARC の結果: {verdict}: {meaning}。{detail}",
    "dmarc_detail": "今回: {detail}。",
    "dmarc_policy": "このドメインの公開ポリシー: {policy}、緩和後: {effective}。推奨する扱い: {disposition}{note}",
    "dmarc_no_reject": " (p=reject だけを理由に拒否はしません、DMARC-11)。",
    "dmarc_policy_pass": "公開ポリシー ({policy}) は DMARC に失敗したメールにだけ適用されます。このメッセージは"
    "合格したので通常どおり配送されます。",
    "dmarc_warning": "警告: {text}",
    "ar_intro": "検証器がメッセージの先頭に追加するヘッダ (RFC 8601):",
    "ar_authserv": "{id}: authserv-id、検査した主体の名前",
    "ar_comment": "コメント {text}",
    "summary": "SPF {spf} / DKIM {dkim} / DMARC {dmarc} / 終了コード {code}",
    "summary_pass": "From ドメイン {domain} は {via} によって認証されました。",
    "summary_fail": "{domain} と整合する認証結果がありません。失敗したメールに対するドメインのポリシーは {policy}、"
    "推奨する扱いは {disposition} です{note}",
    "summary_temp": "一時的な DNS エラーのため DMARC は結論を出せませんでした。ポリシーは適用されません。後で再試行して"
    "ください。",
    "not_checked": "未検査",
    "note": "注: {text}",
    "and": " と ",
}

MEANING = {
    "spf": {
        "pass": "接続元 IP はこのドメインのメール送信を許可されています",
        "fail": "ドメインはこの IP を許可していないと宣言しています (-all)",
        "softfail": "ドメインはこの IP をおそらく許可していないと言っています (~all)。通常は受け取って印を付けます",
        "neutral": "ドメインはこの IP について何も述べていません",
        "none": "ドメインは SPF レコードを公開していません (または名前が存在しません)",
        "temperror": "一時的な DNS エラーで検査が止まりました。後で再試行してください",
        "permerror": "SPF レコードが壊れています (構文、問い合わせ回数超過など)",
    },
    "dkim": {
        "pass": "署名は正しく、署名ドメインがこれらのヘッダとボディを保証しています",
        "fail": "署名が検証できません。署名後にメッセージが変更されました",
        "permerror": "署名をそもそも検証できません (不正なタグ、鍵なし、失効した鍵、期限切れなど)",
        "temperror": "一時的な DNS エラーで鍵を取得できませんでした",
        "none": "メッセージは署名されていません",
        "policy": "署名は正しいものの、ローカルポリシーが受け入れません",
        "neutral": "署名を判定できませんでした",
    },
    "dmarc": {
        "pass": "合格した識別子 (SPF または DKIM) の少なくとも一つが From ドメインと整合しています",
        "fail": "From ドメインと整合する合格した識別子がありません",
        "none": "From ドメインは DMARC ポリシーを公開していないので、DMARC は適用されません",
        "temperror": "DNS エラーで DMARC は結論を出せませんでした。ポリシーは適用されません",
        "permerror": "DMARC を評価できませんでした (From アドレスが複数、使えないレコードなど)",
    },
}

TAGS = {
    "v": "署名のバージョン (常に 1)",
    "a": "アルゴリズム: ハッシュの署名方式",
    "c": "正規化 ヘッダ/ボディ: 転送中の整形をどこまで許すか",
    "d": "署名ドメイン (SDID): 責任を持つ者",
    "s": "セレクタ: そのドメインのどの鍵か。<s>._domainkey.<d> にある",
    "t": "署名時刻",
    "x": "有効期限: これを過ぎると署名は無効",
    "h": "署名が対象とするヘッダ (ハッシュ順、ヘッダ内ではコロン区切り)",
    "bh": "ボディハッシュ: 正規化したボディの SHA-256 (base64)",
    "b": "署名そのもの (base64、ここでは省略)",
    "l": "ボディ長: 正規化したボディのうちこのオクテット数だけが署名される",
    "i": "エージェントまたは利用者の識別子 (AUID)、d= の範囲内",
    "q": "鍵の問い合わせ方法 (dns/txt)",
    "z": "署名したヘッダの写し (診断用のみ)",
    "?": "未知のタグ。無視されるがハッシュには含まれる",
}

PROPERTIES = {
    "smtp.mailfrom": "SPF が検査した MAIL FROM ドメイン",
    "smtp.helo": "SPF が検査した HELO 名",
    "header.d": "署名ドメイン",
    "header.i": "署名の識別子",
    "header.s": "セレクタ",
    "header.a": "アルゴリズム",
    "header.b": "b= の先頭 (署名の区別用)",
    "header.from": "DMARC が評価した From ドメイン",
    "policy.dmarc": "ドメインが求めるポリシー",
    "?": "プロパティ",
}

# Japanese wording for the diagnoses we explain most often; others keep the English text of toolkit.core.diagnose.
DIAGNOSIS = {
    "footer_appended": "末尾の {lines_removed} 行 (フッター) を取り除くとボディハッシュが一致します。署名の後に"
    "メーリングリストや免責文ゲートウェイが追加したものです。取り除いた文: {removed_text}",
    "footer_in_mime_part": "MIME 境界の直前の {lines_removed} 行 (パートに追加されたフッター) を取り除くと一致します。"
    "取り除いた文: {removed_text}",
    "banner_prepended": "先頭の {lines_removed} 行を取り除くと一致します。署名の後に注意書きが追加されました。"
    "取り除いた文: {removed_text}",
    "trailing_whitespace_added": "行末の空白を取り除くと一致します。署名の後に行末へ空白が追加されました。",
    "signature_separator_stripped": '署名区切り "--" に末尾の空白を戻す ("-- ") と一致します。',
    "signed_with_lf": "LF 改行のボディで一致します。署名者が CRLF ではなく LF でハッシュしました (DKIM-28)。",
    "converted_to_quoted_printable": "quoted-printable をデコードしたボディで一致します。署名後に 8bit から "
    "quoted-printable へ変換されました。",
    "quoted_printable_reencoded": "quoted-printable を通常の方法で再エンコードすると一致します。",
    "converted_to_base64": "base64 をデコードしたボディで一致します。署名後に base64 へ再エンコードされました。",
    "base64_rewrapped": "base64 を 1 行 {width} 文字で折り返すと一致します。",
    "body_length_ignored": "l= ではなくボディ全体で一致します。署名者の l= が実際と違います。",
    "other_canonicalization": "もう一方の正規化で一致します。署名者の c= タグが実際と違います。",
}

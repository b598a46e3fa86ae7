"""Japanese for the text the core writes in English: A-R comments, SPF reasons, DKIM step labels and details,
DMARC warnings and notes (keyed by reason code, or matched whole by PHRASES), and every diagnosis."""

# ruff: noqa: E501  (prose tables: lines are re-wrapped for display)

# The A-R comment of a DKIM result, by reason (DkimReason value); toolkit.core.dkim.result.COMMENTS in English.
DKIM_COMMENTS = {
    "NO_SIGNATURE": "署名なし",
    "BODY_HASH_MISMATCH": "ボディハッシュが一致しない",
    "SIGNATURE_MISMATCH": "署名が一致しない",
    "KEY_DNS_TEMPFAIL": "鍵の問い合わせに失敗",
    "KEY_NOT_FOUND": "鍵がない",
    "KEY_REVOKED": "鍵が失効している",
    "KEY_TOO_SHORT": "鍵が短すぎる",
    "ALGORITHM_SHA1": "rsa-sha1 は受け付けない",
    "EXPIRED": "署名の期限切れ",
    "FUTURE_TIMESTAMP": "署名時刻が未来",
    "TOO_MANY_SIGNATURES": "署名が多すぎるため未検証",
    "FROM_NOT_SIGNED": "From が署名されていない",
    "KEY_TYPE_MISMATCH": "鍵の種類が a= と合わない",
    "BODY_LENGTH_TOO_LARGE": "l= がボディより長い",
    "SIG_SYNTAX": "タグリストの構文誤り",
    "DUPLICATE_TAG": "タグの重複",
    "MISSING_TAG": "必須タグがない",
    "BAD_VERSION": "v= が 1 でない",
    "UNKNOWN_ALGORITHM": "未知のアルゴリズム",
    "BAD_CANONICALIZATION": "正規化方式の誤り",
    "BAD_DOMAIN": "d= がドメイン名でない",
    "PUBLIC_SUFFIX": "d= が公開サフィックス",
    "BAD_SELECTOR": "s= がセレクタとして不正",
    "IDENTITY_OUTSIDE_DOMAIN": "i= が d= の範囲外",
    "IDENTITY_NOT_EXACT": "鍵が t=s なのに i= が d= と一致しない",
    "BAD_HEADER_LIST": "h= の構文誤り",
    "BAD_BODY_LENGTH": "l= の構文誤り",
    "BAD_TIMESTAMP": "t= か x= の構文誤り",
    "EXPIRE_NOT_AFTER_TIMESTAMP": "x= が t= より後でない",
    "BAD_QUERY_METHOD": "q= が dns/txt でない",
    "BAD_BASE64": "base64 の誤り",
    "KEY_SYNTAX": "鍵レコードの構文誤り",
    "KEY_VERSION": "鍵レコードの v= の誤り",
    "KEY_SERVICE": "鍵の s= が email を許していない",
    "KEY_MISSING_P": "鍵レコードに p= がない",
    "KEY_UNKNOWN_TYPE": "未知の鍵の種類",
    "KEY_HASH_NOT_ALLOWED": "鍵の h= が sha256 を許していない",
    "KEY_BAD_BASE64": "鍵の base64 の誤り",
    "KEY_BAD_DATA": "鍵のデータが不正",
    "KEY_TOO_LONG": "鍵が長すぎる",
    "testing": "テストモード",
    "unsigned": "l= より後ろの {n} オクテットは署名されていない",
}

# What a failing SPF result means, by SpfReason value, when no term matched (the core's detail is English).
SPF_REASONS = {
    "NO_MATCH": "一致する項がありませんでした",
    "NO_SPF_RECORD": "SPF レコードがありません",
    "INVALID_DOMAIN": "ドメイン名として使えません",
    "MULTIPLE_SPF_RECORDS": "SPF レコードが複数あります",
    "SYNTAX_ERROR": "SPF レコードの構文に誤りがあります",
    "NON_ASCII_RECORD": "SPF レコードに ASCII 以外の文字があります",
    "DNS_TEMPFAIL": "DNS の一時的なエラーが起きました",
    "DNS_LOOKUP_LIMIT": "DNS を引く項が 10 個を超えました",
    "VOID_LOOKUP_LIMIT": "空の応答になった項が上限を超えました",
    "MX_HOST_LIMIT": "MX ホストが 10 個を超えました",
    "TIME_BUDGET_EXCEEDED": "制限時間を超えました",
    "INCLUDE_TARGET_NO_RECORD": "include 先に SPF レコードがありません",
    "REDIRECT_TARGET_NO_RECORD": "redirect 先に SPF レコードがありません",
    "INVALID_IP": "接続元 IP がアドレスとして不正です",
    "CLIENT_IP_UNKNOWN": "信頼できる接続元 IP がありません",
}

# The short labels of the DKIM check steps (Step.what).
STEPS = {
    "DKIM-Signature fields": "DKIM-Signature ヘッダ",
    "signature limit": "署名の数の上限",
    "line endings": "改行",
    "tag-list": "タグリスト",
    "duplicate tag": "タグの重複",
    "required tags": "必須タグ",
    "version": "バージョン",
    "algorithm": "アルゴリズム",
    "canonicalization": "正規化",
    "d= syntax": "d= の構文",
    "d= not a public suffix": "d= が公開サフィックスでないこと",
    "s= syntax": "s= の構文",
    "i= within d=": "i= が d= の範囲内にあること",
    "h= syntax": "h= の構文",
    "h= includes from": "h= に from があること",
    "l= syntax": "l= の構文",
    "x= after t=": "x= が t= より後であること",
    "expiry": "有効期限",
    "timestamp": "署名時刻",
    "query method": "問い合わせ方法",
    "signature tags": "署名のタグ",
    "unsigned content": "署名されていない部分",
    "l= within body": "l= がボディの長さ以内であること",
    "body hash": "ボディハッシュ",
    "signature": "署名",
    "i= with key t=s": "鍵が t=s のときの i=",
    "key lookup": "鍵の取得",
    "key record": "鍵レコード",
}

LEDGER_EVENTS = {"limit": "上限", "skip": "省略", "term": "項"}

# English text written by the core (warnings, notes, details), matched whole; {0}, {1}... are the groups.
PHRASES = (
    # DMARC record warnings (toolkit.core.dmarc.record) and discovery notes
    (
        r"(\w+)= is not part of RFC 9989 and is ignored \(DMARC-17\)",
        "{0}= は RFC 9989 にないタグなので無視します (DMARC-17)",
    ),
    (
        r"(\w+)= is RFC 9989 only and is ignored in rfc7489 mode",
        "{0}= は RFC 9989 だけのタグなので、rfc7489 モードでは無視します",
    ),
    (r"ignored malformed tag-spec (.+)", "形式の誤ったタグ指定 {0} を無視しました"),
    (r"tag (.+) repeated; the first value is used", "タグ {0} が繰り返されています。最初の値を使います"),
    (r"invalid (\w+)=(.*); using (.+)", "{0}={1} は不正な値なので、{2} を使います"),
    (r"invalid (\w+)=(.*)", "{0}={1} は不正な値です"),
    (r"no p= tag \(required by RFC 7489\)", "p= タグがありません (RFC 7489 では必須)"),
    (
        r"invalid policy: acting as p=none because rua is valid \(DMARC-4\)",
        "ポリシーが不正ですが、rua が有効なので p=none として扱います (DMARC-4)",
    ),
    (
        r"unusable record: invalid policy and no valid rua \(DMARC-4\)",
        "使えないレコードです。ポリシーが不正で、有効な rua もありません (DMARC-4)",
    ),
    (r"existence check for np failed \((.*)\); using sp", "np のための存在確認に失敗しました ({0})。sp を使います"),
    (
        r"_dmarc\.(\S+) has (\d+) DMARC records; all discarded \(DMARC-13\)",
        "_dmarc.{0} に DMARC レコードが {1} 個あるので、すべて捨てました (DMARC-13)",
    ),
    # DMARC details
    (r"DNS error during discovery: (.*)", "ポリシーの探索中に DNS エラーが起きました ({0})"),
    (
        r"several DMARC records at _dmarc\.(\S+): DMARC does not apply \(DMARC-18\)",
        "_dmarc.{0} に DMARC レコードが複数あるので DMARC は適用されません (DMARC-18)",
    ),
    (r"no DMARC policy record: DMARC does not apply", "DMARC ポリシーレコードがないので DMARC は適用されません"),
    (r"unusable record \(DMARC-4\)", "レコードが使えません (DMARC-4)"),
    # the Author Domain (toolkit.core.dmarc.address, DMARC-1)
    (r"the message has no From field", "From ヘッダがありません"),
    (r"the message has (\d+) From fields", "From ヘッダが {0} 個あります"),
    (r"From field of (\d+) octets", "From ヘッダが {0} オクテットあり、長すぎます"),
    (r"nesting too deep", "From ヘッダの入れ子が深すぎます"),
    (r"the From field names no mailbox", "From ヘッダにメールアドレスがありません"),
    (r"the From field has (\d+) addresses", "From ヘッダにアドレスが {0} 個あります"),
    (r"not a domain name: (.*)", "ドメイン名ではありません: {0}"),
    (r"(\d+) author domains \(max (\d+)\)", "作成者ドメインが {0} 個あります (上限 {1})"),
    # alignment notes
    (r"testing key \(t=y\): not counted \(DKIM-18\)", "テストモードの鍵 (t=y) なので数えない (DKIM-18)"),
    (r"HELO identity is never used by DMARC \(DMARC-5\)", "HELO の識別子は DMARC では使わない (DMARC-5)"),
    (r"null reverse-path: postmaster@HELO \(DMARC-5\)", "MAIL FROM が空なので postmaster@HELO を使用 (DMARC-5)"),
    # report notes (toolkit.core.verify)
    (r"DMARC used only the checks that ran: (.*)", "DMARC には実行した検査だけを使いました: {0}"),
    (
        r"SPF skipped: no client IP \(use --ip or --trust-received\)",
        "接続元 IP が分かりません (--ip か --trust-received で指定できます)。",
    ),
    (r"SPF skipped: neither MAIL FROM nor HELO is known", "MAIL FROM も HELO も分かりません。"),
    (
        r"MAIL FROM unknown: only the HELO identity was checked",
        "MAIL FROM が分からないので、HELO の識別子だけを検査しました。",
    ),
    # line endings (Message.line_endings.describe)
    (
        r"converted (\d+) bare LF and (\d+) bare CR line endings to CRLF",
        "単独の LF {0} 個と単独の CR {1} 個を CRLF に変換しました",
    ),
    (r"converted (\d+) bare LF line endings to CRLF(.*)", "単独の LF {0} 個を CRLF に変換しました{1}"),
    (r"CRLF line endings as received", "受信したとおり CRLF の改行です"),
    # DKIM step details (toolkit.core.dkim.verify)
    (r"v a b bh d h s present, v=1", "v a b bh d h s がそろい、v=1"),
    (r"(\d+) canonical octets after l=", "l= より後ろに正規化後 {0} オクテット"),
    (r"(\w+) body, (\d+) octets hashed", "{0} 正規化したボディ {1} オクテットをハッシュ"),
    (r"(\S+) over (\d+) header fields \((\w+)\)", "{0} で {1} 個のヘッダを検証 ({2} 正規化)"),
    (r"(\w+) (\d+) bits from (\S+) \(testing\)", "{2} の {0} 鍵 ({1} ビット、テストモード)"),
    (r"(\w+) (\d+) bits from (\S+)", "{2} の {0} 鍵 ({1} ビット)"),
    (r"computed (\S+), bh= says (\S+)", "計算値 {0}、bh= の値 {1}"),
    (r"b= does not verify over headers", "ヘッダに対して b= を検証できません"),
    (r"the message has no DKIM-Signature", "DKIM-Signature ヘッダがありません"),
    (r"only the first (\d+) signatures are verified", "最初の {0} 個の署名だけを検証します"),
    (r"p= is empty: the key is revoked", "p= が空です。鍵は失効しています"),
    (r"expired at (\d+), now (\d+)", "有効期限 {0} を過ぎています (現在 {1})"),
    (r"rsa-sha1 is not accepted \(RFC 8301\)", "rsa-sha1 は受け付けません (RFC 8301)"),
    (r"tag (.+) appears twice", "タグ {0} が二度出てきます"),
    (r"missing (.+)", "{0} がありません"),
    (r"v=(.+), expected 1", "v={0} です (1 でなければなりません)"),
    (r"unknown a=(.+)", "未知のアルゴリズム a={0} です"),
    (r"d=(.+) is not a domain name", "d={0} はドメイン名ではありません"),
    (r"d=(\S+) is one", "d={0} は公開サフィックスです"),
    (r"s=(.+) is not a selector", "s={0} はセレクタとして不正です"),
    (r"i=(.+) is not in d=", "i={0} が d= の範囲外です"),
    (r"from is not in h=", "h= に from がありません"),
    (r"(\w+)= is not valid base64", "{0}= が base64 として不正です"),
    (r"i= domain (\S+) is not d=", "i= のドメイン {0} が d= と一致しません"),
    (r"l=(\d+) but the canonical body has (\d+) octets", "l={0} ですが、正規化したボディは {1} オクテットです"),
    (r"(\S+): no TXT strings", "{0}: TXT の文字列がありません"),
    (r"(\S+): (NXDOMAIN|NODATA)", "{0}: {1} (鍵がありません)"),
    (r"tag-spec without '=': (.+)", "「=」のないタグ指定: {0}"),
    # key record (toolkit.core.dkim.keyrecord, DKIM-15..17)
    (r"key record syntax: (.+)", "鍵レコードの構文誤り: {0}"),
    (r"v=(.+) is not DKIM1 as the first tag", "v={0} が先頭の DKIM1 ではありません"),
    (r"s=(.+) does not allow email", "s={0} は email を許していません"),
    (r"unknown key type k=(.+)", "未知の鍵の種類 k={0} です"),
    (r"h=(.+) does not allow sha256", "h={0} は sha256 を許していません"),
    (r"key record has no p= tag", "鍵レコードに p= タグがありません"),
    (r"p= is not valid base64", "p= が base64 として不正です"),
    (r"Ed25519 key is (\d+) bytes, not 32", "Ed25519 鍵が {0} バイトです (32 バイトでなければなりません)"),
    (r"p= is not a DER RSA public key", "p= が DER 形式の RSA 公開鍵ではありません"),
    (r"p= holds a (\w+), not an RSA key", "p= は RSA 鍵ではなく {0} です"),
    (r"RSA key of (\d+) bits is under (\d+)", "RSA 鍵が {0} ビットで、{1} ビットに足りません"),
    (r"RSA key of (\d+) bits is over (\d+)", "RSA 鍵が {0} ビットで、{1} ビットを超えています"),
    (r"RSA public exponent of (\d+) bits is over 2\^32", "RSA の公開指数が {0} ビットで、2^32 を超えています"),
    (r"t=(\d+) is after now (\d+)", "t={0} が現在 ({1}) より後です"),
    (r"(\S+): (SERVFAIL|timeout|REFUSED|TEMPFAIL)", "{0}: {1} (一時的なエラー)"),
    # SPF ledger events and details (toolkit.core.spf.evaluate)
    (r"time budget of (\S+) s spent \(SPF-14\)", "制限時間 {0} 秒を使い切りました (SPF-14)"),
    (r"void lookup (\d+) > (\d+) \(SPF-14\)", "空の応答 {0} 個目 (上限 {1}、SPF-14)"),
    (r"DNS-querying term (\d+) > (\d+) \(SPF-14\)", "DNS を引く項の {0} 個目 (上限 {1}、SPF-14)"),
    (r"no new query: earlier answer reused", "以前の応答を再利用 (新たな問い合わせなし)"),
    (r"(\d+) MX hosts > (\d+) \(SPF-14\)", "MX ホストが {0} 個 (上限 {1}、SPF-14)"),
    (r"(\S+): no SPF record", "{0} に SPF レコードがありません"),
    (r"(\S+): no term matched", "{0} のどの項にも一致しませんでした"),
    (r"(\d+) SPF records \(SPF-4\)", "SPF レコードが {0} 個あります (SPF-4)"),
    (r"non-ASCII SPF record \(SPF-5\)", "SPF レコードに ASCII 以外の文字があります (SPF-5)"),
    (r"more than (\d+) void lookups \((\S+)\)", "空の応答が {0} 個を超えました ({1})"),
    (r"time budget exceeded", "制限時間を超えました"),
    # Received fields (toolkit.core.verify.context_from_received)
    (r"the message has (\d+) Received fields, not (\d+)", "Received ヘッダは {0} 個しかなく、{1} 番目はありません"),
    (r"Received #(\d+) has no 'from' clause", "{0} 番目の Received には from 句がありません"),
    (r"no bracketed \[IP\] in the from clause", "from 句に [IP] の形のアドレスがありません"),
    (r"it has no 'from' clause", "from 句がありません"),
    (
        r"Received #(\d+): (.+); the fields that name one are (.+) \(--trust-received (\d+)\)",
        "{0} 番目の Received: {1}。接続元 IP を記したヘッダは {2} です (--trust-received {3})",
    ),
    (r"Received #(\d+): (.+)", "{0} 番目の Received: {1}"),
    (
        r"it carries the marks of several MTAs \((.*)\), so text the client chose is among them",
        "複数の MTA の印 ({0}) があり、その中には接続元が自由に書いた文字列が含まれています",
    ),
    (
        r"it names several client addresses \((.*)\): text the client chose imitates the MTA's, and emlauth does not "
        r"guess which is real",
        "接続元のアドレスが複数書かれています ({0})。接続元が MTA の書式をまねた可能性があり、"
        "emlauth はどれが本物かを推測しません",
    ),
    (
        r"its 'from' clause names no client address in a form emlauth reads \((.*)\)",
        "from 句に、emlauth が読める形式 ({0}) の接続元アドレスがありません",
    ),
    (r"SPF none: no client IP \((.*)\)", "SPF は none です。接続元 IP が分かりません ({0})。"),
)

# Japanese for every diagnosis, by code (and, for a body change found, by the change); values come from evidence.
DIAGNOSIS = {
    "footer_appended": "末尾の {lines_removed} 行 (フッター) を取り除くとボディハッシュが一致します。署名の後に追加されたもの"
    "で、たいていはメーリングリストや、免責事項を付け加えるメールゲートウェイによるものです。取り除いた文: 「{removed_text}」",
    "footer_in_mime_part": "MIME 境界 ({boundary_line} 行目) の直前の {lines_removed} 行 (そのパートに追加されたフッター) を"
    "取り除くとボディハッシュが一致します。取り除いた文: 「{removed_text}」",
    "banner_prepended": "先頭の {lines_removed} 行を取り除くとボディハッシュが一致します。署名の後に、注意書きが先頭に追加"
    "されました。取り除いた文: 「{removed_text}」",
    "trailing_whitespace_added": "行末の空白を取り除くとボディハッシュが一致します。署名の後に行末へ空白やタブが追加され、"
    "c=.../{canonicalization} ではそれも数えられます (relaxed なら影響しません)。",
    "signature_separator_stripped": "署名区切りの「--」に末尾の空白を戻す (「-- 」にする) とボディハッシュが一致します。署名の"
    "後に、中継サーバーが行末の空白を削りました。",
    "signed_with_lf": "改行を LF にしたボディでハッシュが一致します。署名者が CRLF ではなく LF でハッシュしています。"
    "送信する CRLF の形に署名するよう、署名側を直してください (DKIM-28)。",
    "body_length_ignored": "最初の l= オクテットではなく、ボディ全体でハッシュが一致します。署名者の l= がハッシュした範囲と"
    "合っていません。",
    "converted_to_quoted_printable": "quoted-printable をデコードしたボディでハッシュが一致します。8bit で署名されたメッセージ"
    "を、署名後に中継サーバーが quoted-printable に変換しました (8bit から 7bit への変換)。7bit の内容に署名してください "
    "(DKIM-28)。",
    "quoted_printable_reencoded": "quoted-printable を標準的な方法でエンコードし直すとハッシュが一致します。署名後に中継"
    "サーバーがデコードして別の形 (ソフト改行やエスケープ) でエンコードし直しました。",
    "converted_to_base64": "base64 をデコードしたボディでハッシュが一致します。テキストで署名されたメッセージを、署名後に"
    "中継サーバーが base64 にエンコードし直しました。",
    "base64_rewrapped": "base64 を 1 行 {width} 文字で折り返すとハッシュが一致します。署名後に中継サーバーが base64 を"
    "折り返し直しました。",
    "decoded_from_quoted_printable": "このボディを quoted-printable にするとハッシュが一致します。quoted-printable で署名"
    "されたものを、署名後にゲートウェイが 8bit にデコードしました。",
    "other_canonicalization": "もう一方の正規化方式でボディハッシュが一致します。署名者の c= タグがハッシュした方式と合って"
    "いません。",
    "body_diagnosis_skipped": "ボディが {body_octets} オクテットと大きいため、診断は行いませんでした。よくある変更を試す"
    "再ハッシュは {limit_octets} オクテットまでのボディに限っています。判定結果には影響しません。",
    "body_change_unknown": "転送中によくある変更 (フッターや注意書きの追加、改行、行末の空白、エンコードし直し、l= の切り"
    "詰め、別の正規化) のどれでもボディハッシュは再現しません。ボディが別の形で変更されたか、署名者が別のものをハッシュ"
    "しました。",
    "signed_header_changed": "{header} ヘッダが署名後に変更されました。署名時: 「{signed_value}」、現在: 「{current_value}」。",
    "signed_header_missing": "{header} ヘッダは署名されていました (z= の写しにある) が、メッセージにはもうありません。署名後に"
    "削除されました。",
    "signed_header_missing_from": "From ヘッダは署名されているのに、メッセージにありません。署名後に削除されました。",
    "signed_header_added_oversigned": "{header} ヘッダが {present} 個ありますが、許されるのは一つだけです。h= は {header} を "
    "{in_h} 回列挙している (オーバーサイン) ので、上に追加された余分な写しは「ない」ものとして署名されており、署名後の"
    "追加で署名が壊れます。オーバーサインが意図したとおりの働きです (DKIM-31)。",
    "signed_header_added_unsigned": "{header} ヘッダが {present} 個ありますが、許されるのは一つだけです。上にある写しは署名の"
    "対象外なので、受信者には署名されたものの代わりにそちらが表示されるおそれがあります。",
    "signed_header_added_position": "{position} 番目の {header} ヘッダを除くと署名が検証できます。そのヘッダは署名後に追加"
    "されました (「{value}」)。",
    "signature_opens_with_key": "公開鍵で署名を復号できます。つまり鍵は正しく、署名者はこのメッセージに署名しています。"
    "署名されたヘッダのデータが、届いたものと違っています。",
    "signature_not_from_key": "公開されている鍵では署名を復号できません。別の鍵で作られた (セレクタの鍵を差し替えた?) か、転送中に "
    "b= の値が壊れました。",
    "header_change_unknown_z": "ボディは無傷なので、署名されたヘッダのどれか (または署名ヘッダ自身) が署名後に変更されました。"
    "z= の写しは現在のヘッダと一致するので、変更は署名ヘッダ自身か、z= に含まれないヘッダにあります。{absorbs}上の"
    "「ハッシュ対象のヘッダ」に現在の値があります。",
    "header_change_unknown": "ボディは無傷なので、署名されたヘッダのどれか (または署名ヘッダ自身) が署名後に変更されました。"
    "z= の写しがないので、どのヘッダかは特定できません。{absorbs}上の「ハッシュ対象のヘッダ」に現在の値があります。",
    "absorbs_relaxed": "relaxed 正規化は、ヘッダ名の大文字小文字や空白・折り返しの変化を吸収します。",
    "absorbs_simple": "simple 正規化は何も吸収しないので、長いヘッダを折り返し直しただけでも署名が壊れます。",
    "risk_header_not_signed": "{Header} は署名されていません。署名を壊さずに誰でも書き換えられます。",
    "risk_header_not_oversigned": "{Header} はオーバーサインされていません (h= の列挙は {in_h} 回、メッセージには {present} 個)。"
    "署名を壊さずに、2 つ目の {Header} ヘッダを上に追加できてしまいます (DKIM-31)。",
    "risk_unsigned_content": "l={l}: ボディの最後の {unsigned_bytes} オクテットは署名の対象外で、誰が追加したものでもあり"
    "えます (DKIM-10)。署名されていない文: 「{unsigned_text}」",
    "risk_body_length": "署名が l={l} を使っています。後から何を追加しても検証が通ってしまいます。署名では l= を使わない"
    "でください (DKIM-29)。",
    "risk_rsa_1024": "鍵は RSA-{key_bits} です。まだ受け付けられますが弱い鍵です。新しいセレクタで 2048 ビットの鍵を公開して"
    "ください (DKIM-29、DKIM-34)。",
    "risk_testing_key": "鍵レコードに t=y (テストモード) があります。受信側はこのメッセージを署名なしと同じに扱い、ここでも"
    "この pass は DMARC の判定に使いません (DKIM-18)。署名が正しく動いたら t=y を外してください。",
}

# Why an ARC chain does not validate (ArcReason codes): said in Japanese, the engine's detail quoted as evidence
ARC_REASONS = {
    "HEADER_TOO_LARGE": "ヘッダが大きすぎて途中で打ち切られたため、ARC セットが欠けている可能性があります",
    "TOO_MANY_INSTANCES": "ARC セットが上限の 50 を超えています",
    "FIELD_SYNTAX": "ARC ヘッダの書式が正しくありません",
    "BAD_INSTANCE": "i= が欠けているか、数値として正しくありません",
    "DUPLICATE_INSTANCE": "同じ i= のヘッダが 2 つあります",
    "MISSING_FIELD": "AAR・AMS・AS のどれかが欠けたセットがあります",
    "INSTANCE_GAP": "i= が 1 から順に並んでいません",
    "BAD_CV": "cv= がないか、none・pass・fail のどれでもありません",
    "CV_SEQUENCE": "cv= の並びが規則どおりではありません (i=1 だけが none)",
    "CHAIN_FAILED": "途中の中継者がすでにチェーンの失敗を記録しています (cv=fail)",
    "AMS_FAILED": "最新のメッセージ署名 (AMS) が検証できません",
    "SEAL_FAILED": "封印 (AS) のどれかが検証できません",
    "TEMPERROR": "鍵の取得が一時的に失敗したため、結論が出ません",
}

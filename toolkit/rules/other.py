"""Authentication-Results, ARC, Amazon SES and bulk-sender rules: (id, source, English, Japanese), in our own words."""
# ruff: noqa: E501  (prose tables: the wide Japanese lines are re-wrapped for display, never read here)

RULES = (
    (
        "AR-1",
        "RFC 8601 §2.2",
        "The field is an authserv-id, an optional version, then either '; none' or a list of method=result entries, "
        "each with an optional reason and properties; comments may sit between tokens, and non-token values are "
        "quoted.",
        "このヘッダは authserv-id、省略可能なバージョン、そして「; none」か method=result の項目の並びからなります。各項目"
        "には reason とプロパティを付けられ、トークンの間にはコメントを置けます。トークンでない値は引用符で囲みます。",
    ),
    (
        "AR-2",
        "RFC 8601 §2.2",
        "The authserv-id comes from configuration and is required. We write no version (or 1); a field with another "
        "version is one we cannot read.",
        "authserv-id は設定から取り、必須です。バージョンは書かない (または 1) ことにし、それ以外のバージョンのヘッダは"
        "読めないものとして扱います。",
    ),
    (
        "AR-3",
        "RFC 8601 §2.2, §2.3",
        "When nothing was evaluated the field says '<id>; none'. The property types are smtp, header, body and "
        "policy; unknown methods and types are skipped when reading.",
        "何も評価しなかったときは「<id>; none」と書きます。プロパティの種類は smtp、header、body、policy で、読むときは"
        "未知の方式や種類を読み飛ばします。",
    ),
    (
        "AR-4",
        "RFC 8601 §2.7",
        "The methods and their results: dkim (with header.d/i/s/a/b), spf (with smtp.mailfrom, smtp.helo; an old "
        "'hardfail' reads as fail), dmarc, arc and iprev.",
        "方式と結果: dkim (header.d/i/s/a/b を付ける)、spf (smtp.mailfrom と smtp.helo。古い hardfail は fail として読む)、"
        "dmarc、arc、iprev。",
    ),
    (
        "AR-5",
        "RFC 8601 §2.2",
        "reason= is text for people; programs must not parse it.",
        "reason= は人が読むための文で、プログラムで解析してはいけません。",
    ),
    (
        "AR-6",
        "RFC 8601 §5",
        "Our field goes on top, above earlier A-R, ARC and DKIM fields, one field per run.",
        "本ツールのヘッダは、既存の A-R・ARC・DKIM のヘッダより上の先頭に、一回の実行につき一つだけ追加します。",
    ),
    (
        "AR-7",
        "RFC 8601 §5",
        "An A-R field carrying our own authserv-id that no trusted host of ours added is forged: it is never used as "
        "input, it is reported, and --strip-forged removes it (ids compared without regard to case).",
        "自分の authserv-id を名乗る A-R ヘッダで、信頼する自前のホストが付けたものでないものは偽物です。入力には使わず、"
        "報告し、--strip-forged で取り除きます (ID の比較は大文字小文字を区別しない)。",
    ),
    (
        "AR-8",
        "RFC 8601 §2.7",
        "Report only what was authenticated: no SPF local part, and one entry per DKIM signature.",
        "認証したものだけを報告します。SPF のローカルパートは書かず、DKIM は署名ごとに一項目です。",
    ),
    (
        "AR-9",
        "authres 1.2.0 (library gap)",
        "The authres library builds and parses these fields but checks no result values and drops comments, so "
        "round trips are tested.",
        "authres ライブラリはこのヘッダの生成と解析ができますが、結果の値を確認せず、コメントも捨ててしまうので、往復の"
        "変換をテストで確かめます。",
    ),
    (
        "ARC-1",
        "RFC 8617 §4.1",
        "An ARC set is three fields with the same instance i= (1 to 50): the AAR with the results, the AMS (a "
        "DKIM-like message signature) and the AS (a seal over the chain, no h=, relaxed canonicalization).",
        "ARC のセットは同じインスタンス番号 i= (1〜50) を持つ三つのヘッダです。結果を記す AAR、DKIM に似たメッセージ署名の"
        " AMS、チェーン全体を封印する AS (h= なし、relaxed 正規化) です。",
    ),
    (
        "ARC-2",
        "RFC 8617 §4.2",
        "The chain is numbered 1 to N without gaps, one field of each kind per set; the first seal says cv=none and "
        "later ones cv=pass, and any cv=fail means the chain failed.",
        "チェーンは 1 から N まで欠番なく並び、各セットに各種類のヘッダが一つずつあります。最初の封印は cv=none、以降は "
        "cv=pass で、cv=fail が一つでもあればチェーンは失敗です。",
    ),
    (
        "ARC-3",
        "RFC 8617 §5.2",
        "Validation: no sets is none; a broken structure, a seal saying fail, a newest AMS or any AS that does not "
        "verify is fail; otherwise pass, noting the oldest AMS that still verifies.",
        "検証: セットがなければ none。構造の破綻、fail を示す封印、最新の AMS やいずれかの AS の検証失敗は fail。それ以外は"
        " pass で、まだ検証できる最も古い AMS を記録します。",
    ),
    (
        "ARC-4",
        "RFC 8617 §5.1",
        "Sealing comes after every change to the message, uses rsa-sha256, and after a failed chain seals only the new "
        "set.",
        "封印はメッセージへの変更をすべて終えてから rsa-sha256 で行い、チェーンが失敗していたら新しいセットだけを封印"
        "します。",
    ),
    (
        "ARC-5",
        "RFC 8617 §7",
        "The A-R entry is arc=<result> with header.oldest-pass and smtp.remote-ip. ARC never changes the DMARC "
        "verdict; it only feeds local decisions about trusted forwarders and mailing lists.",
        "A-R の項目は arc=<結果> に header.oldest-pass と smtp.remote-ip を付けたものです。ARC は DMARC の判定を変えず、"
        "信頼する転送者やメーリングリストについての受信側の判断材料になるだけです。",
    ),
    (
        "SES-1",
        "Amazon SES: Easy DKIM",
        "Easy DKIM gives three tokens, each published as a CNAME from <token>._domainkey.<domain> into the ESP's zone; "
        "the key is 1024 or 2048 bits, and detection can take up to 72 hours.",
        "Easy DKIM では三つのトークンが発行され、それぞれ <トークン>._domainkey.<ドメイン> から ESP のゾーンへの CNAME と"
        "して公開します。鍵は 1024 か 2048 ビットで、検出に最大 72 時間かかることがあります。",
    ),
    (
        "SES-2",
        "Amazon SES: BYODKIM",
        "With BYODKIM you publish one TXT record at <selector>._domainkey.<domain>; we write v=DKIM1; k=rsa; p=... in "
        "255-octet strings.",
        "BYODKIM では <セレクタ>._domainkey.<ドメイン> に TXT レコードを一つ公開します。本ツールは v=DKIM1; k=rsa; p=... "
        "を 255 オクテットの文字列に分けて書きます。",
    ),
    (
        "SES-3",
        "Amazon SES: BYODKIM",
        "The private key handed to SES is RSA 1024 or 2048 bits, DER in base64 on one single line with no PEM "
        "armour, at most 20480 characters; Ed25519 is not accepted (keygen --ses writes this form).",
        "SES に渡す秘密鍵は 1024 か 2048 ビットの RSA で、DER を base64 にして PEM の囲みなしで一行にしたもの (最大 20480 "
        "文字) です。Ed25519 は受け付けられません (keygen --ses がこの形で書き出します)。",
    ),
    (
        "SES-4",
        "Amazon SES: BYODKIM",
        "A BYODKIM selector is a single DNS label of 1 to 63 letters, digits and hyphens, not starting or ending "
        "with a hyphen.",
        "BYODKIM のセレクタは英数字とハイフンからなる 1〜63 文字の単一の DNS ラベルで、ハイフンで始まったり終わったり"
        "してはいけません。",
    ),
    (
        "SES-5",
        "Amazon SES: BYODKIM",
        "While a switch from Easy DKIM to BYODKIM is pending, mail leaves unsigned; stage the switch through a "
        "subdomain.",
        "Easy DKIM から BYODKIM への切り替え中は、メールが署名なしで送られます。サブドメインで段階的に切り替えてください。",
    ),
    (
        "SES-6",
        "Amazon SES: custom MAIL FROM",
        "A custom MAIL FROM is a subdomain that receives no mail and needs an MX to the SES feedback host and an SPF "
        "record including amazonses.com; if the MX is missing, SES either falls back to its own domain (SPF "
        "unaligned) or refuses to send.",
        "カスタム MAIL FROM はメールを受信しないサブドメインで、SES のフィードバック用ホストへの MX と、amazonses.com を "
        "include する SPF レコードが必要です。MX がないと、SES は自分のドメインに戻す (SPF は整合しない) か、送信を拒否し"
        "ます。",
    ),
    (
        "SES-7",
        "Amazon SES: custom MAIL FROM",
        "Without a custom MAIL FROM, SPF is always for the ESP's domain and never aligns, so DMARC rests on an aligned "
        "DKIM signature alone.",
        "カスタム MAIL FROM がなければ SPF は常に ESP のドメインに対するもので整合しないので、DMARC は整合した DKIM 署名"
        "だけが頼りになります。",
    ),
    (
        "SES-8",
        "Amazon SES: DMARC",
        "The SES guide's DMARC example uses p=quarantine; we suggest starting with p=none and a rua address.",
        "SES のガイドの DMARC の例は p=quarantine ですが、本ツールは p=none と rua から始めることを勧めます。",
    ),
    (
        "BULK-1",
        "Gmail and Yahoo sender guidelines",
        "A bulk sender sends about 5,000 or more messages a day to Gmail addresses (Yahoo has a similar, unpublished "
        "bar), and stays one; we check every domain and mark the bulk-only items.",
        "大量送信者とは、Gmail のアドレスへ 1 日におよそ 5,000 通以上送る送信者で (Yahoo にも非公開の同様の基準がある)、"
        "一度そうなればその扱いが続きます。本ツールはすべてのドメインを検査し、大量送信者だけに関わる項目に印を付けます。",
    ),
    (
        "BULK-2",
        "Gmail and Yahoo sender guidelines",
        "Every sender needs SPF or DKIM, matching forward and reverse DNS, a spam rate under 0.3 %, well-formed "
        "messages and no From that impersonates Gmail; forwarders and lists should add ARC.",
        "すべての送信者に必要なもの: SPF か DKIM、一致する正引きと逆引きの DNS、0.3 % 未満の迷惑メール率、正しい形式の"
        "メッセージ、Gmail を装わない From。転送者やメーリングリストは ARC を付けるべきです。",
    ),
    (
        "BULK-3",
        "Gmail and Yahoo sender guidelines",
        "Bulk senders also need SPF and DKIM both passing, a DMARC record (p=none at least), DMARC alignment, TLS, "
        "forward-confirmed reverse DNS, one-click unsubscribe for marketing mail, and a spam rate under 0.1 %.",
        "大量送信者にはさらに、SPF と DKIM の両方の pass、DMARC レコード (少なくとも p=none)、DMARC の整合、TLS、正引きで"
        "確認できる逆引き、宣伝メールのワンクリック配信停止、0.1 % 未満の迷惑メール率が必要です。",
    ),
    (
        "BULK-4",
        "RFC 8058",
        "One-click unsubscribe: List-Unsubscribe with an https URI, exactly one List-Unsubscribe-Post: "
        "List-Unsubscribe=One-Click, both covered by a passing DKIM signature.",
        "ワンクリック配信停止: https の URI を含む List-Unsubscribe と、ちょうど一つの List-Unsubscribe-Post: "
        "List-Unsubscribe=One-Click が必要で、両方とも pass した DKIM 署名の対象になっていなければなりません。",
    ),
    (
        "BULK-5",
        "Gmail and Yahoo sender guidelines",
        "What can be checked from where: headers show signatures, alignment and unsubscribe fields; DNS shows SPF, "
        "DMARC and reverse DNS; TLS is only guessed from a trusted Received; spam rate and volume are checked by hand.",
        "どこから何を確かめられるか: ヘッダからは署名、整合、配信停止のヘッダ、DNS からは SPF、DMARC、逆引きが分かります。"
        "TLS は信頼する Received から推測するだけで、迷惑メール率や送信量は手作業で確認します。",
    ),
    (
        "BULK-6",
        "Microsoft Outlook.com sender requirements",
        "An optional Outlook.com profile: over 5,000 messages a day needs SPF pass, DKIM pass and a DMARC record of "
        "at least p=none aligned with one of them.",
        "任意の Outlook.com 向けの基準: 1 日 5,000 通を超える送信者には SPF の pass、DKIM の pass、どちらかと整合する少なく"
        "とも p=none の DMARC レコードが必要です。",
    ),
)

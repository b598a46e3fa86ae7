"""DKIM rules (RFC 6376, RFC 8301, RFC 8463): (id, RFC section, English, Japanese), in the project's own words."""
# ruff: noqa: E501  (prose tables: the wide Japanese lines are re-wrapped for display, never read here)

RULES = (
    (
        "DKIM-1",
        "RFC 6376 §3.2",
        "A tag list is a run of name=value pairs split by semicolons; a final semicolon is fine. Space around names, "
        "'=' and ';' is not part of a value, names are case-sensitive, and an empty value differs from a missing tag.",
        "タグリストはセミコロンで区切った name=value の並びで、最後のセミコロンはあってもかまいません。名前や = や ; "
        "の前後の空白は値に含めず、名前は大文字と小文字を区別します。値が空のタグと、タグがないことは別物です。",
    ),
    (
        "DKIM-2",
        "RFC 6376 §3.2",
        "The same tag name twice spoils the whole tag list. Tags we do not know are skipped, yet their bytes are still "
        "part of what is hashed.",
        "同じタグ名が二度出てきたら、タグリスト全体が無効です。未知のタグは読み飛ばしますが、そのバイト列はハッシュの"
        "対象に残ります。",
    ),
    (
        "DKIM-3",
        "RFC 6376 §3.2",
        "Before decoding the base64 of b=, bh= or p=, remove every whitespace character from it.",
        "b=、bh=、p= の base64 は、デコードの前に空白文字をすべて取り除きます。",
    ),
    (
        "DKIM-4",
        "RFC 6376 §3.5, §6.1.1",
        "A signature must carry v, a, b, bh, d, h and s, and v must be exactly 1; otherwise the result is permerror.",
        "署名には v、a、b、bh、d、h、s がすべて必要で、v は 1 でなければなりません。満たさなければ permerror です。",
    ),
    (
        "DKIM-5",
        "RFC 6376 §3.5; RFC 8301 §3.1",
        "Only rsa-sha256 and ed25519-sha256 are accepted. rsa-sha1 is refused for signing and verifying, and any other "
        "algorithm name is a permerror.",
        "受け付けるアルゴリズムは rsa-sha256 と ed25519-sha256 だけです。rsa-sha1 は署名にも検証にも使わず、それ以外の"
        "名前も permerror です。",
    ),
    (
        "DKIM-6",
        "RFC 6376 §3.5",
        "c= names the header and body canonicalization, simple/simple when absent; a single word such as 'relaxed' "
        "means that header method with a simple body. An unknown method is a permerror.",
        "c= はヘッダとボディの正規化方式で、省略時は simple/simple です。relaxed のように一語だけなら、ヘッダはその方式、"
        "ボディは simple です。未知の方式は permerror です。",
    ),
    (
        "DKIM-7",
        "RFC 6376 §3.5, §3.6.2.1",
        "The public key is published at <selector>._domainkey.<d>; a selector with dots spans several labels. d= must "
        "be a domain name (IDNs in A-label form), and a d= that is only a public suffix may be ignored.",
        "公開鍵は <セレクタ>._domainkey.<d> に置かれます。ドットを含むセレクタは複数のラベルになります。d= はドメイン名"
        "でなければならず (国際化ドメインは A ラベルで)、公開サフィックスそのものの d= は無視してもかまいません。",
    ),
    (
        "DKIM-8",
        "RFC 6376 §3.5",
        "i= defaults to '@' plus d=. Its domain must be d= or lie below it (case-insensitive), or it is a permerror; a "
        "key with t=s demands the two be identical.",
        "i= の省略時の値は「@」+ d= です。i= のドメインは d= と同じかそのサブドメインでなければ permerror です "
        "(大文字小文字は区別しない)。鍵が t=s なら完全に一致する必要があります。",
    ),
    (
        "DKIM-9",
        "RFC 6376 §3.5",
        "h= is a colon-separated, case-insensitive list of header names and must include From, or the signature is a "
        "permerror. A name may repeat, or name a field the message lacks.",
        "h= はコロン区切りのヘッダ名の一覧で、大文字小文字を区別しません。From を含まなければ permerror です。同じ名前の"
        "繰り返しや、メッセージにないヘッダの指定は許されます。",
    ),
    (
        "DKIM-10",
        "RFC 6376 §3.5, §8.2",
        "l= says how many octets of the canonicalized body are signed (up to 76 digits). Anything after that is "
        "unsigned, and we say so in the A-R comment; an l= longer than the body is a permerror.",
        "l= は正規化したボディのうち何オクテットを署名したかを示します (最大 76 桁)。それより後ろは署名されていないので、"
        "A-R のコメントでそう伝えます。ボディより長い l= は permerror です。",
    ),
    (
        "DKIM-11",
        "RFC 6376 §3.5",
        "t= (when signed) and x= (when it expires) are Unix times, and x must come after t. We allow 300 seconds of "
        "clock skew; past that, an expired signature or one signed in the future is a permerror.",
        "t= (署名時刻) と x= (有効期限) は Unix 時刻で、x は t より後でなければなりません。時計のずれは 300 秒まで認め、"
        "それを超えて期限切れのもの、または署名時刻が未来のものは permerror です。",
    ),
    (
        "DKIM-12",
        "RFC 6376 §3.5",
        "q= can only be dns/txt. z= carries copies of the original header fields for diagnosis and never changes the "
        "result.",
        "q= に使えるのは dns/txt だけです。z= は診断用の元のヘッダの写しで、結果には影響しません。",
    ),
    (
        "DKIM-13",
        "RFC 6376 §4.2, §6.1",
        "Each DKIM-Signature is checked on its own, whatever its position. We verify at most 10, report the rest as "
        "skipped, and write one A-R entry per signature.",
        "DKIM-Signature は位置に関係なく一つずつ独立に検証します。検証するのは最大 10 個で、残りは省略したと報告し、"
        "A-R には署名ごとに一項目を書きます。",
    ),
    (
        "DKIM-14",
        "RFC 6376 §3.6.2.2, §6.1.2",
        "The key is fetched as TXT at the absolute name, never through a search list, its strings joined without "
        "separators. A timeout or server failure is a temperror; no such name or no TXT is a permerror (no key). With "
        "several TXT records, each one that parses is tried.",
        "鍵は絶対名の TXT として取得し、検索リストは使いません。複数の文字列は区切りなしで連結します。タイムアウトや"
        "サーバー障害は temperror、名前や TXT がなければ permerror (鍵なし) です。TXT が複数あれば、解析できるものを"
        "順に試します。",
    ),
    (
        "DKIM-15",
        "RFC 6376 §3.6.1",
        "Reading the key record: v=, if any, must be DKIM1 and come first; k= is rsa unless it says ed25519 and must "
        "suit a=; h= must allow sha256; s= must allow email; t=y marks testing and t=s strict identity; an empty p= "
        "means the key was revoked (permerror).",
        "鍵レコードの読み方: v= があれば DKIM1 で先頭になければならず、k= は省略時 rsa (ほかに ed25519) で a= と合って"
        "いる必要があります。h= は sha256 を許し、s= は email を許していなければなりません。t=y はテストモード、t=s は"
        "識別子の厳密一致を示し、空の p= は鍵の失効を意味します (permerror)。",
    ),
    (
        "DKIM-16",
        "RFC 6376 §3.6.1; RFC 8301 §3.2",
        "An RSA p= is base64 DER, either SubjectPublicKeyInfo (what everyone publishes) or a bare RSAPublicKey. Keys "
        "shorter than 1024 bits are a permerror; 1024 to 4096 bits are verified.",
        "RSA の p= は base64 の DER で、SubjectPublicKeyInfo (一般に公開される形式) と素の RSAPublicKey のどちらも受け付け"
        "ます。1024 ビット未満の鍵は permerror で、1024〜4096 ビットの鍵を検証します。",
    ),
    (
        "DKIM-17",
        "RFC 8463 §4.2",
        "An Ed25519 p= is the raw 32-byte public key in base64 (44 characters) with no ASN.1 around it; any other "
        "length is a permerror.",
        "Ed25519 の p= は 32 バイトの生の公開鍵を base64 にしたもの (44 文字) で、ASN.1 で包みません。長さが違えば "
        "permerror です。",
    ),
    (
        "DKIM-18",
        "RFC 6376 §3.6.1",
        "A key in testing mode (t=y) still gets its real result, marked '(testing)', but such mail is treated like "
        "unsigned mail: by default its pass does not count for DMARC.",
        "テストモード (t=y) の鍵でも実際の結果を「(testing)」付きで報告しますが、そのメールは署名なしと同じに扱います。"
        "既定では、その pass は DMARC の判定に使いません。",
    ),
    (
        "DKIM-19",
        "RFC 6376 §3.7",
        "Body hash: canonicalize the body, cut it at l= if given, hash it with SHA-256 and compare with bh=. A "
        "difference is a fail.",
        "ボディハッシュ: ボディを正規化し、l= があればそこで切り、SHA-256 でハッシュして bh= と比べます。違えば fail "
        "です。",
    ),
    (
        "DKIM-20",
        "RFC 6376 §3.7, §5.4.2",
        "Header hash input: for each name in h=, take the lowest unused field of that name (none left adds nothing), "
        "canonicalize it with its CRLF, and finish with the signature field itself, b= emptied and no final CRLF.",
        "ヘッダのハッシュ入力: h= の名前ごとに、まだ使っていないそのヘッダのうち一番下のものを取り (残っていなければ何も"
        "加えない)、正規化して CRLF を付けます。最後に検証中の署名ヘッダ自身を、b= の値を空にし末尾の CRLF なしで加え"
        "ます。",
    ),
    (
        "DKIM-21",
        "RFC 6376 §3.7; RFC 8463 §3",
        "The signature is checked with RSASSA-PKCS1-v1_5 over SHA-256 for RSA, or with pure Ed25519 over the SHA-256 "
        "of the input for Ed25519. A signature that does not check out is a fail.",
        "署名は、RSA なら SHA-256 による RSASSA-PKCS1-v1_5、Ed25519 なら入力の SHA-256 に対する Ed25519 で検証します。"
        "合わなければ fail です。",
    ),
    (
        "DKIM-22",
        "RFC 6376 §5.3",
        "Work on the raw bytes and never refold. In a .eml file a bare LF becomes CRLF and we note it; a bare CR is "
        "data and stays, as Postfix, OpenDKIM, Mail::DKIM and dkimpy keep it.",
        "生のバイト列のまま扱い、折り返し直しはしません。.eml ファイルの単独の LF は CRLF に直して、その旨を記録します。"
        "単独の CR は改行ではなくデータなので残します (Postfix、OpenDKIM、Mail::DKIM、dkimpy も残します)。",
    ),
    (
        "DKIM-23",
        "RFC 6376 §3.4.1",
        "simple header canonicalization changes nothing.",
        "ヘッダの simple 正規化は何も変更しません。",
    ),
    (
        "DKIM-24",
        "RFC 6376 §3.4.2",
        "relaxed header canonicalization: lowercase the name, unfold, squeeze runs of spaces and tabs to one space, "
        "drop trailing whitespace and the whitespace around the colon, giving name:value and CRLF.",
        "ヘッダの relaxed 正規化: 名前を小文字にし、折り返しを解き、空白とタブの連続を一つの空白にまとめ、末尾の空白と"
        "コロン前後の空白を取り除いて「名前:値」+ CRLF にします。",
    ),
    (
        "DKIM-25",
        "RFC 6376 §3.4.3",
        "simple body canonicalization removes empty lines at the end; a body that is empty or lacks a final CRLF gets "
        "one, so an empty body is a single CRLF.",
        "ボディの simple 正規化は末尾の空行を取り除きます。空のボディや CRLF で終わらないボディには CRLF を一つ付けるので、"
        "空のボディは CRLF 一つになります。",
    ),
    (
        "DKIM-26",
        "RFC 6376 §3.4.4",
        "relaxed body canonicalization drops whitespace at line ends, squeezes inner runs of whitespace to one space, "
        "removes empty lines at the end and adds a final CRLF to a non-empty body; an empty body stays empty.",
        "ボディの relaxed 正規化は行末の空白を取り除き、行内の空白の連続を一つにまとめ、末尾の空行を取り除いて、空でない"
        "ボディの最後に CRLF を付けます。空のボディは空のままです。",
    ),
    (
        "DKIM-27",
        "RFC 6376 §3.4.6",
        "The canonicalization examples (empty-body hashes, a sample body and header) are kept as test vectors.",
        "正規化の例 (空のボディのハッシュ、ボディとヘッダの例) をテストベクトルとして使います。",
    ),
    (
        "DKIM-28",
        "RFC 6376 §5.3",
        "Sign exactly the bytes that will be sent: CRLF line ends, before dot-stuffing, preferably in a 7-bit "
        "encoding.",
        "送信するバイト列そのものに署名します。改行は CRLF、ドット詰めの前で、できれば 7 ビットの転送エンコーディングに"
        "します。",
    ),
    (
        "DKIM-29",
        "RFC 6376 §5 (our choice)",
        "Our signing defaults: rsa-sha256 with a 2048-bit key or ed25519-sha256, c=relaxed/relaxed, always t=, x= and "
        "l= only on request. rsa-sha1 and RSA under 1024 bits are refused, and under 2048 bits we warn.",
        "署名の既定値 (本プロジェクトの選択): 2048 ビット鍵の rsa-sha256 または ed25519-sha256、c=relaxed/relaxed、t= は"
        "常に付け、x= と l= は指定されたときだけ付けます。rsa-sha1 と 1024 ビット未満の RSA は拒否し、2048 ビット未満"
        "には警告を出します。",
    ),
    (
        "DKIM-30",
        "RFC 6376 §5.4",
        "h= always includes From and the fields that identify and shape the message (To, Cc, Subject, Date, "
        "Message-ID, MIME and List-* fields, ...), and never trace or result fields such as Received, Return-Path or "
        "Authentication-Results.",
        "h= には必ず From と、メッセージを特定し形作るヘッダ (To、Cc、Subject、Date、Message-ID、MIME 関連、List-* など)"
        "を含め、Received、Return-Path、Authentication-Results のような経路や結果のヘッダは含めません。",
    ),
    (
        "DKIM-31",
        "RFC 6376 §5.4.2, §8.15",
        "Oversigning: From, Subject, Date, To, Cc, Reply-To and Sender are listed once more than they occur, so that "
        "a copy added later breaks the signature.",
        "オーバーサイン: From、Subject、Date、To、Cc、Reply-To、Sender を実際の数より一つ多く h= に列挙し、後から同じ"
        "ヘッダを追加されると署名が壊れるようにします。",
    ),
    (
        "DKIM-32",
        "RFC 6376 §5.6",
        "The new signature goes above every other header field, folded only where whitespace is ignored.",
        "新しい署名は他のすべてのヘッダより上に置き、空白が無視される位置でだけ折り返します。",
    ),
    (
        "DKIM-33",
        "RFC 8463 §6",
        "Signing with RSA and Ed25519 at once takes two selectors under the same d=.",
        "RSA と Ed25519 の両方で署名するには、同じ d= の下に二つのセレクタが必要です。",
    ),
    (
        "DKIM-34",
        "RFC 8301 §3.2",
        "RSA keys use e=65537 and 2048 bits by default (1024 to 4096 allowed; SES takes only 1024 or 2048). The TXT "
        "record is v=DKIM1; k=rsa; p=<SPKI in base64>, split into strings of at most 255 octets.",
        "RSA 鍵は e=65537、既定で 2048 ビットです (1024〜4096 ビット。SES は 1024 か 2048 のみ)。TXT レコードは "
        "v=DKIM1; k=rsa; p=<base64 の SPKI> で、255 オクテット以下の文字列に分割します。",
    ),
    (
        "DKIM-35",
        "RFC 8463 §4",
        "An Ed25519 private key is a 32-byte seed, stored as PKCS#8 PEM; the record is v=DKIM1; k=ed25519; p=<the raw "
        "32-byte public key in base64>.",
        "Ed25519 の秘密鍵は 32 バイトのシードで、PKCS#8 PEM で保存します。レコードは v=DKIM1; k=ed25519; p=<32 バイトの"
        "生の公開鍵の base64> です。",
    ),
    (
        "DKIM-36",
        "RFC 6376 §3.6.1",
        "Optional key tags we write: h=sha256, t=s, s=email, t=y. Each key gets a new selector. To rotate, publish the "
        "new key, switch signing, keep the old key some days, then revoke it with an empty p=.",
        "書き出せる任意の鍵タグ: h=sha256、t=s、s=email、t=y。鍵ごとに新しいセレクタを使います。鍵の交換は、新しい鍵を"
        "公開し、署名を切り替え、古い鍵を数日残してから空の p= で失効させる順に行います。",
    ),
    (
        "DKIM-37",
        "RFC 8601 §2.7.1",
        "Results per signature: none (no signature at all), pass, fail (body hash or signature does not verify), "
        "temperror (DNS trouble fetching the key), permerror (every other defect, including rsa-sha1, short, revoked "
        "or missing keys and expiry) and policy (verified but refused locally). We never emit neutral.",
        "署名ごとの結果: none (署名がまったくない)、pass、fail (ボディハッシュか署名が合わない)、temperror (鍵の取得で DNS "
        "の問題)、permerror (rsa-sha1、短い鍵、失効・不在の鍵、期限切れなど、それ以外のすべての欠陥)、policy (検証は"
        "できたがローカルの方針で拒否)。neutral は出しません。",
    ),
    (
        "DKIM-38",
        "RFC 8601 §2.7.1",
        "A DKIM result names header.d always, and header.i, header.s, header.a and the start of header.b to tell "
        "signatures apart; the reason goes in a comment.",
        "DKIM の結果には header.d を必ず記し、署名を区別するために header.i、header.s、header.a、header.b の先頭も記し"
        "ます。理由はコメントに書きます。",
    ),
    (
        "DKIM-39",
        "dkimpy 1.1.8 (library gap)",
        "dkimpy, used as a test peer, accepts rsa-sha1, reports a DNS timeout as a plain failure, reads only the first "
        "TXT record and tolerates hours of clock skew; our code does not inherit these habits.",
        "テストの相手として使う dkimpy は rsa-sha1 を受け付け、DNS のタイムアウトを単なる失敗として返し、最初の TXT "
        "レコードしか読まず、数時間の時計のずれを許します。本プロジェクトのコードはこの振る舞いを引き継ぎません。",
    ),
)

"""SPF rules (RFC 7208): (id, RFC section, English, Japanese), in the project's own words."""
# ruff: noqa: E501  (prose tables: the wide Japanese lines are re-wrapped for display, never read here)

RULES = (
    (
        "SPF-1",
        "RFC 7208 §2.3, §2.4",
        "Two identities are checked apart: MAIL FROM (required) and HELO (recommended, its own result). For an empty "
        "MAIL FROM the identity becomes postmaster@<HELO name>.",
        "二つの識別子を別々に検査します。MAIL FROM (必須) と HELO (推奨、結果も別) です。MAIL FROM が空のときは "
        "postmaster@<HELO 名> を代わりに検査します。",
    ),
    (
        "SPF-2",
        "RFC 7208 §4.1",
        "check_host takes the client IP, the domain and the sender; an IPv4-mapped IPv6 address counts as IPv4. For "
        ".eml files the caller gives these, or they come from a Received field the user trusts.",
        "check_host の入力は接続元 IP、ドメイン、送信者です。IPv4 射影 IPv6 アドレスは IPv4 として扱います。.eml ファイル"
        "では呼び出し側が指定するか、利用者が信頼すると指定した Received ヘッダから取ります。",
    ),
    (
        "SPF-3",
        "RFC 7208 §4.3",
        "The result is none when the domain is not a usable name (bad label lengths, a single label, an IP literal) "
        "or does not exist.",
        "ドメインが名前として使えない (ラベル長の誤り、ラベルが一つだけ、IP アドレス表記など) か、存在しない場合の結果は "
        "none です。",
    ),
    (
        "SPF-4",
        "RFC 7208 §4.4, §4.5",
        "Only TXT is queried, strings are joined, and records starting 'v=spf1' count. A DNS failure is a temperror; "
        "no record is none; two or more records are a permerror.",
        "問い合わせるのは TXT だけで、文字列は連結し、「v=spf1」で始まるレコードだけを対象にします。DNS の障害は "
        "temperror、レコードがなければ none、二つ以上あれば permerror です。",
    ),
    (
        "SPF-5",
        "RFC 7208 §4.6",
        "Terms are separated by spaces and the whole record is checked before any of it runs; any syntax error, even "
        "one non-ASCII character, is a permerror. Names are case-insensitive; name= is a modifier.",
        "項は空白で区切り、評価を始める前にレコード全体の構文を確認します。構文の誤りは、ASCII 以外の文字一つでも "
        "permerror です。名前は大文字小文字を区別せず、name= の形は修飾子です。",
    ),
    (
        "SPF-6",
        "RFC 7208 §4.6.2",
        "Terms are tried from left to right and the first match decides. Qualifiers: + pass (default), - fail, "
        "~ softfail, ? neutral.",
        "項は左から順に試し、最初に一致したものが結果を決めます。修飾子は + が pass (省略時)、- が fail、~ が softfail、"
        "? が neutral です。",
    ),
    (
        "SPF-7",
        "RFC 7208 §5",
        "The mechanisms: a (the name's addresses, with optional prefix lengths), mx (at most 10 hosts), ptr "
        "(discouraged), ip4/ip6 (never across address families), exists (any A answer) and all (always matches).",
        "メカニズム: a (その名前のアドレス、プレフィックス長も指定可)、mx (ホストは最大 10 個)、ptr (非推奨)、ip4/ip6 "
        "(アドレスの種類をまたがない)、exists (A の応答があれば一致)、all (常に一致)。",
    ),
    (
        "SPF-8",
        "RFC 7208 §5.2",
        "include runs the check on another domain: its pass is a match; fail, softfail and neutral are no match; "
        "temperror passes through; permerror or none becomes permerror.",
        "include は別のドメインで検査を行います。その結果が pass なら一致、fail・softfail・neutral なら不一致、temperror は"
        "そのまま、permerror と none は permerror になります。",
    ),
    (
        "SPF-9",
        "RFC 7208 §6.1",
        "redirect= applies only when nothing matched and the record has no 'all'; the target's result becomes the "
        "result, and a target without a record is a permerror.",
        "redirect= は何も一致せず、レコードに all がないときだけ使われます。転送先の結果がそのまま結果になり、転送先に"
        "レコードがなければ permerror です。",
    ),
    (
        "SPF-10",
        "RFC 7208 §6.2",
        "exp= gives an explanation only for a fail from a matching mechanism; any trouble fetching or expanding it "
        "just means no explanation.",
        "exp= は一致したメカニズムによる fail のときだけ説明文を与えます。取得や展開で問題があれば、説明なしになるだけです。",
    ),
    (
        "SPF-11",
        "RFC 7208 §6",
        "redirect= and exp= may each appear once at most; unknown modifiers are ignored but must still be well formed.",
        "redirect= と exp= はそれぞれ一度までです。未知の修飾子は無視しますが、構文は正しくなければなりません。",
    ),
    (
        "SPF-12",
        "RFC 7208 §4.7",
        "When nothing matches and there is no redirect, the result is neutral.",
        "何も一致せず redirect もなければ、結果は neutral です。",
    ),
    (
        "SPF-13",
        "RFC 7208 §5",
        "Inside mechanisms, a timeout or server failure makes the whole check a temperror; a name that does not exist "
        "is simply an empty answer.",
        "メカニズムの中でタイムアウトやサーバー障害が起きたら、検査全体が temperror です。存在しない名前は空の応答として"
        "扱います。",
    ),
    (
        "SPF-14",
        "RFC 7208 §4.6.4",
        "Limits: at most 10 DNS-querying terms over the whole evaluation (the 11th is a permerror); at most 10 hosts per "
        "mx and 10 names per ptr; at most 2 terms with empty answers (counted per term, not per query); and a time "
        "budget, after which the result is a temperror.",
        "上限: DNS を引く項は評価全体で 10 個まで (11 個目で permerror)、mx は 1 項につきホスト 10 個、ptr は名前 10 個まで、"
        "空の応答 (void) になった項は 2 個まで (問い合わせごとではなく項ごとに数える)。制限時間を超えたら temperror です。",
    ),
    (
        "SPF-15",
        "RFC 7208 §7",
        "Macros: %{s l o d i p v h} may appear in domain specs, %{c r t} only in explanation text; they can be "
        "truncated and reversed, and a bad macro is a permerror.",
        "マクロ: ドメイン指定には %{s l o d i p v h}、説明文にはさらに %{c r t} が使えます。切り詰めや逆順の指定ができ、"
        "誤ったマクロは permerror です。",
    ),
    (
        "SPF-16",
        "RFC 7208 §2.6, §8",
        "The results are none, neutral, pass, fail, softfail, temperror and permerror; for policy, neutral means the "
        "same as none.",
        "結果は none、neutral、pass、fail、softfail、temperror、permerror です。扱いの上では neutral は none と同じです。",
    ),
    (
        "SPF-17",
        "RFC 7208 §9.2; RFC 8601 §2.7.2",
        "In Authentication-Results, SPF reports smtp.mailfrom (the domain only) or smtp.helo.",
        "Authentication-Results では、SPF は smtp.mailfrom (ドメインのみ) または smtp.helo を記します。",
    ),
    (
        "SPF-18",
        "RFC 7208 test suite (pyspf)",
        "The RFC 7208 test suite shipped with pyspf is our SPF conformance suite.",
        "pyspf に同梱の RFC 7208 テストスイートを SPF の適合試験として使います。",
    ),
)

"""DMARC rules (RFC 9989, RFC 7489 legacy): (id, RFC section, English, Japanese), in the project's own words."""
# ruff: noqa: E501  (prose tables: the wide Japanese lines are re-wrapped for display, never read here)

RULES = (
    (
        "DMARC-1",
        "RFC 9989; RFC 7489 §6.6.1",
        "The Author Domain is the domain of the one address in the one From field, in A-label form and lowercase. No "
        "From, or several addresses, means DMARC cannot be evaluated unless configured otherwise.",
        "作成者ドメイン (Author Domain) は、一つだけの From ヘッダにある一つだけのアドレスのドメインで、A ラベル・小文字に"
        "します。From がない、またはアドレスが複数なら、設定で許さない限り DMARC は評価できません。",
    ),
    (
        "DMARC-2",
        "RFC 9989; RFC 7489 §6.3",
        "The policy record is TXT at _dmarc.<name>, strings joined, and counts only if it starts with v=DMARC1. "
        "Unknown tags are ignored and an invalid value falls back to its default.",
        "ポリシーレコードは _dmarc.<名前> の TXT で、文字列は連結し、v=DMARC1 で始まるものだけを対象にします。未知のタグは"
        "無視し、不正な値は既定値に戻します。",
    ),
    (
        "DMARC-3",
        "RFC 9989; RFC 7489 §6.3",
        "The tags: p, sp (default p), np (default sp, then p), adkim and aspf (default relaxed), fo, rua, ruf, t, psd; "
        "and, in RFC 7489 only, pct, rf and ri.",
        "タグ: p、sp (省略時は p)、np (省略時は sp、次に p)、adkim と aspf (省略時は緩和)、fo、rua、ruf、t、psd。RFC 7489 "
        "だけのタグとして pct、rf、ri があります。",
    ),
    (
        "DMARC-4",
        "RFC 9989 §4.7",
        "A record without p reads as p=none. An invalid p, sp or np still works as p=none when a valid rua is "
        "present; otherwise the record is unusable and we report permerror.",
        "p のないレコードは p=none とみなします。p・sp・np が不正でも、有効な rua があれば p=none として扱い、なければ"
        "レコードは使えないので permerror と報告します。",
    ),
    (
        "DMARC-5",
        "RFC 9989; RFC 7489 §3.1",
        "The identifiers DMARC looks at: the MAIL FROM domain when SPF passed (never the HELO, except through an "
        "empty MAIL FROM), and the d= of each DKIM signature that passed.",
        "DMARC が見る識別子: SPF が pass したときの MAIL FROM のドメイン (HELO は使わない。ただし MAIL FROM が空の場合を"
        "除く) と、pass した各 DKIM 署名の d= です。",
    ),
    (
        "DMARC-6",
        "RFC 9989; RFC 7489 §3.1",
        "Alignment: strict means the very same domain (ignoring case); relaxed means the same Organizational Domain. "
        "adkim sets the mode for DKIM and aspf for SPF, and only a passing identifier can align.",
        "整合 (アライン): 厳密 (strict) は完全に同じドメイン (大文字小文字は区別しない)、緩和 (relaxed) は同じ組織ドメインで"
        "あることを意味します。adkim が DKIM の、aspf が SPF のモードを決め、整合できるのは pass した識別子だけです。",
    ),
    (
        "DMARC-7",
        "RFC 9989; RFC 7489 §6.6.2",
        "DMARC passes when an aligned identifier passed. If none did and a DNS error stood in the way, the result is "
        "temperror and no policy is applied. Otherwise it fails.",
        "整合した識別子が pass していれば DMARC は pass です。どれもなく、途中で DNS エラーがあった場合は temperror で、"
        "ポリシーは適用しません。それ以外は fail です。",
    ),
    (
        "DMARC-8",
        "RFC 9989; RFC 7489 §6.6.3",
        "Which policy: a record at the Author Domain gives p; one found higher up gives sp (else p) for a subdomain "
        "that exists, and np, then sp, then p for one that does not.",
        "どのポリシーを使うか: 作成者ドメイン自身のレコードなら p、上位で見つかったレコードなら、存在するサブドメインには "
        "sp (なければ p)、存在しないサブドメインには np、次に sp、次に p を使います。",
    ),
    (
        "DMARC-9",
        "RFC 9989 App. A.4",
        "For np, a domain does not exist when an A query answers NXDOMAIN; any NOERROR answer, even empty, means it "
        "exists.",
        "np を使うかどうかの判断: A の問い合わせが NXDOMAIN ならそのドメインは存在しません。NOERROR なら、応答が空でも"
        "存在します。",
    ),
    (
        "DMARC-10",
        "RFC 9989; RFC 7489 §6.6.4",
        "Softening: t=y lowers the policy one step (reject to quarantine, quarantine to none) for failing mail; in RFC "
        "7489, pct applies the policy to only that share of failing mail.",
        "ポリシーの引き下げ: t=y は DMARC に失敗したメールへのポリシーを一段階下げます (reject は quarantine に、"
        "quarantine は none に)。RFC 7489 の pct は、失敗したメールのうちその割合にだけポリシーを適用します。",
    ),
    (
        "DMARC-11",
        "RFC 9989 §7.4, §8",
        "What to do with the verdict is the receiver's decision. p=none must change nothing, and p=reject alone is "
        "not a reason to reject: without other evidence, quarantine. Our verifier recommends a disposition and takes "
        "no action itself.",
        "判定をどう扱うかは受信側が決めることです。p=none なら扱いを変えてはならず、p=reject だけを理由に拒否はしません。"
        "ほかに根拠がなければ隔離 (quarantine) にとどめます。本ツールの検証器は推奨する扱いを示すだけで、自ら処置はしません。",
    ),
    (
        "DMARC-12",
        "RFC 9989; RFC 7489 §6.6.3",
        "A definite 'no record' gives dmarc=none and DMARC does not apply; a DNS error during discovery gives "
        "temperror.",
        "レコードがないと確定すれば dmarc=none で、DMARC は適用されません。探索中の DNS エラーは temperror です。",
    ),
    (
        "DMARC-13",
        "RFC 9989 §4.10",
        "The DNS tree walk: query _dmarc at the start name, then at shorter and shorter names (jumping to 7 labels "
        "when there are 8 or more) down to the top-level domain, at most 8 queries, stopping at a record with psd=y or "
        "psd=n.",
        "DNS ツリーウォーク: 開始名の _dmarc を問い合わせ、次にラベルを減らした名前へと順にトップレベルドメインまで進み"
        "ます (8 ラベル以上なら 7 ラベルまで一気に縮める)。問い合わせは最大 8 回で、psd=y か psd=n のレコードがあれば"
        "止まります。",
    ),
    (
        "DMARC-14",
        "RFC 9989 §4.10.1",
        "Finding the policy: a record at the Author Domain wins; otherwise walk upwards and use the record of the "
        "Organizational Domain, or failing that of the public suffix domain (PSD). Records at names in between do not "
        "apply.",
        "ポリシーの探し方: 作成者ドメインにレコードがあればそれを使い、なければ上位へたどって組織ドメインのレコード、"
        "それもなければ公開サフィックスドメイン (PSD) のレコードを使います。その間の名前にあるレコードは適用しません。",
    ),
    (
        "DMARC-15",
        "RFC 9989 §4.10.2",
        "The Organizational Domain: among the names on the walk that have records, longest first, psd=n makes that "
        "name it, psd=y makes the name one label below it; otherwise the shortest name with a record; with no records "
        "the name itself. Strict-only alignment needs no walk.",
        "組織ドメインの決め方: ツリーウォークでレコードのあった名前を長い順に見て、psd=n ならその名前、psd=y ならその一つ"
        "下のラベルの名前が組織ドメインです。どちらもなければレコードのある最も短い名前、レコードが一つもなければ名前"
        "そのものです。整合モードが両方とも厳密ならウォークは不要です。",
    ),
    (
        "DMARC-16",
        "RFC 9989 §4.10.2, App. B.4",
        "The tree-walk examples of the RFC are kept as test vectors.",
        "RFC のツリーウォークの例をテストベクトルとして使います。",
    ),
    (
        "DMARC-17",
        "RFC 9989",
        "In RFC 9989 mode, pct, rf and ri are ignored with a warning, a size suffix on a report URI is ignored, and "
        "the discovery method (treewalk or psl) is reported.",
        "RFC 9989 モードでは pct、rf、ri を警告付きで無視し、レポート URI のサイズ指定も無視します。探索方法 (treewalk か "
        "psl) を報告します。",
    ),
    (
        "DMARC-18",
        "RFC 7489 §3.2",
        "RFC 7489 mode finds the Organizational Domain with the public suffix list (public suffix plus one label) and "
        "looks up at most two names: the Author Domain, then the Organizational Domain.",
        "RFC 7489 モードでは公開サフィックスリストで組織ドメイン (公開サフィックス + 1 ラベル) を求め、問い合わせは作成者"
        "ドメインと組織ドメインの最大二つです。",
    ),
    (
        "DMARC-19",
        "RFC 9989; RFC 8601",
        "The A-R entry: dmarc=<result> header.from=<Author Domain> policy.dmarc=<the policy in force after sp, np, t "
        "or pct>, with details such as (p=reject t=y) in a comment.",
        "A-R の項目: dmarc=<結果> header.from=<作成者ドメイン> policy.dmarc=<sp・np・t・pct を反映した実際のポリシー>。"
        "(p=reject t=y) のような詳細はコメントに書きます。",
    ),
    (
        "DMARC-20",
        "RFC 9990 §4; RFC 9991 §5",
        "rua and ruf are comma-separated mailto: URIs. Sending reports to an address outside the domain needs that "
        "domain's consent: a v=DMARC1 TXT at <domain>._report._dmarc.<host>.",
        "rua と ruf はカンマ区切りの mailto: URI です。ドメインの外のアドレスにレポートを送るには、送り先側の同意、つまり "
        "<ドメイン>._report._dmarc.<ホスト> に v=DMARC1 の TXT が必要です。",
    ),
    (
        "DMARC-21",
        "RFC 9990",
        "Aggregate reports are XML in the dmarc-2.0 namespace: metadata, the published policy, and one record per "
        "source with the evaluated disposition and the DKIM and SPF results; one policy domain per report.",
        "集約レポートは dmarc-2.0 名前空間の XML で、メタデータ、公開ポリシー、送信元ごとのレコード (判定した扱いと DKIM・"
        "SPF の結果) からなります。1 レポートにつきポリシードメインは一つです。",
    ),
    (
        "DMARC-22",
        "RFC 7489 App. C",
        "Older RFC 7489 reports are read too (their namespace, pct, reason types), guarded against gzip and XML bombs.",
        "旧形式の RFC 7489 のレポートも読み取ります (名前空間、pct、理由の種類)。gzip 爆弾や XML 爆弾への対策をしています。",
    ),
)

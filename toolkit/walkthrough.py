"""Report -> a numbered, narrated account of what the verifier did and why (pure: no I/O).

Everything said here comes from the evidence in the Report (SPF ledger, DKIM tags/steps/key answer, DMARC queries
and alignment, the A-R field). Nothing is checked a second time; the only computing done here is presentation
(canonicalized header lines for display) and the diagnostics of toolkit.core.diagnose for failures.

    from toolkit.walkthrough import explain
    print(explain(report))             # English
    print(explain(report, lang="ja"))  # Japanese (evidence such as records and A-R text stays as it is)
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from toolkit.core import arheader
from toolkit.core.canon import canon_header, parse_canon
from toolkit.core.diagnose import Diagnosis, diagnose_signature
from toolkit.core.dkim.common import index_headers, select_headers, split_header_list

WIDTH = 100
LANGUAGES = ("en", "ja")

# Every sentence of the narration, per language. Values are str.format templates.
_EN = {
    "title": "Walkthrough: how this message was authenticated",
    "h_envelope": "Who sent it: the SMTP envelope and the From header",
    "h_spf": "SPF: may {ip} send mail for {domain}?",
    "h_spf_none": "SPF",
    "h_dkim": "DKIM signature {n} of {total}: d={d} s={s}",
    "h_dkim_none": "DKIM",
    "h_dmarc": "DMARC: does an authenticated domain match the From domain {domain}?",
    "h_dmarc_unknown": "DMARC: the From domain could not be determined",
    "h_ar": "The Authentication-Results field, item by item",
    "h_summary": "In short",
    "client": "The sending server connected from {ip} and introduced itself (HELO/EHLO) as {helo}.",
    "no_client": "The client IP is unknown, so SPF cannot be evaluated.",
    "null_sender": "The envelope sender (MAIL FROM) is empty: <>. That is a bounce or an automatic notification. SPF "
    "then checks postmaster@{helo}, the HELO name, instead (SPF-1).",
    "mail_from": "The envelope sender (MAIL FROM, where bounces go) is <{mail_from}>. SPF checks its domain {domain}.",
    "from_field": "The From header, the address the reader sees, is: {value}",
    "no_from": "The message has no From header.",
    "author": "So the Author Domain is {domain}. SPF and DKIM each authenticate some domain; DMARC then asks whether "
    "one of those domains lines up (aligns) with this one.",
    "line_endings": "Note: the file had non-CRLF line endings; the verifier {facts} (DKIM-22).",
    "spf_not_run": "SPF was not checked. {notes}",
    "spf_identity": "Identity: {who} (null reverse-path, so the HELO domain stands in).",
    "spf_record": 'The TXT record of {domain} is: "{record}"',
    "spf_ledger": "DNS queries, in order (the ledger; at most 10 terms may cause lookups, SPF-14):",
    "spf_query": "{rdtype} {name} -> {status}{void}, {records} record(s), for {term}{cost}",
    "spf_query_record": "the SPF record itself",
    "spf_no_queries": "(no DNS queries)",
    "spf_matched": "Evaluated left to right, the first term that matched was {term}.",
    "spf_matched_via": "Evaluated left to right, the first term that matched was {term} (via {chain}).",
    "spf_result": "SPF result: {verdict}: {meaning}.",
    "spf_exp": "The domain's explanation: {text}",
    "spf_helo": "The HELO name {domain} was checked separately: {verdict}. DMARC never uses the HELO result (except "
    "through a null MAIL FROM).",
    "dkim_not_run": "DKIM was not checked.",
    "dkim_unsigned": "The message carries no DKIM-Signature field, so there is nothing to verify: dkim=none.",
    "dkim_tags": "The DKIM-Signature tags:",
    "dkim_oversigned": "Listed more often than present (oversigned, DKIM-31): {names}. Adding such a field later "
    "breaks the signature, which is the point.",
    "dkim_key": "Key lookup: TXT {name} -> {status}{detail} from {source}.",
    "dkim_bh_skipped": "Body hash: the signature says bh={expected}; the body was not hashed, because the checks "
    "stopped before that step.",
    "dkim_cname": "The name was reached through a CNAME at {chain}: the key lives in another zone, the way Easy DKIM "
    "points a customer's selector into the ESP's zone (SES-1).",
    "dkim_key_type": "The key is {key_type}{bits}{testing}",
    "dkim_bits": ", {bits} bits",
    "dkim_testing": " and in testing mode (t=y).",
    "dkim_headers": "Header fields as hashed ({method} canonicalization, bottom-most instance first, DKIM-20):",
    "dkim_bh": "Body hash: the signature says bh={expected}; the body as received hashes to {computed}: {outcome}",
    "dkim_bh_same": "they match.",
    "dkim_bh_differ": "they DIFFER, so the body changed.",
    "dkim_unsigned_bytes": "{n} octets of the body lie beyond l= and are not signed (DKIM-10).",
    "dkim_steps": "Checks, in order:",
    "dkim_result": "DKIM result: {verdict}{reason}: {meaning}.",
    "diagnosis": "Diagnosis:",
    "dmarc_not_run": "DMARC was not checked.",
    "dmarc_queries": "Author Domain: {domain}. Policy discovery ({method}, mode {mode}) asked these names:",
    "dmarc_no_queries": "(no queries)",
    "dmarc_found": 'Policy record found {where} ({name}): "{raw}"',
    "dmarc_at_author": "at the Author Domain itself",
    "dmarc_at_org": "at the Organizational Domain",
    "dmarc_at_other": "at {where}",
    "dmarc_p": "p={value}: what to do with failing mail from {name}",
    "dmarc_sp": "sp={value}: for existing subdomains without their own record",
    "dmarc_np": "np={value}: for subdomains that do not exist",
    "dmarc_modes": "adkim={adkim}, aspf={aspf}: alignment modes for DKIM and SPF (s = strict: the exact same domain; "
    "r = relaxed: the same Organizational Domain)",
    "dmarc_org": "The Organizational Domain of {domain} is {org}.",
    "dmarc_strict_only": "Both alignment modes are strict, so only the exact domain counts and no Organizational "
    "Domain is needed (DMARC-15).",
    "dmarc_alignment": "Alignment of each authenticated identifier with the From domain:",
    "align_dkim": "DKIM d={domain}{selector}",
    "align_spf": "SPF MAIL FROM domain {domain}",
    "align_counts": "passed and aligned ({mode}): counts",
    "align_not_passed": "did not pass ({result}): cannot count",
    "align_not_aligned": "passed but NOT aligned ({mode}) with {author}",
    "align_other": "passed but does not count",
    "dmarc_result": "DMARC result: {verdict}: {meaning}.{detail}",
    "dmarc_detail": " Here: {detail}.",
    "dmarc_policy": "Published policy for this domain: {policy}; after softening: {effective}. Our recommended "
    "disposition: {disposition}{note}",
    "dmarc_no_reject": " (never reject on p=reject alone, DMARC-11).",
    "dmarc_policy_pass": "The published policy ({policy}) applies only to mail that fails DMARC; this message "
    "passed, so it is delivered as usual.",
    "dmarc_warning": "Warning: {text}",
    "ar_intro": "This is the field the verifier adds on top of the message (RFC 8601):",
    "ar_authserv": "{id}: the authserv-id, naming who did the checks",
    "ar_comment": "comment {text}",
    "summary": "SPF {spf}; DKIM {dkim}; DMARC {dmarc}; exit code {code}.",
    "summary_pass": "The From domain {domain} is authenticated through {via}.",
    "summary_fail": "Nothing authenticated lines up with {domain}. The domain's policy for failing mail is "
    "{policy}; our recommended disposition: {disposition}{note}",
    "summary_temp": "A temporary DNS error left DMARC without a conclusion: the policy is not applied; retry later.",
    "not_checked": "not checked",
    "note": "Note: {text}",
    "and": " and ",
}

_JA = {
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

_MEANING_EN = {
    "spf": {
        "pass": "the client IP is authorised to send for this domain",
        "fail": "the domain says this IP is NOT authorised (-all)",
        "softfail": "the domain says this IP is probably not authorised (~all); usually accepted but marked",
        "neutral": "the domain makes no statement about this IP (?all or no match)",
        "none": "the domain publishes no SPF record (or the name does not exist)",
        "temperror": "a temporary DNS error stopped the check; try again later",
        "permerror": "the SPF record is broken (syntax, too many lookups, ...)",
    },
    "dkim": {
        "pass": "the signature verifies: the signing domain vouches for these header fields and this body",
        "fail": "the signature does not verify: the message changed after signing",
        "permerror": "the signature cannot be verified at all (bad tag, no key, revoked key, expired, ...)",
        "temperror": "the key could not be fetched because of a temporary DNS error",
        "none": "the message is not signed",
        "policy": "the signature verified, but local policy does not accept it",
        "neutral": "the signature could not be judged",
    },
    "dmarc": {
        "pass": "at least one passing identifier (SPF or DKIM) is aligned with the From domain",
        "fail": "no passing identifier is aligned with the From domain",
        "none": "the From domain publishes no DMARC policy, so DMARC does not apply",
        "temperror": "a DNS error stopped DMARC from concluding; no policy is applied",
        "permerror": "DMARC could not be evaluated (for example, several From addresses or an unusable record)",
    },
}

_MEANING_JA = {
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

_TAG_EN = {
    "v": "signature version (always 1)",
    "a": "algorithm: how the hash is signed",
    "c": "canonicalization header/body: how much reformatting in transit is tolerated",
    "d": "the signing domain (SDID): who takes responsibility",
    "s": "selector: which key of that domain, found at <s>._domainkey.<d>",
    "t": "signing time",
    "x": "expiry time: after this the signature is no longer valid",
    "h": "the header fields covered by the signature, in hashing order (colon-separated in the field)",
    "bh": "body hash: SHA-256 of the canonicalized body, base64",
    "b": "the signature itself, base64 (shortened here)",
    "l": "body length: only this many canonicalized body octets are signed",
    "i": "the agent or user identity (AUID), within d=",
    "q": "key query method (dns/txt)",
    "z": "copies of the signed header fields (diagnostics only)",
    "?": "unknown tag, ignored but hashed",
}

_TAG_JA = {
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

_PROPERTY_EN = {
    "smtp.mailfrom": "the MAIL FROM domain SPF checked",
    "smtp.helo": "the HELO name SPF checked",
    "header.d": "the signing domain",
    "header.i": "the signing identity",
    "header.s": "the selector",
    "header.a": "the algorithm",
    "header.b": "the start of b=, to tell signatures apart",
    "header.from": "the From domain DMARC evaluated",
    "policy.dmarc": "the policy the domain asks for",
    "?": "property",
}

_PROPERTY_JA = {
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
_DIAGNOSIS_JA = {
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


def explain(report: Any, lang: str = "en") -> str:
    """The narrated walkthrough of one Report as plain terminal text (about 100 columns)."""
    t = _Lang(lang)
    out = _Writer()
    out.title(t("title"))
    section = 0

    section += 1
    out.heading(section, t("h_envelope"))
    _envelope(out, t, report)

    section += 1
    spf = report.spf
    if spf is not None:
        out.heading(section, t("h_spf", ip=spf.ip, domain=spf.domain))
        _spf(out, t, spf, getattr(report, "spf_helo", None))
    else:
        out.heading(section, t("h_spf_none"))
        notes = [n for n in getattr(report, "notes", ()) if "SPF" in n or "MAIL FROM" in n]
        out.para(t("spf_not_run", notes=" ".join(notes)))

    results = tuple(report.dkim or ())
    if not results:
        section += 1
        out.heading(section, t("h_dkim_none"))
        out.para(t("dkim_not_run"))
    for number, result in enumerate(results, 1):
        section += 1
        if result.domain:
            out.heading(section, t("h_dkim", n=number, total=len(results), d=result.domain, s=result.selector))
        else:
            out.heading(section, t("h_dkim_none"))
        _dkim(out, t, report.message, result)

    section += 1
    dmarc = report.dmarc
    from_domain = getattr(dmarc, "from_domain", "")
    out.heading(section, t("h_dmarc", domain=from_domain) if from_domain else t("h_dmarc_unknown"))
    if dmarc is None:
        out.para(t("dmarc_not_run"))
    else:
        _dmarc(out, t, dmarc)

    section += 1
    out.heading(section, t("h_ar"))
    _ar(out, t, report)

    section += 1
    out.heading(section, t("h_summary"))
    _summary(out, t, report)
    return out.text()


class _Lang:
    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "en"
        japanese = self.lang == "ja"
        self.text = _JA if japanese else _EN
        self.meaning = _MEANING_JA if japanese else _MEANING_EN
        self.tags = _TAG_JA if japanese else _TAG_EN
        self.properties = _PROPERTY_JA if japanese else _PROPERTY_EN

    def __call__(self, key: str, **values: Any) -> str:
        return self.text[key].format(**values)

    def means(self, method: str, verdict: str) -> str:
        return self.meaning.get(method, {}).get(verdict, "")

    def diagnosis(self, finding: Diagnosis) -> str:
        change = finding.evidence.get("change")
        template = _DIAGNOSIS_JA.get(change) if self.lang == "ja" and isinstance(change, str) else None
        if template:
            try:
                return template.format(**finding.evidence)
            except (KeyError, IndexError):
                pass
        return finding.text


# --- sections ------------------------------------------------------------------------------------------------


def _envelope(out: _Writer, t: _Lang, report: Any) -> None:
    ctx = report.context
    if ctx.ip:
        out.para(t("client", ip=ctx.ip, helo=ctx.helo or "?"))
    else:
        out.para(t("no_client"))
    if ctx.mail_from == "":
        out.para(t("null_sender", helo=ctx.helo or "?"))
    elif ctx.mail_from:
        out.para(t("mail_from", mail_from=ctx.mail_from, domain=ctx.mail_from.rpartition("@")[2]))
    from_fields = report.message.get_all("from")
    for field in from_fields:
        out.para(t("from_field", value=field.unfolded()))
    if not from_fields:
        out.para(t("no_from"))
    dmarc = report.dmarc
    if dmarc is not None and dmarc.from_domain:
        out.para(t("author", domain=dmarc.from_domain))
    facts = report.message.line_endings
    if facts.normalised:
        out.para(t("line_endings", facts=facts.describe()))


def _spf(out: _Writer, t: _Lang, spf: Any, helo: Any) -> None:
    if spf.null_sender:
        out.para(t("spf_identity", who=spf.sender or spf.domain))
    if spf.record:
        out.para(t("spf_record", domain=spf.domain, record=spf.record))
    out.para(t("spf_ledger"))
    rows = []
    for entry in spf.ledger:
        if entry.event != "query":
            rows.append(f"{entry.event}: {entry.name} {entry.detail}".strip())
            continue
        rows.append(
            t(
                "spf_query",
                rdtype=entry.rdtype,
                name=entry.name,
                status=entry.status,
                void=" (void)" if entry.void else "",
                records=entry.records,
                term=t("spf_query_record") if entry.term == "<record>" else entry.term,
                cost=f" [lookup {entry.lookups}/10]" if entry.counted else "",
            )
        )
    out.items(rows or [t("spf_no_queries")])
    path = list(getattr(spf, "matched_path", ()) or ())
    if spf.matched_term:
        if len(path) > 1:
            out.para(t("spf_matched_via", term=spf.matched_term, chain=" -> ".join(path)))
        else:
            out.para(t("spf_matched", term=spf.matched_term))
    elif spf.detail:
        out.para(spf.detail)
    out.para(t("spf_result", verdict=spf.result.value, meaning=t.means("spf", spf.result.value)))
    if spf.explanation:
        out.para(t("spf_exp", text=spf.explanation))
    if helo is not None:
        out.para(t("spf_helo", domain=helo.domain, verdict=helo.result.value))


def _dkim(out: _Writer, t: _Lang, message: Any, result: Any) -> None:
    verdict = result.verdict.value
    tags = dict(result.tags or {})
    if verdict == "none" and not tags:
        out.para(t("dkim_unsigned"))
        return
    out.para(t("dkim_tags"))
    out.items(f"{name}={_tag_value(name, value)}  ({t.tags.get(name, t.tags['?'])})" for name, value in tags.items())
    names = split_header_list(tags["h"]) if tags.get("h") else []
    if names:
        present = index_headers(message.headers)
        over = [n for n in dict.fromkeys(names) if names.count(n) > len(present.get(n, []))]
        if over:
            out.para(t("dkim_oversigned", names=", ".join(over)))
    answer = result.key_answer
    if answer is not None:
        detail = f" ({answer.detail})" if answer.detail else ""
        source = answer.source or "DNS"
        out.para(t("dkim_key", name=answer.name, status=answer.status.value, detail=detail, source=source))
        if answer.cname_chain:
            out.para(t("dkim_cname", chain=", ".join(answer.cname_chain)))
        out.items([f'"{_shorten(r.decode("utf-8", "replace"), 140)}"' for r in answer.txt_joined()])
        if result.key_type:
            bits = t("dkim_bits", bits=result.key_bits) if result.key_bits else ""
            testing = t("dkim_testing") if result.testing else ("." if t.lang == "en" else "。")
            out.para(t("dkim_key_type", key_type=result.key_type, bits=bits, testing=testing))
    _hashed_headers(out, t, message, tags, names)
    if result.body_hash_expected and not result.body_hash_computed:
        out.para(t("dkim_bh_skipped", expected=result.body_hash_expected))
    elif result.body_hash_expected or result.body_hash_computed:
        same = result.body_hash_expected == result.body_hash_computed
        outcome = t("dkim_bh_same") if same else t("dkim_bh_differ")
        out.para(t("dkim_bh", expected=result.body_hash_expected, computed=result.body_hash_computed, outcome=outcome))
    if result.unsigned_body_bytes:
        out.para(t("dkim_unsigned_bytes", n=result.unsigned_body_bytes))
    out.para(t("dkim_steps"))
    marks = {True: "ok  ", False: "FAIL", None: "info"}
    out.items(f"{marks[s.ok]} {s.rule} {s.what}: {s.detail}" for s in result.steps)
    reason = f" ({result.comment})" if result.comment else ""
    out.para(t("dkim_result", verdict=verdict, reason=reason, meaning=t.means("dkim", verdict)))
    findings = diagnose_signature(message, result)
    if findings:
        out.para(t("diagnosis"))
        out.items(f"[{d.code.value}] {t.diagnosis(d)}" for d in findings)


def _hashed_headers(out: _Writer, t: _Lang, message: Any, tags: dict, names: list[str]) -> None:
    """Display only: the header lines as the signature's canonicalization presents them to the hash (DKIM-20)."""
    if not names:
        return
    try:
        head_method, _ = parse_canon(tags.get("c"))
    except ValueError:
        return
    chosen = select_headers(index_headers(message.headers), names)
    if chosen:
        out.para(t("dkim_headers", method=head_method))
        lines = [canon_header(f.raw, head_method).decode("utf-8", "replace").rstrip("\r\n") for f in chosen]
        out.items(_shorten(line, WIDTH - 6) for line in lines)


def _dmarc(out: _Writer, t: _Lang, dmarc: Any) -> None:
    if dmarc.from_domain or dmarc.queries:  # no From domain, no discovery: say nothing rather than "?" and "(none)"
        _dmarc_queries(out, t, dmarc)
    _dmarc_record_and_result(out, t, dmarc)


def _dmarc_queries(out: _Writer, t: _Lang, dmarc: Any) -> None:
    out.para(t("dmarc_queries", domain=dmarc.from_domain or "?", method=dmarc.discovery_method, mode=dmarc.mode))
    rows = []
    for answer in dmarc.queries:
        found = [r.decode("utf-8", "replace") for r in answer.txt_joined()]
        shown = f': "{_shorten(found[0], 90)}"' if found else ""
        rows.append(f"{answer.rdtype} {answer.name} -> {answer.status.value}{shown}")
    out.items(rows or [t("dmarc_no_queries")])


def _dmarc_record_and_result(out: _Writer, t: _Lang, dmarc: Any) -> None:
    record = dmarc.record
    if record is not None:
        where = {"author": t("dmarc_at_author"), "organizational": t("dmarc_at_org")}.get(dmarc.found_at)
        where = where or t("dmarc_at_other", where=dmarc.found_at)
        out.para(t("dmarc_found", where=where, name=record.name, raw=record.raw))
        out.items(
            [
                t("dmarc_p", value=record.p, name=record.name),
                t("dmarc_sp", value=record.sp),
                t("dmarc_np", value=record.np),
                t("dmarc_modes", adkim=record.adkim, aspf=record.aspf),
            ]
        )
    if dmarc.org_domain:
        out.para(t("dmarc_org", domain=dmarc.from_domain, org=dmarc.org_domain))
    elif record is not None and record.adkim == "s" and record.aspf == "s":
        out.para(t("dmarc_strict_only"))
    if dmarc.alignment:
        out.para(t("dmarc_alignment"))
        out.items(_alignment_row(t, a, dmarc.from_domain) for a in dmarc.alignment)
    verdict = dmarc.verdict.value
    detail = t("dmarc_detail", detail=dmarc.detail.rstrip(".")) if dmarc.detail else ""
    out.para(t("dmarc_result", verdict=verdict, meaning=t.means("dmarc", verdict), detail=detail))
    if dmarc.policy and verdict == "pass":
        out.para(t("dmarc_policy_pass", policy=dmarc.policy))
    elif dmarc.policy and verdict == "fail":  # temperror/permerror apply no policy: do not name a disposition
        note = _policy_note(t, dmarc)
        out.para(
            t(
                "dmarc_policy",
                policy=dmarc.policy,
                effective=dmarc.effective_policy,
                disposition=dmarc.disposition,
                note=note,
            )
        )
    for warning in dmarc.warnings:
        out.para(t("dmarc_warning", text=warning))


def _policy_note(t: _Lang, dmarc: Any) -> str:
    if dmarc.effective_policy == "reject" and dmarc.disposition == "quarantine":
        return t("dmarc_no_reject")
    return "。" if t.lang == "ja" else "."


def _alignment_row(t: _Lang, a: Any, author: str) -> str:
    if a.identifier == "dkim":
        ident = t("align_dkim", domain=a.domain, selector=f" s={a.selector}" if a.selector else "")
    else:
        ident = t("align_spf", domain=a.domain)
    if a.aligned:
        verdict = t("align_counts", mode=a.mode)
    elif a.result != "pass":
        verdict = t("align_not_passed", result=a.result)
    elif a.domain_aligned is False:
        verdict = t("align_not_aligned", mode=a.mode, author=author)
    else:
        verdict = t("align_other")
    if a.note:
        verdict += f" ({a.note})"
    return f"{ident}: {verdict}"


def _ar(out: _Writer, t: _Lang, report: Any) -> None:
    """The field as written, then each entry explained from the same entries the field was built from."""
    out.para(t("ar_intro"))
    out.block(report.authentication_results.replace("\r\n", "\n"))
    rows = [t("ar_authserv", id=report.options.authserv_id.lower())]
    found = arheader.entries(spf=report.spf, spf_helo=report.spf_helo, dkim=report.dkim, dmarc=report.dmarc)
    for method, result, comment, props in found:
        meaning = t.means(method, result)
        line = f"{method}={result}: {meaning}" if meaning else f"{method}={result}"
        if props:
            words = (f"{ptype}.{name}={value}" for ptype, name, value in props)
            line += "; " + ", ".join(f"{w} ({t.properties.get(w.split('=', 1)[0], t.properties['?'])})" for w in words)
        if comment:
            line += "; " + t("ar_comment", text=f"({comment})")
        rows.append(line)
    out.items(rows)


def _summary(out: _Writer, t: _Lang, report: Any) -> None:
    spf = report.spf.result.value if report.spf is not None else t("not_checked")
    dkim = ", ".join(d.verdict.value + (f" (d={d.domain})" if d.domain else "") for d in report.dkim)
    dmarc = report.dmarc
    verdict = dmarc.verdict.value if dmarc is not None else t("not_checked")
    out.para(t("summary", spf=spf, dkim=dkim or t("not_checked"), dmarc=verdict, code=report.exit_code))
    if dmarc is not None and verdict == "pass":
        # one mention per identifier: two aligned signatures of one domain are "DKIM (example.com)", not twice
        via = t("and").join(dict.fromkeys(f"{a.identifier.upper()} ({a.domain})" for a in dmarc.alignment if a.aligned))
        out.para(t("summary_pass", domain=dmarc.from_domain, via=via))
    elif dmarc is not None and verdict == "fail":
        policy = dmarc.effective_policy or "none"
        out.para(
            t(
                "summary_fail",
                domain=dmarc.from_domain,
                policy=policy,
                disposition=dmarc.disposition,
                note=_policy_note(t, dmarc),
            )
        )
    elif dmarc is not None and verdict == "temperror":
        out.para(t("summary_temp"))
    for note in getattr(report, "notes", ()):
        out.para(t("note", text=note))


# --- text layout ---------------------------------------------------------------------------------------------


def _tag_value(name: str, value: str) -> str:
    value = " ".join(value.split())
    if name == "b":
        return value.replace(" ", "")[:16] + "..."
    if name in ("t", "x") and value.isdigit() and len(value) <= 12:
        stamp = datetime.fromtimestamp(int(value), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"{value} = {stamp}"
    if name == "h":
        return ", ".join(n.strip() for n in value.split(":"))
    return _shorten(value, 70)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _columns(text: str) -> int:
    """Terminal columns: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def title(self, text: str) -> None:
        self.lines += [text, "=" * min(_columns(text), WIDTH)]

    def heading(self, number: int, text: str) -> None:
        head = f"{number}. {text}"
        if self.lines and self.lines[-1] != "":
            self.lines.append("")
        self.lines += [head, "-" * min(_columns(head), WIDTH)]

    def para(self, text: str) -> None:
        self.lines += _wrap(text, "", "")

    def items(self, rows: Iterable[str]) -> None:
        for row in rows:
            self.lines += _wrap(row, "  - ", "    ")

    def block(self, text: str) -> None:
        self.lines += ["    " + line for line in text.splitlines()]

    def text(self) -> str:
        return "\n".join(self.lines).rstrip() + "\n"


def _wrap(text: str, first: str, rest: str) -> list[str]:
    if text.isascii():
        return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False) or [
            first.rstrip()
        ]
    # Japanese has no spaces between words: break by display width, preferring spaces when there are any
    lines: list[str] = []
    line = first
    width = _columns(first)
    for char in text:
        char_width = _columns(char)
        if width + char_width > WIDTH:
            cut = line.rfind(" ")
            # columns, not characters: a wide character takes two, so a late space has a small index
            if _columns(line[:cut]) > _columns(rest) + WIDTH // 2 and line[:cut].strip():
                lines.append(line[:cut])
                line = rest + line[cut + 1 :]
            else:
                lines.append(line)
                line = rest
            width = _columns(line)
        line += char
        width += char_width
    if line.strip():
        lines.append(line)
    return lines

"""Japanese sentences of the walkthrough, same keys as en.py, and the Japanese lessons of the samples.

The Japanese for text the core writes in English (step details, warnings, notes, diagnoses) is in ja_core.py."""

# ruff: noqa: E501  (prose tables: lines are re-wrapped for display)

TEXT = {
    "title": "ウォークスルー: このメッセージはどのように認証されたか",
    "lesson": "この例で学ぶこと: {text}",
    "h_envelope": "誰が送ったか: SMTP エンベロープと From ヘッダ",
    "h_spf": "SPF: {ip} は {domain} のメールを送ってよいか",
    "h_spf_none": "SPF",
    "h_dkim": "DKIM 署名 {n}/{total}: d={d} s={s}",
    "h_dkim_none": "DKIM",
    "h_dmarc": "DMARC: 認証されたドメインは From ドメイン {domain} と一致するか",
    "h_dmarc_unknown": "DMARC: From ドメインを特定できません",
    "h_ar": "Authentication-Results ヘッダの各項目",
    "h_summary": "まとめ",
    "client": "送信サーバーは {ip} から接続し、HELO/EHLO で {helo} と名乗りました。",
    "no_client": "接続元 IP が分からないため、SPF は評価できません。",
    "null_sender": "エンベロープ送信者 (MAIL FROM) は空 (<>) です。バウンスや自動通知のメールです。この場合、SPF は代わりに "
    "HELO 名を使った postmaster@{helo} を検査します (SPF-1)。",
    "mail_from": "エンベロープ送信者 (MAIL FROM、バウンスの送り先) は <{mail_from}> です。SPF はそのドメイン {domain} を"
    "検査します。",
    "from_field": "From ヘッダ (受信者に表示されるアドレス) は{value}です。",
    "raw_form": "メッセージ中の表記: {raw}",
    "subject": "件名 (Subject) は「{value}」です。",
    "no_from": "From ヘッダがありません。",
    "author": "したがって作成者ドメイン (Author Domain) は {domain} です。SPF と DKIM はそれぞれ何らかのドメインを認証し"
    "ます。DMARC は、そのどれかがこのドメインと一致 (整合) するかを確かめます。",
    "line_endings": "注意: ファイルの改行が CRLF ではありませんでした。検証器は{facts} (DKIM-22)。",
    "received_used": "--trust-received {n} の指定により、SMTP の情報を上から {n} 番目の Received ヘッダから取りました "
    "({sources})。",
    "received_field": "Received #{n}: 「{text}」",
    "received_problem": "{n} 番目の Received ヘッダから接続元 IP を取れませんでした: {problem}。接続元 IP がないので、"
    "SPF は送信者を判定できません。",
    "received_candidates": "接続元 IP を含む Received ヘッダ (1 が一番上、つまり最後に追加されたもの):",
    "received_candidate": "#{n}: [{ip}] HELO {helo}",
    "received_suggest": "一番上の Received は通常、自分の受信サーバーが付けたものです。外部のアドレスを記した最初の"
    "ヘッダは #{n} なので、次のように指定してください: --trust-received {n}",
    "received_none": "接続元 IP を含む Received ヘッダがありません。--ip (と --helo、--mail-from) で指定してください。",
    "spf_not_run": "SPF は検査していません。{notes}",
    "spf_identity": "検査対象: {who} (MAIL FROM が空なので、HELO のドメインで代用)。",
    "spf_record": '{domain} の TXT レコード: "{record}"',
    "spf_ledger": "DNS の問い合わせ履歴 (順番どおり。DNS を引く項は 10 個まで、SPF-14):",
    "spf_query": "{rdtype} {name} -> {status}{void}、{records} 件 ({term}){cost}",
    "spf_query_record": "SPF レコード自体の取得",
    "spf_void": " (空の応答)",
    "spf_cost": " [DNS を引く項 {n}/10]",
    "spf_event": "{event}: {name} {detail}",
    "spf_no_queries": "(DNS 問い合わせなし)",
    "spf_matched": "項を左から順に評価した結果、最初に一致したのは {term} でした。",
    "spf_matched_via": "項を左から順に評価した結果、最初に一致したのは {term} でした (経路: {chain})。",
    "spf_result": "SPF の結果: {verdict}。{meaning}。",
    "spf_result_no_ip": "SPF の結果: {verdict}。接続元 IP がないので、検査するものがありません。",
    "spf_exp": "ドメインによる説明: {text}",
    "spf_helo": "HELO 名 {domain} も別に検査しました: {verdict}。DMARC は HELO の結果を使いません (MAIL FROM が空の"
    "場合を除く)。",
    "dkim_not_run": "DKIM は検査していません。",
    "dkim_unsigned": "DKIM-Signature ヘッダがないため、検証するものがありません: dkim=none。",
    "dkim_tags": "DKIM-Signature のタグ:",
    "dkim_oversigned": "実際の数より多く h= に列挙されたヘッダ (オーバーサイン、DKIM-31): {names}。後から同じヘッダを追加"
    "すると署名が壊れるようにするための、意図した設定です。",
    "dkim_key": "鍵の取得: TXT {name} -> {status}{detail} (取得元: {source})。",
    "dkim_bh_skipped": "ボディハッシュ: 署名の bh= は {expected} です。それより前の段階で検査が止まったため、ボディの"
    "ハッシュは計算していません。",
    "dkim_cname": "この名前は {chain} の CNAME を経由して引かれました。鍵は別のゾーンにあります。Easy DKIM が顧客の"
    "セレクタを ESP のゾーンに向けるのと同じ仕組みです (SES-1)。",
    "dkim_key_type": "鍵の種類は {key_type}{bits}{testing}",
    "dkim_bits": "、{bits} ビット",
    "dkim_testing": "で、テストモード (t=y) です。",
    "dkim_headers": "ハッシュ対象のヘッダ ({method} 正規化後、同名のヘッダは下にあるものから、DKIM-20):",
    "dkim_bh": "ボディハッシュ: 署名の bh= は {expected}、受信したボディのハッシュは {computed} で、{outcome}",
    "dkim_bh_same": "一致します。",
    "dkim_bh_differ": "一致しません。ボディが署名後に変更されています。",
    "dkim_unsigned_bytes": "ボディのうち {n} オクテットは l= の範囲外で、署名されていません (DKIM-10)。",
    "dkim_steps": "検査の手順:",
    "mark_ok": "ok  ",
    "mark_fail": "失敗",
    "mark_info": "参考",
    "dkim_result": "DKIM の結果: {verdict}{reason}。{meaning}。",
    "diagnosis": "診断:",
    "dmarc_not_run": "DMARC は検査していません。",
    "h_arc": "ARC: 中継者たちが各ホップで保証した内容",
    "arc_intro": "このメッセージには ARC セットが {n} 組あります。封印 (シール) した中継者ごとに 1 組です (RFC 8617)。"
    "1 組は 3 つのヘッダからなります。ARC-Authentication-Results (AAR) はそのホップが受け取った時点の認証結果、"
    "ARC-Message-Signature (AMS) は送り出したメッセージへの署名、ARC-Seal (AS) はそこまでのチェーン全体への署名で、"
    "受け取ったチェーンに対する判定を cv= に記録します。",
    "arc_hop": "ホップ i={i}: {d} が封印しました (セレクタ {s}、{a})。検証サーバーの名乗りは {authserv_id} です。",
    "arc_aar": "受け取った時点の認証結果 (AAR): {aar}",
    "arc_cv_none": "cv=none: 最初に封印したホップで、それより前のチェーンはありません。",
    "arc_cv_pass": "cv=pass: 受け取ったチェーンは壊れていませんでした。",
    "arc_cv_fail": "cv=fail: 受け取った時点でチェーンはすでに壊れていました。",
    "arc_cv_other": "cv={cv}: RFC 8617 で認められていない値です。",
    "arc_ams_pass": "このホップのメッセージ署名 (AMS) は今も検証できます。メッセージはこのホップが送り出したままです。",
    "arc_ams_fail": "このホップのメッセージ署名 (AMS) はもう検証できません ({reason})。このホップの後でメッセージが変わりました。",
    "arc_ams_not_checked": "このホップのメッセージ署名 (AMS) は確かめる必要がありませんでした。より新しい署名をすでに確認しています。",
    "arc_as_pass": "このホップのシール (AS) は、ここまでのチェーンに対して検証できます。",
    "arc_as_fail": "このホップのシール (AS) は検証できません ({reason})。チェーンが改変されています。",
    "arc_as_not_checked": "このホップのシール (AS) は確かめていません。チェーンはすでに失敗していました。",
    "arc_pass": "チェーンは有効です: arc=pass (ARC-3)。",
    "arc_oldest_first": "すべてのホップのメッセージ署名が今も検証できます (oldest-pass は i=1)。メッセージは最初の中継者が"
    "送り出したときのままです。",
    "arc_oldest": "今も検証できる最も古いメッセージ署名は i={i} のものです (header.oldest-pass)。メッセージはホップ "
    "i={before} の封印の後、ホップ i={i} の封印の前に書き換えられました。調べるべきはその区間です。",
    "arc_fail": "チェーンは無効です: arc=fail ({reason})。{detail}失敗したチェーンは、チェーンがないものとして扱います "
    "(ARC-5)。以前の検査結果について、どの中継者の報告も当てにできません。",
    "arc_override": "{sealer} は信頼する封印者 (--arc-trusted) に含まれており、ホップ i={i} の AAR には整合した "
    "pass が記録されています: {evidence}。そのため DMARC の処置 (disposition) は none になり、理由は {reason} です "
    "(RFC 8617 §7.2)。DMARC の判定そのものは {verdict} のままです (ARC-5)。",
    "arc_could_override": "DMARC は fail ですが、チェーンは有効です。封印者を信頼できるなら、--arc-trusted {d} を指定すると"
    "その AAR で判断できます。整合した pass が記録されていれば、処置は none になります (ローカルポリシー、ARC-5)。",
    "arc_not_trusted": "信頼する封印者 (--arc-trusted) のうち、整合した pass を記録したものはありません。DMARC の処置は"
    "そのままです。",
    "dmarc_queries": "作成者ドメイン: {domain}。ポリシーの探索 ({method}、モード {mode}) で問い合わせた名前:",
    "dmarc_no_queries": "(問い合わせなし)",
    "dmarc_found": 'ポリシーレコードは{where}で見つかりました ({name}): "{raw}"',
    "dmarc_at_author": "作成者ドメイン自身",
    "dmarc_at_org": "組織ドメイン (Organizational Domain) ",
    "dmarc_at_other": " {where} ",
    "dmarc_p": "p={value}: {name} からのメールが DMARC に失敗したときの扱い",
    "dmarc_sp": "sp={value}: 独自のレコードを持たない既存のサブドメインに適用",
    "dmarc_np": "np={value}: 存在しないサブドメインに適用",
    "dmarc_modes": "adkim={adkim}、aspf={aspf}: DKIM と SPF の整合モード (s = 厳密: ドメインが完全に同じ、r = 緩やか: "
    "組織ドメインが同じ)",
    "dmarc_org": "{domain} の組織ドメインは {org} です。",
    "dmarc_strict_only": "整合モードが両方とも厳密なので、完全に同じドメインだけが認められ、組織ドメインを求める必要は"
    "ありません (DMARC-15)。",
    "dmarc_alignment": "認証された各識別子と From ドメインとの整合:",
    "align_dkim": "DKIM d={domain}{selector}",
    "align_spf": "SPF の MAIL FROM ドメイン {domain}",
    "align_counts": "pass し、整合している ({mode}): DMARC の判定に使われる",
    "align_not_passed": "pass していない ({result}): DMARC の判定には使われない",
    "align_not_aligned": "pass したが {author} と整合しない ({mode})",
    "align_other": "pass したが DMARC の判定には使われない",
    "mode_strict": "厳密",
    "mode_relaxed": "緩やか",
    "dmarc_result": "DMARC の結果: {verdict}。{meaning}。{detail}",
    "dmarc_detail": "今回は、{detail}。",
    "dmarc_policy": "このドメインが公開しているポリシーは {policy}、t= や pct による引き下げを反映した実際のポリシーは "
    "{effective} です。推奨する扱い: {disposition}{note}",
    "dmarc_no_reject": " (p=reject だけを理由に受信拒否はしません、DMARC-11)。",
    "dmarc_policy_pass": "公開ポリシー ({policy}) は DMARC に失敗したメールにだけ適用されます。このメッセージは pass "
    "したので、通常どおり配送されます。",
    "dmarc_warning": "警告: {text}。",
    "ar_intro": "検証器がメッセージの先頭に追加するヘッダ (RFC 8601):",
    "ar_authserv": "{id}: authserv-id (検査を行ったサーバーの名前)",
    "ar_comment": "コメント {text}",
    "summary": "SPF {spf} / DKIM {dkim} / DMARC {dmarc} / 終了コード {code}",
    "summary_pass": "From ドメイン {domain} は {via} によって認証されました。",
    "summary_fail": "{domain} と整合する認証結果がありません。DMARC に失敗したメールに対するこのドメインのポリシーは "
    "{policy}、推奨する扱いは {disposition} です{note}",
    "summary_temp": "一時的な DNS エラーのため、DMARC は結論を出せませんでした。ポリシーは適用しません。後で再試行して"
    "ください。",
    "summary_spoof": "SPF が pass したのは {spf_domain} についてであり、From のアドレス ({author}) については何も証明して"
    "いません。From のドメインと整合しない pass は数に入りません。DMARC はまさにこの種のなりすましを見抜くための仕組みです。",
    "not_checked": "未検査",
    "note": "注: {text}",
    "and": " と ",
    "do": "対処: {text}",
    # what to do after a failing verdict (advice.py picks one)
    "do_spf_fail": "{ip} が本当に {domain} のメールを送るサーバーなら、SPF レコードに追加してください (ip4:/ip6: か、"
    "送信サービスの include:)。転送やメーリングリストを経由したメールでは SPF は失敗するのが普通なので、その場合は"
    " DKIM 署名で DMARC を満たします。",
    "do_spf_neutral": "SPF レコードは {ip} について何も述べていません。正規の送信元をすべて列挙したら、~all か -all "
    "で終えてください。",
    "do_spf_client": "接続元 IP を指定してください: --ip か、自分の境界 MX が付けた Received ヘッダを指す "
    "--trust-received N です。",
    "do_spf_none": "{domain} に SPF レコードを公開してください (例: v=spf1 include:<送信サービス> ~all)。",
    "do_spf_temperror": "一時的な DNS エラーです。後で再試行し、続くようなら {domain} のネームサーバーを確認してください。",
    "do_spf_lookups": "DNS を引く項を 10 個以下に減らしてください (include を展開して ip4:/ip6: に置き換えるなど、SPF-14)。",
    "do_spf_void": "存在しない名前を指す項を SPF レコードから削除してください (空の応答は 2 個まで、SPF-14)。",
    "do_spf_multiple": "v=spf1 のレコードは一つだけにしてください。複数あるなら一つにまとめます (SPF-4)。",
    "do_spf_syntax": "SPF レコードの構文を直してください (emlauth spf で確認できます、SPF-5)。",
    "do_spf_target": "include や redirect の先に SPF レコードがありません。その項を直すか削除してください (SPF-8、SPF-9)。",
    "do_spf_permerror": "SPF レコードを直してください (emlauth spf で確認できます)。",
    "do_dkim_body": "署名後にボディが変更されました。メーリングリストやゲートウェイがフッターを付けるなら、そこで署名し直す"
    "か ARC を付けてもらってください。自分の送信経路なら、ボディを変更する最後の処理の後で署名してください。",
    "do_dkim_header": "署名後に署名対象のヘッダが書き換えられました。書き換えている中継サーバーを特定する (上の診断を参照) "
    "か、その後で署名してください。",
    "do_dkim_no_key": "{name} に公開鍵を公開するか (emlauth records で出力できます)、署名側の s= と d= を直してください。",
    "do_dkim_revoked": "署名側が失効した鍵のセレクタを使い続けています。現在の鍵のセレクタに切り替えてください (DKIM-36)。",
    "do_dkim_expired": "検証の時点で署名の有効期限が切れていました。x= を長くするか付けないようにし、署名サーバーの"
    "時計も確認してください (DKIM-11)。",
    "do_dkim_clock": "署名サーバーの時計を合わせてください (DKIM-11)。",
    "do_dkim_sha1": "rsa-sha256 か ed25519-sha256 で署名してください (DKIM-5)。",
    "do_dkim_short_key": "2048 ビットの鍵を新しいセレクタで公開し、署名をそれに切り替えてください (DKIM-34)。",
    "do_dkim_from": "h= に From を含めて署名してください (DKIM-9)。",
    "do_dkim_temperror": "後で再試行してください。続くようなら {domain} のネームサーバーを確認してください。",
    "do_dkim_permerror": "署名そのものに欠陥があります ({reason})。署名側の設定を直してください。",
    "do_dmarc_spf_unaligned": "SPF は {spf_domain} について pass しましたが、{author} とは整合しません。{author} の下に"
    "カスタム MAIL FROM (例: bounce.{author}) を設定し、その SPF で送信サービスを include してください (SES-6、SES-7)。",
    "do_dmarc_dkim_unaligned": "DKIM は d={dkim_domain} について pass しましたが、{author} とは整合しません。送信サービスに"
    "自分のドメイン d={author} で署名させてください (Easy DKIM や BYODKIM など)。",
    "do_dmarc_dkim_failed": "{author} と整合する署名 d={dkim_domain} が失敗しました。上の DKIM の診断と対処を見てください。",
    "do_dmarc_testing": "署名は動いています。鍵レコードから t=y を外せば DMARC の判定に使われます (DKIM-18)。",
    "do_dmarc_strict": "adkim=s や aspf=s は From と完全に同じドメインを求めます。d={author} で署名するか {author} の "
    "MAIL FROM を使うか、厳密である必要がなければ adkim=r、aspf=r にしてください。",
    "do_dmarc_nothing": "{author} を保証するものが何もありません。自分のメールなら d={author} で署名し、SPF に載っている"
    "サーバーから送ってください。そうでなければ、これはなりすましで、ドメインのポリシー ({policy}) がそのとおりに働い"
    "ています。",
    "do_dmarc_author": "From ヘッダを一つにし、アドレスも一つだけにしてください (DMARC-1)。",
    "do_dmarc_temperror": "一時的な DNS エラーです。後で再試行してください。ポリシーは適用されていません (DMARC-7)。",
    "do_dmarc_permerror": "DMARC を評価できませんでした ({detail})。From ヘッダか、_dmarc.{author} のレコードを直して"
    "ください。",
}

LESSONS = {
    "all-pass": "すべてがそろった例です。ESP はカスタム MAIL FROM (mail.example.com) で送信し、その SPF は ESP を include "
    "しています。メッセージには example.com の整合した DKIM 署名が二つ (RSA 2048 と Ed25519) あります。SPF、DKIM、DMARC "
    "のすべてが pass します。",
    "ses-easy-dkim": "ESP の既定の MAIL FROM (amazonses.example.net) の例です。SPF は pass しますが ESP のドメインについて"
    "なので、整合しません (SES-7)。それでも Easy DKIM の署名 (d=example.com、セレクタは ESP のゾーンへの CNAME) に"
    "よって DMARC は pass します。ESP 自身の d=esp.example.net の署名も pass しますが、整合はしません。",
    "third-party-dkim": "ESP だけが自分の d=esp.example.net で署名し、MAIL FROM も ESP のものです。SPF と DKIM はどちらも "
    "pass しますが、どちらも From の example.com と整合しないので DMARC は fail です (p=none なので配送はするが、"
    "レポートで知らせる)。",
    "forwarded": "転送サーバーがメッセージを変更せずに自分の IP から送り直した例です。example.org の SPF は fail (-all) "
    "になりますが、署名対象は何も変わっていないので DKIM 署名は生き残り、p=reject でも DMARC は pass します。",
    "mailing-list-arc": "ARC がメーリングリスト経由のメールを救う例です。(1) 卒業生向けの転送サービスが Bob のメールを"
    "転送し、ARC で封印します。その AAR には SPF、DKIM、DMARC の pass が記録されます。(2) チームのメーリングリストが"
    "フッターを付け加えるため DKIM のボディハッシュが一致しなくなり、リストが改めて封印します。受信側では DKIM も DMARC "
    "も fail です (p=reject)。(3) それでも ARC チェーンは有効で、oldest-pass は i=2 (書き換えたのはリスト) です。転送"
    "サービスを信頼する (--arc-trusted forwarder.test) と、記録された DMARC pass によって処置が none になります "
    "(trusted_forwarder、RFC 8617 §7.2)。",
    "mailing-list": "メーリングリストがフッターを付け加えた例です。ボディハッシュが一致しなくなり (DKIM fail)、リスト"
    "自身の SPF は pass しますが example.org とは整合せず、p=reject の下で DMARC は fail します。診断がフッターを"
    "見つけます。",
    "tampered-header": "署名後に誰かが件名を書き換えた例です。ボディハッシュは一致したままですが、ヘッダの署名が検証"
    "できません。SPF は ESP のドメインについてだけ pass するので、DMARC は fail します。",
    "spoofed-from": "なりすまし犯が From に ceo@example.org を使った例です。自分のドメイン spoofer.test で SPF は pass "
    "しますが、それは From について何も証明しません。DKIM 署名はなく、DMARC は fail し、example.org は reject を"
    "求めています。教訓: SPF や DKIM の pass は、そのドメインが From と整合して初めて意味を持ちます。",
    "null-sender-bounce": "バウンスメールは MAIL FROM が空 (<>) なので、SPF は代わりに postmaster@<HELO 名> を検査します "
    "(SPF-1)。mx.example.com は pass し、その組織ドメインは From と同じ example.com なので、DKIM がなくても DMARC は "
    "pass します。",
    "revoked-key": "署名は、空の p= で失効させたセレクタ old の鍵を使っています: DKIM permerror。SPF は pass し整合も"
    "している (example.com 自身のサーバーから MAIL FROM it@example.com で送信) ので、DMARC は pass します。",
    "expired-signature": "署名に x= (署名の 1 時間後) があり、2 日後に検証した例です: DKIM permerror (DKIM-11)。SPF は "
    "ESP のもので整合しないため、DMARC は fail します。",
    "strict-alignment": "strict.example.org は adkim=s と aspf=s を公開しています。SPF は example.org について、DKIM は "
    "d=example.org について pass します。組織ドメインが同じなので緩やかな整合なら通りますが、厳密な整合は From と"
    "完全に同じドメインを求めます。DMARC は fail、p=quarantine です。",
    "subdomain-sp": "From が shop.example.org の例です。このサブドメインは存在しますが、独自の DMARC レコードはありません。"
    "ポリシーは example.org のレコードから取られ、その sp=quarantine が適用されます (DMARC-8)。",
    "nonexistent-np": "From が ghost.example.org で、この名前は DNS に存在しません (NXDOMAIN)。example.org の np=reject が"
    "適用されます (DMARC-8、DMARC-9)。",
    "testing-key": "t=y (テストモード) で公開した 1024 ビットの鍵で署名した例です。署名は検証できますが、テストモードの "
    "pass は DMARC の判定に使われません (DKIM-18)。SPF は ESP のものなので DMARC は fail します。診断は RSA-1024 と"
    "テストモードについて警告します。",
    "body-length": "署名に l= (ボディ長) があり、署名後にテキストが追加された例です。署名されているのは最初の l= "
    "オクテットだけなので DKIM は pass しますが、ウォークスルーと診断は署名されていない部分を指摘します。",
    "dns-temperror": "DKIM の鍵の問い合わせが SERVFAIL で失敗します (samples/zones/faults.txt): DKIM temperror。SPF は"
    "整合しないので整合した pass がなく、DNS エラーのため結論が出ません: DMARC temperror (DMARC-7)、ポリシーは適用"
    "しません。",
}

MEANING = {
    "spf": {
        "pass": "接続元 IP はこのドメインのメールを送ることを許可されています",
        "fail": "ドメインはこの IP を許可していないと明言しています (-all)",
        "softfail": "ドメインはこの IP をおそらく許可していないと述べています (~all)。通常は受け取ったうえで印を付けます",
        "neutral": "ドメインはこの IP について何も述べていません",
        "none": "ドメインは SPF レコードを公開していません (または名前が存在しません)",
        "temperror": "一時的な DNS エラーで検査が止まりました。後で再試行してください",
        "permerror": "SPF レコードに誤りがあります (構文、問い合わせ回数の超過など)",
    },
    "dkim": {
        "pass": "署名は正しく、署名ドメインがこれらのヘッダとボディを保証しています",
        "fail": "署名が検証できません。署名後にメッセージが変更されています",
        "permerror": "署名をそもそも検証できません (不正なタグ、鍵がない、鍵の失効、期限切れなど)",
        "temperror": "一時的な DNS エラーで鍵を取得できませんでした",
        "none": "メッセージに署名がありません",
        "policy": "署名は正しいものの、受信側の方針で受け入れられません",
        "neutral": "署名を判定できませんでした",
    },
    "dmarc": {
        "pass": "pass した識別子 (SPF または DKIM) の少なくとも一つが From ドメインと整合しています",
        "fail": "From ドメインと整合する、pass した識別子がありません",
        "none": "From ドメインは DMARC ポリシーを公開していないので、DMARC は適用されません",
        "temperror": "DNS エラーのため DMARC は結論を出せませんでした。ポリシーは適用しません",
        "permerror": "DMARC を評価できませんでした (From のアドレスが複数ある、レコードが使えないなど)",
    },
}

TAGS = {
    "v": "署名のバージョン (常に 1)",
    "a": "アルゴリズム: ハッシュの署名方式",
    "c": "正規化 (ヘッダ/ボディ): 転送中の書式の変化をどこまで許すか",
    "d": "署名ドメイン (SDID): 責任を持つドメイン",
    "s": "セレクタ: そのドメインのどの鍵か。<s>._domainkey.<d> で公開",
    "t": "署名時刻",
    "x": "有効期限: これを過ぎると署名は無効",
    "h": "署名の対象となるヘッダ (ハッシュする順。ヘッダ内ではコロン区切り)",
    "bh": "ボディハッシュ: 正規化したボディの SHA-256 (base64)",
    "b": "署名そのもの (base64、ここでは途中まで)",
    "l": "ボディ長: 正規化したボディのうち、このオクテット数だけが署名の対象",
    "i": "エージェントまたは利用者の識別子 (AUID)、d= の範囲内",
    "q": "鍵の問い合わせ方法 (dns/txt)",
    "z": "署名したヘッダの写し (診断用のみ)",
    "?": "未知のタグ。意味は無視されるが、ハッシュには含まれる",
}

PROPERTIES = {
    "smtp.mailfrom": "SPF が検査した MAIL FROM のドメイン",
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

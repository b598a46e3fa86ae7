"""English sentences of the walkthrough. Values are str.format templates; keys are shared with ja.py."""

TEXT = {
    "title": "Walkthrough: how this message was authenticated",
    "lesson": "The lesson of this sample: {text}",
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
    "raw_form": "as written in the message: {raw}",
    "subject": "The Subject is: {value}",
    "no_from": "The message has no From header.",
    "author": "So the Author Domain is {domain}. SPF and DKIM each authenticate some domain; DMARC then asks whether "
    "one of those domains lines up (aligns) with this one.",
    "line_endings": "Note: the file had non-CRLF line endings; the verifier {facts} (DKIM-22).",
    "received_used": "--trust-received {n}: the SMTP facts come from Received field #{n} (counting from the top): "
    "{sources}.",
    "received_field": "Received #{n}: {text}",
    "received_problem": "Received field #{n} gave no client IP: {problem}. Without it SPF cannot judge the sender.",
    "received_candidates": "The Received fields that carry a client IP (1 = topmost, the last one added):",
    "received_candidate": "#{n}: [{ip}] HELO {helo}",
    "received_suggest": "The topmost field is normally your own server's; the first one naming an outside address is "
    "#{n}, so try: --trust-received {n}",
    "received_none": "No Received field carries a client IP; give it with --ip (and --helo, --mail-from).",
    "spf_not_run": "SPF was not checked. {notes}",
    "spf_identity": "Identity: {who} (null reverse-path, so the HELO domain stands in).",
    "spf_record": 'The TXT record of {domain} is: "{record}"',
    "spf_ledger": "DNS queries, in order (the ledger; at most 10 terms may cause lookups, SPF-14):",
    "spf_query": "{rdtype} {name} -> {status}{void}, {records} record(s), for {term}{cost}",
    "spf_query_record": "the SPF record itself",
    "spf_void": " (void)",
    "spf_cost": " [lookup {n}/10]",
    "spf_event": "{event}: {name} {detail}",
    "spf_no_queries": "(no DNS queries)",
    "spf_matched": "Evaluated left to right, the first term that matched was {term}.",
    "spf_matched_via": "Evaluated left to right, the first term that matched was {term} (via {chain}).",
    "spf_result": "SPF result: {verdict}: {meaning}.",
    "spf_result_no_ip": "SPF result: {verdict}: without a client IP there is nothing to check.",
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
    "mark_ok": "ok  ",
    "mark_fail": "FAIL",
    "mark_info": "info",
    "dkim_result": "DKIM result: {verdict}{reason}: {meaning}.",
    "diagnosis": "Diagnosis:",
    "dmarc_not_run": "DMARC was not checked.",
    "h_arc": "ARC: what the intermediaries vouched for, hop by hop",
    "arc_intro": "The message carries {n} ARC set(s), one per intermediary that sealed it (RFC 8617). Each set is "
    "three fields: ARC-Authentication-Results (AAR, what that hop saw when the message arrived), "
    "ARC-Message-Signature (AMS, its signature of the message as it passed it on) and ARC-Seal (AS, its signature "
    "over the chain so far, with cv=, its verdict on the chain it received).",
    "arc_hop": "Hop i={i}: sealed by {d} (selector {s}, {a}), whose verifier calls itself {authserv_id}.",
    "arc_aar": "What it saw on arrival (its AAR): {aar}",
    "arc_cv_none": "cv=none: it was the first to seal; there was no chain before it.",
    "arc_cv_pass": "cv=pass: the chain it received was intact.",
    "arc_cv_fail": "cv=fail: the chain it received was already broken.",
    "arc_cv_other": "cv={cv}: not a value RFC 8617 allows.",
    "arc_ams_pass": "Its message signature (AMS) still verifies: the message is as this hop passed it on.",
    "arc_ams_fail": "Its message signature (AMS) no longer verifies ({reason}): the message changed after this hop.",
    "arc_ams_not_checked": "Its message signature (AMS) was not needed: a later one was already checked.",
    "arc_as_pass": "Its seal (AS) verifies over the chain up to this hop.",
    "arc_as_fail": "Its seal (AS) does not verify ({reason}): the chain was altered.",
    "arc_as_not_checked": "Its seal (AS) was not checked: the chain had already failed.",
    "arc_pass": "The chain validates: arc=pass (ARC-3).",
    "arc_oldest_first": "Every hop's message signature still verifies (oldest pass i=1): the message is as the "
    "first intermediary passed it on.",
    "arc_oldest": "The oldest message signature that still verifies is i={i} (header.oldest-pass): the message "
    "was changed after hop i={before} sealed it, and before hop i={i} did. That is where to look.",
    "arc_fail": "The chain does not validate: arc=fail ({reason}). {detail} A failed chain counts as no chain "
    "(ARC-5): nobody's account of the earlier checks can be taken.",
    "arc_override": "{sealer} is among the sealers you trust (--arc-trusted), and hop i={i} recorded an aligned "
    "pass in its AAR: {evidence}. So the DMARC disposition becomes none, with the reason {reason} (RFC 8617 "
    "§7.2). The DMARC verdict itself stays {verdict} (ARC-5).",
    "arc_could_override": "DMARC failed, but the chain validates. If you trust the sealer, --arc-trusted {d} lets "
    "its AAR decide: when it recorded an aligned pass, the disposition becomes none (local policy, ARC-5).",
    "arc_not_trusted": "None of the sealers you trust (--arc-trusted) recorded an aligned pass, so DMARC's "
    "disposition stands.",
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
    "mode_strict": "strict",
    "mode_relaxed": "relaxed",
    "summary_spoof": "SPF passed for {spf_domain}, which proves nothing about the From address ({author}): a pass "
    "counts only when its domain aligns with From. This is the spoofing DMARC exists to catch.",
    "do": "What to do: {text}",
    "do_spf_fail": "If {ip} really sends mail for {domain}, add it to the SPF record (ip4:/ip6:, or the include: of "
    "your provider). Forwarders and mailing lists break SPF by design; for that mail, a DKIM signature carries DMARC.",
    "do_spf_neutral": "The SPF record says nothing about {ip}: once every legitimate sender is listed, end it with "
    "~all or -all.",
    "do_spf_client": "Give the client IP: --ip, or --trust-received N naming the Received field your own border "
    "MX wrote.",
    "do_spf_none": "Publish an SPF record for {domain}, e.g. v=spf1 include:<your provider> ~all.",
    "do_spf_temperror": "A temporary DNS error: retry later; if it persists, check the name servers of {domain}.",
    "do_spf_lookups": "Bring the DNS-querying terms down to 10 or fewer, e.g. by replacing includes with ip4:/ip6: "
    "(SPF-14).",
    "do_spf_void": "Remove the terms that point at names that do not exist (at most 2 void lookups, SPF-14).",
    "do_spf_multiple": "Publish exactly one v=spf1 record: merge them (SPF-4).",
    "do_spf_syntax": "Fix the SPF record's syntax (emlauth spf checks it, SPF-5).",
    "do_spf_target": "An include or redirect target has no SPF record: fix or remove that term (SPF-8, SPF-9).",
    "do_spf_permerror": "Fix the SPF record (emlauth spf checks it).",
    "do_dkim_body": "The body changed after signing. If a mailing list or gateway adds a footer, have it re-sign or "
    "add ARC; on your own path, sign after the last step that changes the body.",
    "do_dkim_header": "A signed header field was rewritten after signing: find the relay that rewrites it (see the "
    "diagnosis), or sign after it.",
    "do_dkim_no_key": "Publish the public key at {name} (emlauth records prints it), or fix s= and d= in the signer.",
    "do_dkim_revoked": "The signer still uses the selector of a revoked key: switch it to the current key's selector "
    "(DKIM-36).",
    "do_dkim_expired": "The signature had expired when it was checked: use a longer x= or none, and check the signer's "
    "clock (DKIM-11).",
    "do_dkim_clock": "Set the signing server's clock right (DKIM-11).",
    "do_dkim_sha1": "Sign with rsa-sha256 or ed25519-sha256 (DKIM-5).",
    "do_dkim_short_key": "Publish a 2048-bit key under a new selector and sign with it (DKIM-34).",
    "do_dkim_from": "Sign with From in h= (DKIM-9).",
    "do_dkim_temperror": "Retry later; if it persists, check the name servers of {domain}.",
    "do_dkim_permerror": "The signature itself is defective ({reason}): fix the signer's configuration.",
    "do_dmarc_spf_unaligned": "SPF passed for {spf_domain}, which does not align with {author}: set a custom MAIL FROM "
    "under {author} (e.g. bounce.{author}) whose SPF includes your sender (SES-6, SES-7).",
    "do_dmarc_dkim_unaligned": "DKIM passed for d={dkim_domain}, which does not align with {author}: have the sender "
    "sign with your own d={author} (Easy DKIM, BYODKIM or your own key).",
    "do_dmarc_dkim_failed": "The signature that would align, d={dkim_domain}, failed: see its diagnosis and what to do "
    "above.",
    "do_dmarc_testing": "Signing works: remove t=y from the key record and the pass will count for DMARC (DKIM-18).",
    "do_dmarc_strict": "adkim=s or aspf=s demand the exact From domain: sign with d={author} or use a MAIL FROM in "
    "{author}, or relax the record to adkim=r, aspf=r if strictness is not needed.",
    "do_dmarc_nothing": "Nothing vouches for {author}. If this is your mail, sign it with d={author} and send it from "
    "servers in its SPF record. If it is not, this is spoofing, and the domain's policy ({policy}) is doing its job.",
    "do_dmarc_author": "Give the message exactly one From field with one address in it (DMARC-1).",
    "do_dmarc_temperror": "A temporary DNS error: retry later. No policy was applied (DMARC-7).",
    "do_dmarc_permerror": "DMARC could not be evaluated ({detail}): fix the From field or the record at "
    "_dmarc.{author}.",
}

MEANING = {
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

TAGS = {
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

PROPERTIES = {
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

"""Verification (DKIM-1..22, 37, 38): one test per way a signature can end, and every DkimReason reachable."""

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from toolkit.core.dkim import DkimBudget, DkimReason, SignerConfig, sign, verify
from toolkit.core.message import parse_message
from toolkit.core.results import Verdict

NOW = 1_700_000_000
REASONS_SEEN: set[DkimReason] = set()  # filled by the tests below, checked by test_every_reason_is_reachable


def crafted(message: bytes, **tags: str | None) -> bytes:
    """A DKIM-Signature with chosen tags (None drops one) on top of the message; b= is not a real signature."""
    base = {
        "v": "1",
        "a": "rsa-sha256",
        "c": "relaxed/relaxed",
        "d": "example.com",
        "s": "rsa",
        "t": str(NOW),
        "h": "from:to:subject",
        "bh": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        "b": "dGhpcyBpcyBub3QgYSBzaWduYXR1cmU=",
    }
    base.update(tags)
    text = "; ".join(f"{k}={v}" for k, v in base.items() if v is not None)
    return f"DKIM-Signature: {text}\r\n".encode() + message


def check(message: bytes, resolver, verdict: Verdict, reason: DkimReason | None, **kw):
    results = verify(parse_message(message), resolver, NOW, **kw)
    assert len(results) >= 1
    first = results[0]
    assert (first.verdict, first.reason) == (verdict, reason), first.steps
    if reason is not None:
        REASONS_SEEN.add(reason)
        assert first.comment
        assert reason is DkimReason.NO_SIGNATURE or any(step.ok is False for step in first.steps)
    return results


def signed(keys, selector="rsa", key=None, now=NOW, message=None, **config) -> bytes:
    key = key or {"rsa": keys.rsa, "ed": keys.ed, "rsa1024": keys.rsa1024}[selector]
    return sign(message or keys.MESSAGE, [SignerConfig("example.com", selector, key, **config)], now)


# --- pass --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("selector", ["rsa", "ed", "rsa1024"])
def test_pass_and_evidence(keys, selector):
    (result,) = check(signed(keys, selector), keys.resolver(), Verdict.PASS, None)
    assert result.domain == "example.com" and result.selector == selector
    assert result.identity == "@example.com"
    assert result.algorithm == ("ed25519-sha256" if selector == "ed" else "rsa-sha256")
    assert len(result.b_prefix) >= 8
    assert result.body_hash_expected == result.body_hash_computed
    assert result.key_answer is not None and result.key_answer.name == f"{selector}._domainkey.example.com"
    assert "from" in result.signed_headers
    assert {s.rule for s in result.steps} >= {"DKIM-4", "DKIM-15", "DKIM-19", "DKIM-21"}
    assert result.to_json()["result"] == "pass"


def test_unsigned_message_gives_one_none(keys):
    (result,) = check(keys.MESSAGE, keys.resolver(), Verdict.NONE, DkimReason.NO_SIGNATURE)
    assert result.to_json()["reason"] == "NO_SIGNATURE"


def test_dkim18_testing_flag_reported(keys):
    resolver = keys.resolver(**{"rsa._domainkey.example.com": {"TXT": [[keys.record(keys.rsa, "t=y")]]}})
    (result,) = check(signed(keys), resolver, Verdict.PASS, None)
    assert result.testing and "testing" in result.comment


# --- fail --------------------------------------------------------------------------------------------------


def test_tampered_body_fails(keys):
    message = signed(keys).replace(b"new  place", b"old  place")
    (result,) = check(message, keys.resolver(), Verdict.FAIL, DkimReason.BODY_HASH_MISMATCH)
    assert result.body_hash_expected != result.body_hash_computed
    assert result.comment == "body hash did not verify"


def test_relaxed_body_survives_whitespace_changes(keys):
    message = signed(keys).replace(b"new  place", b"new \t place")
    check(message, keys.resolver(), Verdict.PASS, None)


def test_tampered_header_fails(keys):
    message = signed(keys).replace(b"Subject: Lunch", b"Subject: Dinner")
    (result,) = check(message, keys.resolver(), Verdict.FAIL, DkimReason.SIGNATURE_MISMATCH)
    assert result.comment == "bad signature"


def test_dkim31_added_from_above_breaks_oversigned_signature(keys):
    message = signed(keys)
    forged = b"From: Mallory <ceo@example.com>\r\n" + message
    check(forged, keys.resolver(), Verdict.FAIL, DkimReason.SIGNATURE_MISMATCH)
    # a signature without oversigning does not notice (that is why we oversign)
    plain = signed(keys, oversign=())
    check(b"From: Mallory <ceo@example.com>\r\n" + plain, keys.resolver(), Verdict.PASS, None)


def test_unsigned_header_may_change(keys):
    message = signed(keys).replace(b"Received: from mx.example.net", b"Received: from relay.example.net")
    check(message, keys.resolver(), Verdict.PASS, None)


def test_wrong_key_published(keys):
    resolver = keys.resolver(**{"rsa._domainkey.example.com": {"TXT": [[keys.record(keys.rsa_other)]]}})
    check(signed(keys), resolver, Verdict.FAIL, DkimReason.SIGNATURE_MISMATCH)


# --- l= ----------------------------------------------------------------------------------------------------


def test_dkim10_appended_content_passes_with_unsigned_bytes(keys):
    message = signed(keys, body_length=True) + b"Buy now!\r\n"
    (result,) = check(message, keys.resolver(), Verdict.PASS, None)
    # the two trailing empty lines stop being trailing, so they count too
    assert result.unsigned_body_bytes == len(b"\r\n\r\nBuy now!\r\n")
    assert "unsigned" in result.comment
    assert any(s.rule == "DKIM-10" and s.ok is None for s in result.steps)


def test_dkim10_l_larger_than_body(keys):
    message = signed(keys, body_length=True).replace(b"\r\nshall we\t try the new  place?\r\n", b"\r\n")
    check(message, keys.resolver(), Verdict.PERMERROR, DkimReason.BODY_LENGTH_TOO_LARGE)


# --- tags: permerror before any DNS -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "reason"),
    [
        ({"v": "2"}, DkimReason.BAD_VERSION),
        ({"bh": None}, DkimReason.MISSING_TAG),
        ({"d": None}, DkimReason.MISSING_TAG),
        ({"a": "rsa-sha1"}, DkimReason.ALGORITHM_SHA1),
        ({"a": "rsa-sha512"}, DkimReason.UNKNOWN_ALGORITHM),
        ({"c": "fancy/simple"}, DkimReason.BAD_CANONICALIZATION),
        ({"d": "exa mple..com"}, DkimReason.BAD_DOMAIN),
        ({"d": "bücher.example"}, DkimReason.BAD_DOMAIN),  # DKIM-7: A-labels only
        ({"s": "bad/selector"}, DkimReason.BAD_SELECTOR),
        ({"i": "user@example.org"}, DkimReason.IDENTITY_OUTSIDE_DOMAIN),
        ({"i": "user@notexample.com"}, DkimReason.IDENTITY_OUTSIDE_DOMAIN),
        ({"i": "no-at-sign"}, DkimReason.IDENTITY_OUTSIDE_DOMAIN),
        ({"h": "to:subject"}, DkimReason.FROM_NOT_SIGNED),
        ({"h": "from::to"}, DkimReason.BAD_HEADER_LIST),
        ({"l": "12a"}, DkimReason.BAD_BODY_LENGTH),
        ({"l": "1" * 77}, DkimReason.BAD_BODY_LENGTH),
        ({"t": "yesterday"}, DkimReason.BAD_TIMESTAMP),
        ({"t": None, "x": str(NOW - 1000)}, DkimReason.EXPIRED),
        ({"t": str(NOW + 1000)}, DkimReason.FUTURE_TIMESTAMP),
        ({"t": str(NOW - 10), "x": str(NOW - 10)}, DkimReason.EXPIRE_NOT_AFTER_TIMESTAMP),
        ({"t": str(NOW - 10), "x": str(NOW - 20)}, DkimReason.EXPIRE_NOT_AFTER_TIMESTAMP),
        ({"q": "http/well-known"}, DkimReason.BAD_QUERY_METHOD),
        ({"bh": "!!!!"}, DkimReason.BAD_BASE64),
        ({"b": "not base64 at all?"}, DkimReason.BAD_BASE64),
    ],
)
def test_tag_permerrors(keys, tags, reason):
    resolver = keys.resolver()
    check(crafted(keys.MESSAGE, **tags), resolver, Verdict.PERMERROR, reason)
    assert resolver.queries == []  # decided before any key lookup


def test_key_name_too_long_for_dns(keys):
    resolver = keys.resolver()
    message = crafted(keys.MESSAGE, s=".".join(["a" * 60] * 3), d=".".join(["b" * 60] * 3) + ".example")
    check(message, resolver, Verdict.PERMERROR, DkimReason.BAD_SELECTOR)
    assert resolver.queries == []


def test_dkim2_duplicate_tag(keys):
    message = b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; d=example.net; s=rsa; h=from; bh=; b=\r\n"
    check(message + keys.MESSAGE, keys.resolver(), Verdict.PERMERROR, DkimReason.DUPLICATE_TAG)


def test_dkim1_tag_list_syntax(keys):
    message = b"DKIM-Signature: this is not a tag list\r\n" + keys.MESSAGE
    check(message, keys.resolver(), Verdict.PERMERROR, DkimReason.SIG_SYNTAX)


def test_dkim11_skew_is_configurable(keys):
    message = signed(keys, now=NOW + 200)  # t= 200 s ahead: inside the default 300 s skew
    check(message, keys.resolver(), Verdict.PASS, None)
    check(message, keys.resolver(), Verdict.PERMERROR, DkimReason.FUTURE_TIMESTAMP, skew=100)
    expired = signed(keys, now=NOW - 1000, expire_after=800)  # x = NOW - 200
    check(expired, keys.resolver(), Verdict.PASS, None)
    check(expired, keys.resolver(), Verdict.PERMERROR, DkimReason.EXPIRED, skew=0)


def test_dkim12_q_with_dns_txt_accepted(keys):
    check(signed(keys), keys.resolver(), Verdict.PASS, None)
    message = crafted(keys.MESSAGE, q="dns/txt")
    results = verify(parse_message(message), keys.resolver(), NOW)
    assert results[0].reason is not DkimReason.BAD_QUERY_METHOD


def test_dkim7_public_suffix_domain_is_optional(keys):
    zone = {"rsa._domainkey.com": {"TXT": [[keys.record(keys.rsa)]]}}
    message = sign(keys.MESSAGE, [SignerConfig("com", "rsa", keys.rsa)], NOW)
    check(message, keys.resolver(**zone), Verdict.PASS, None)  # by default d=com is just a domain
    suffixes = {"com", "co.uk"}
    check(
        message,
        keys.resolver(**zone),
        Verdict.PERMERROR,
        DkimReason.PUBLIC_SUFFIX,
        is_public_suffix=suffixes.__contains__,
    )


# --- keys --------------------------------------------------------------------------------------------------


def _record_case(keys, value):
    return keys.resolver(**{"rsa._domainkey.example.com": {"TXT": [[value]]}})


def _long_rsa_record() -> str:
    n = (1 << 8199) | 1 | (12345 << 20)  # an odd 8200-bit modulus: only its size matters here
    der = (
        rsa.RSAPublicNumbers(65537, n)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return "v=DKIM1; p=" + base64.b64encode(der).decode()


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ("v=DKIM1; k=rsa; p=", DkimReason.KEY_REVOKED),
        ("v=DKIM1; oops", DkimReason.KEY_SYNTAX),
        ("v=DKIM2; p=AAAA", DkimReason.KEY_VERSION),
        ("v=DKIM1; s=tlsrpt; p=AAAA", DkimReason.KEY_SERVICE),
        ("v=DKIM1; k=rsa", DkimReason.KEY_MISSING_P),
        ("v=DKIM1; k=dsa; p=AAAA", DkimReason.KEY_UNKNOWN_TYPE),
        ("v=DKIM1; h=sha1; p=AAAA", DkimReason.KEY_HASH_NOT_ALLOWED),
        ("v=DKIM1; p=%%%garbage%%%", DkimReason.KEY_BAD_BASE64),
        ("v=DKIM1; p=AAAA", DkimReason.KEY_BAD_DATA),
    ],
)
def test_key_record_permerrors(keys, record, reason):
    check(signed(keys), _record_case(keys, record), Verdict.PERMERROR, reason)


def test_key_too_short(keys):
    result = check(
        signed(keys), _record_case(keys, keys.record(keys.rsa512)), Verdict.PERMERROR, DkimReason.KEY_TOO_SHORT
    )
    assert result[0].comment == "key too short"


def test_key_too_long(keys):
    check(signed(keys), _record_case(keys, _long_rsa_record()), Verdict.PERMERROR, DkimReason.KEY_TOO_LONG)


def test_ed25519_key_of_wrong_length(keys):
    resolver = keys.resolver(**{"ed._domainkey.example.com": {"TXT": [["v=DKIM1; k=ed25519; p=" + "A" * 40]]}})
    check(signed(keys, "ed"), resolver, Verdict.PERMERROR, DkimReason.KEY_BAD_DATA)


def test_key_type_mismatch(keys):
    resolver = keys.resolver(**{"ed._domainkey.example.com": {"TXT": [[keys.record(keys.rsa)]]}})
    check(signed(keys, "ed"), resolver, Verdict.PERMERROR, DkimReason.KEY_TYPE_MISMATCH)


def test_no_key(keys):
    (result,) = check(
        signed(keys),
        keys.resolver(**{"rsa._domainkey.example.com": {"A": "192.0.2.1"}}),
        Verdict.PERMERROR,
        DkimReason.KEY_NOT_FOUND,
    )
    assert result.comment == "no key"
    message = signed(keys, "missing", key=keys.rsa)
    check(message, keys.resolver(), Verdict.PERMERROR, DkimReason.KEY_NOT_FOUND)


@pytest.mark.parametrize("fault", ["TIMEOUT", "SERVFAIL"])
def test_dns_failure_is_temperror(keys, fault):
    resolver = keys.resolver(**{"rsa._domainkey.example.com": {"TXT": fault}})
    (result,) = check(signed(keys), resolver, Verdict.TEMPERROR, DkimReason.KEY_DNS_TEMPFAIL)
    assert result.key_answer.detail in ("timeout", "SERVFAIL")


def test_dkim14_several_txt_records_try_each(keys):
    records = [["v=spf1 -all"], ["v=DKIM1; p=AAAA"], [keys.record(keys.rsa_other)], [keys.record(keys.rsa)]]
    resolver = keys.resolver(**{"rsa._domainkey.example.com": {"TXT": records}})
    check(signed(keys), resolver, Verdict.PASS, None)


def test_dkim14_split_txt_strings_are_joined(keys):
    value = keys.record(keys.rsa)
    resolver = keys.resolver(**{"rsa._domainkey.example.com": {"TXT": [[value[:200], value[200:]]]}})
    check(signed(keys), resolver, Verdict.PASS, None)


def test_dkim7_selector_with_dots(keys):
    resolver = keys.resolver(**{"a.b._domainkey.example.com": {"TXT": [[keys.record(keys.rsa)]]}})
    check(signed(keys, "a.b", key=keys.rsa), resolver, Verdict.PASS, None)


# --- i= ----------------------------------------------------------------------------------------------------


def test_dkim8_identity_subdomain_ok_unless_strict(keys):
    message = signed(keys, identity="user@mail.example.com")
    (result,) = check(message, keys.resolver(), Verdict.PASS, None)
    assert result.identity == "user@mail.example.com"
    strict = _record_case(keys, keys.record(keys.rsa, "t=s"))
    check(message, strict, Verdict.PERMERROR, DkimReason.IDENTITY_NOT_EXACT)
    check(signed(keys, identity="user@example.com"), strict, Verdict.PASS, None)


# --- many signatures ----------------------------------------------------------------------------------------


def test_dkim13_eleven_signatures_ten_verified(keys):
    signers = [SignerConfig("example.com", "ed", keys.ed) for _ in range(11)]
    message = sign(keys.MESSAGE, signers, NOW)
    results = verify(parse_message(message), keys.resolver(), NOW)
    assert len(results) == 11
    assert [r.verdict for r in results[:10]] == [Verdict.PASS] * 10
    assert results[10].verdict is Verdict.POLICY and results[10].reason is DkimReason.TOO_MANY_SIGNATURES
    assert results[10].domain == "example.com"
    REASONS_SEEN.add(DkimReason.TOO_MANY_SIGNATURES)
    assert len(verify(parse_message(message), keys.resolver(), NOW, max_signatures=3)) == 11
    assert sum(r.passed for r in verify(parse_message(message), keys.resolver(), NOW, max_signatures=3)) == 3


def _huge_exponent_record(keys) -> str:
    """A well-formed RSA-2048 key record whose public exponent has 2,045 bits (issue 15: CPU per check)."""
    n = keys.rsa.public_key().public_numbers().n
    public = rsa.RSAPublicNumbers((1 << 2044) + 1, n).public_key()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


def test_dkim16_rsa_exponent_over_2_32_is_refused(keys):
    resolver = keys.resolver(**{"rsa._domainkey.example.com": {"TXT": [[_huge_exponent_record(keys)]]}})
    (result,) = check(signed(keys), resolver, Verdict.PERMERROR, DkimReason.KEY_BAD_EXPONENT)
    assert "2^32" in result.steps[-1].detail


def test_dkim14_at_most_three_key_records_are_tried(keys):
    wrong = [[keys.record(keys.rsa_other)]] * 3
    resolver = keys.resolver(
        **{"rsa._domainkey.example.com": {"TXT": [["v=spf1 -all"], *wrong, [keys.record(keys.rsa)]]}}
    )
    (result,) = check(signed(keys), resolver, Verdict.FAIL, DkimReason.SIGNATURE_MISMATCH)
    assert any("1 not tried" in step.detail for step in result.steps)


def test_work_budget_ends_in_policy(keys):
    """Ten signatures whose selector has three keys that do not fit: 30 checks, the budget is 20."""
    wrong = [[keys.record(keys.rsa_other)]] * 3
    resolver = keys.resolver(**{"rsa._domainkey.example.com": {"TXT": wrong}})
    message = sign(keys.MESSAGE, [SignerConfig("example.com", "rsa", keys.rsa) for _ in range(10)], NOW)
    results = verify(parse_message(message), resolver, NOW)
    reasons = [r.reason for r in results]
    assert reasons[:6] == [DkimReason.SIGNATURE_MISMATCH] * 6
    assert reasons[7:] == [DkimReason.WORK_BUDGET] * 3 and results[9].verdict is Verdict.POLICY
    check(message, resolver, Verdict.POLICY, DkimReason.WORK_BUDGET, budget=DkimBudget(signature_checks=2))


def test_time_budget_and_failed_lookups_end_in_temperror(keys):
    now = [0.0]

    class SlowResolver:  # each lookup takes two seconds of the injected clock
        def query(self, name, rdtype):
            now[0] += 2.0
            return keys.resolver().query(name, rdtype)

    message = sign(keys.MESSAGE, [SignerConfig("example.com", s, k) for s, k in [("rsa", keys.rsa), ("ed", keys.ed),
                   ("rsa1024", keys.rsa1024)]], NOW)  # fmt: skip
    results = verify(parse_message(message), SlowResolver(), NOW, clock=lambda: now[0])
    assert [r.reason for r in results] == [None, None, DkimReason.TIME_BUDGET]  # 4 s spent, then over 5 s
    assert results[2].verdict is Verdict.TEMPERROR
    now[0] = 0.0  # a one-second budget is spent by the first lookup
    budget = DkimBudget(seconds=1.0)
    check(message, SlowResolver(), Verdict.TEMPERROR, DkimReason.TIME_BUDGET, clock=lambda: now[0], budget=budget)
    # lookups that time out: the fourth selector is not asked (issue 15: eleven timeouts took eleven seconds)
    timeouts = {f"s{i}._domainkey.example.com": {"TXT": "TIMEOUT"} for i in range(10)}
    message = sign(keys.MESSAGE, [SignerConfig("example.com", f"s{i}", keys.ed) for i in range(10)], NOW)
    results = verify(parse_message(message), keys.resolver(**timeouts), NOW)
    assert [r.reason for r in results] == [DkimReason.KEY_DNS_TEMPFAIL] * 3 + [DkimReason.TIME_BUDGET] * 7
    assert all(r.verdict is Verdict.TEMPERROR for r in results)


def test_signatures_related_to_from_get_the_budget_first(keys):
    """Ten junk signatures on top (d=attacker.test, selectors that time out) do not push the example.com one
    (From: alice@example.com) past the signature limit or the failed-lookup budget; results stay in header order."""
    timeouts = {f"j{i}._domainkey.attacker.test": {"TXT": "TIMEOUT"} for i in range(10)}
    message = signed(keys)  # d=example.com, s=rsa, the bottom-most signature
    message = sign(message, [SignerConfig("attacker.test", f"j{i}", keys.ed) for i in range(10)], NOW)
    results = verify(parse_message(message), keys.resolver(**timeouts), NOW)
    assert len(results) == 11 and results[10].domain == "example.com" and results[10].verdict is Verdict.PASS
    assert [r.reason for r in results[:10]].count(DkimReason.KEY_DNS_TEMPFAIL) == 3
    assert {r.reason for r in results[:10]} == {
        DkimReason.KEY_DNS_TEMPFAIL,
        DkimReason.TIME_BUDGET,
        DkimReason.TOO_MANY_SIGNATURES,
    }


def test_header_block_over_the_limit_is_not_verified(keys):
    message = signed(keys)
    huge = b"X-Filler: " + b"a" * 70 + b"\r\n"
    raw = huge * (1024 * 1024 // len(huge) + 1) + message
    (result,) = check(raw, keys.resolver(), Verdict.POLICY, DkimReason.HEADER_TOO_LARGE)
    assert "limit" in result.steps[0].detail


def test_dkim13_each_signature_on_its_own(keys):
    good = signed(keys, "ed")
    message = crafted(good, a="rsa-sha1")  # a bad signature above a good one
    results = verify(parse_message(message), keys.resolver(), NOW)
    assert [(r.verdict, r.reason) for r in results] == [
        (Verdict.PERMERROR, DkimReason.ALGORITHM_SHA1),
        (Verdict.PASS, None),
    ]


def test_every_reason_is_reachable():
    """Runs last in this module: every DkimReason was produced by some test above."""
    if len(REASONS_SEEN) < 5:
        pytest.skip("needs the whole module to run first")
    assert set(DkimReason) - REASONS_SEEN == set()


def test_key_outcome_reused_for_the_same_answer_is_what_a_fresh_lookup_gives(keys):
    """KeyLookup keeps the outcome per answer object (a caching resolver hands out the same one): a second message,
    another algorithm on the same name, and the same message again give what a lookup never seen before gives."""
    from toolkit.core import signature

    records = [["v=spf1 -all"], *[[keys.record(keys.rsa_other)]] * 3, [keys.record(keys.rsa)]]
    zone = {
        "rsa._domainkey.example.com": {"TXT": records},
        "ed._domainkey.example.com": {"TXT": [[keys.record(keys.ed)]]},
    }
    inner = keys.resolver(**zone)
    answers = {}

    class SameAnswers:  # one answer object per name, as a cache gives
        def query(self, name, rdtype):
            return answers.setdefault((name, rdtype), inner.query(name, rdtype))

    messages = [signed(keys), signed(keys, "ed"), signed(keys, "ed").replace(b"a=ed25519-sha256", b"a=rsa-sha256")]
    messages += [signed(keys, "ed").replace(b"s=ed", b"s=rsa"), signed(keys)]
    fresh = []
    for message in messages:
        signature._JUDGED.clear()
        fresh.append([r.to_json() for r in verify(parse_message(message), SameAnswers(), NOW)])
    signature._JUDGED.clear()
    for _ in range(2):
        assert [[r.to_json() for r in verify(parse_message(m), SameAnswers(), NOW)] for m in messages] == fresh
    assert [f[0]["result"] for f in fresh] == ["fail", "pass", "permerror", "permerror", "fail"]
    assert fresh[2][0]["reason"] == fresh[3][0]["reason"] == "KEY_TYPE_MISMATCH"
    assert any("1 not tried" in step["detail"] for step in fresh[0][0]["steps"])

"""check_host() behaviour beyond the openspf suite: ledger, limits, macros, identities, result shape (SPF-1..17)."""

from __future__ import annotations

import json

import pytest

from toolkit.core.results import Verdict
from toolkit.core.spf import SpfReason, check_host, check_identities, domain_problem
from toolkit.core.spf.macro import expand_domain, url_escape
from toolkit.core.spf.parse import SpfSyntaxError, parse_domain_spec, parse_explanation, parse_record
from toolkit.resolvers.memory import MemoryResolver


def world(**records):
    """{name: "v=spf1 ..."} or {name: {type: values}} -> MemoryResolver (names use '_' for '.')."""
    mapping = {}
    for key, value in records.items():
        name = key.replace("__", "-").replace("_", ".")
        mapping[name] = {"TXT": [value]} if isinstance(value, str) else value
    return MemoryResolver(mapping)


def run(resolver, domain="example.com", ip="192.0.2.10", **kw):
    return check_host(ip, domain, f"alice@{domain}", "mail.example.com", resolver, **kw)


# --- ledger ---------------------------------------------------------------------------------------------------
def test_ledger_records_every_query_with_term_depth_and_counts():
    r = MemoryResolver(
        {
            "example.com": {"TXT": ["v=spf1 include:_spf.example.com a:gone.example.com mx -all"], "MX": [[10, "mx"]]},
            "_spf.example.com": {"TXT": ["v=spf1 ip4:198.51.100.0/24 -all"]},
        }
    )
    res = run(r)
    assert res.verdict is Verdict.FAIL and res.matched_term == "-all"
    queries = [(e.name, e.rdtype, e.status, e.term, e.depth, e.counted, e.void, e.lookups, e.voids) for e in res.ledger]
    assert queries == [
        ("example.com", "TXT", "OK", "<record>", 0, False, False, 0, 0),
        ("_spf.example.com", "TXT", "OK", "include:_spf.example.com", 1, True, False, 1, 0),
        ("gone.example.com", "A", "NXDOMAIN", "a:gone.example.com", 0, True, True, 2, 1),
        ("example.com", "MX", "OK", "mx", 0, True, False, 3, 1),
        ("mx", "A", "NXDOMAIN", "mx", 0, False, True, 3, 2),
    ]
    assert res.ledger[1].purpose == "record" and res.ledger[2].purpose == "term"
    assert (res.lookups, res.void_lookups, res.limit_broken) == (3, 2, None)
    data = json.loads(json.dumps(res.to_json()))
    assert data["ledger"][1]["term"] == "include:_spf.example.com" and data["ledger"][1]["counted"] is True
    assert data["result"] == "fail" and data["reason"] == "MATCHED"


def test_lookup_limit_counts_over_the_whole_recursion_and_marks_where_it_broke():
    mapping = {"example.com": {"TXT": ["v=spf1 include:i1.example.com -all"]}}
    for i in range(1, 12):
        mapping[f"i{i}.example.com"] = {"TXT": [f"v=spf1 include:i{i + 1}.example.com -all"]}
    res = run(MemoryResolver(mapping))
    assert res.verdict is Verdict.PERMERROR and res.reason is SpfReason.LOOKUP_LIMIT
    assert res.limit_broken == "lookups" and res.lookups == 11
    limit = [e for e in res.ledger if e.event == "limit"]
    assert len(limit) == 1 and limit[0].term == "include:i11.example.com" and limit[0].depth == 10
    assert any(s.rule == "SPF-14" for s in res.steps)


def test_ten_lookups_are_fine_ip4_all_exp_do_not_count():
    terms = " ".join(f"a:h{i}.example.com" for i in range(10))
    mapping = {"example.com": {"TXT": [f"v=spf1 {terms} ip4:192.0.2.10 -all exp=e.example.com"]}}
    mapping.update({f"h{i}.example.com": {"A": ["198.51.100.1"]} for i in range(10)})
    res = run(MemoryResolver(mapping))
    assert res.verdict is Verdict.PASS and res.lookups == 10 and res.matched_term == "ip4:192.0.2.10"


@pytest.mark.parametrize(("max_void", "expected"), [(2, Verdict.PERMERROR), (3, Verdict.PASS)])
def test_void_limit_is_configurable(max_void, expected):
    r = world(example_com="v=spf1 a:g1.example.com a:g2.example.com a:g3.example.com ip4:192.0.2.10 -all")
    res = run(r, max_void=max_void)
    assert res.verdict is expected
    if expected is Verdict.PERMERROR:
        assert res.reason is SpfReason.VOID_LIMIT and res.limit_broken == "void" and res.void_lookups == 3
        assert res.ledger[-1].event == "limit" and res.ledger[-1].term == "a:g3.example.com"


def test_more_than_ten_mx_hosts_is_permerror():
    r = world(example_com={"TXT": ["v=spf1 mx -all"], "MX": [[i, f"mx{i}.example.com"] for i in range(11)]})
    res = run(r)
    assert (res.verdict, res.reason, res.limit_broken) == (Verdict.PERMERROR, SpfReason.MX_LIMIT, "mx")


def test_null_mx_matches_nothing():
    r = world(example_com={"TXT": ["v=spf1 mx ?all"], "MX": [[0, "."]]})
    assert run(r).verdict is Verdict.NEUTRAL


def test_time_budget_gives_temperror_with_injected_clock():
    ticks = iter(range(0, 1000, 15))
    r = world(example_com="v=spf1 a:h1.example.com a:h2.example.com a:h3.example.com -all")
    res = run(r, clock=lambda: float(next(ticks)), time_budget=20.0)
    assert (res.verdict, res.reason, res.limit_broken) == (Verdict.TEMPERROR, SpfReason.TIME_BUDGET, "time")
    assert res.ledger[-1].event == "limit"


def test_no_clock_means_no_budget():
    r = world(example_com="v=spf1 ip4:192.0.2.10 -all")
    assert run(r, clock=None).verdict is Verdict.PASS


# --- include / redirect / exp ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("inner", "expected", "reason"),
    [
        ("v=spf1 ip4:192.0.2.10 -all", Verdict.PASS, SpfReason.MATCHED),
        ("v=spf1 -all", Verdict.SOFTFAIL, SpfReason.MATCHED),  # inner fail = no match (SPF-8)
        ("v=spf1 ~all", Verdict.SOFTFAIL, SpfReason.MATCHED),
        ("v=spf1 ?all", Verdict.SOFTFAIL, SpfReason.MATCHED),
        ("v=spf1 bogus", Verdict.PERMERROR, SpfReason.SYNTAX_ERROR),
        (None, Verdict.PERMERROR, SpfReason.INCLUDE_NO_RECORD),
    ],
)
def test_include_semantics(inner, expected, reason):
    mapping = {"example.com": {"TXT": ["v=spf1 include:inc.example.org ~all"]}}
    if inner is not None:
        mapping["inc.example.org"] = {"TXT": [inner]}
    res = run(MemoryResolver(mapping))
    assert (res.verdict, res.reason) == (expected, reason)


def test_include_path_names_the_inner_match():
    r = world(example_com="v=spf1 include:a.example.org -all", a_example_org="v=spf1 redirect=b.example.org")
    r2 = MemoryResolver({**r._data, "b.example.org": {"TXT": ["v=spf1 ip4:192.0.2.0/24 -all"]}})
    res = run(r2)
    assert res.matched_path == ("include:a.example.org", "redirect=b.example.org", "ip4:192.0.2.0/24")


def test_redirect_ignored_when_all_present_and_exp_dropped_on_redirect():
    r = MemoryResolver(
        {
            "example.com": {"TXT": ["v=spf1 exp=x.example.com redirect=t.example.com"]},
            "t.example.com": {"TXT": ["v=spf1 -all"]},
            "x.example.com": {"TXT": ["should not appear"]},
            "y.example.com": {"TXT": ["v=spf1 ?all redirect=t.example.com"]},
        }
    )
    res = run(r)
    assert res.verdict is Verdict.FAIL and res.explanation is None
    assert run(r, domain="y.example.com").verdict is Verdict.NEUTRAL


def test_exp_expands_macros_and_does_not_count():
    r = MemoryResolver(
        {
            "example.com": {"TXT": ["v=spf1 -all exp=why.%{d}"]},
            "why.example.com": {"TXT": [["%{i} may not send for %{d}; ", "see %{r} at %{t}"]]},
        }
    )
    res = run(r, receiver="mx.example.net", now=1234)
    assert res.explanation == "192.0.2.10 may not send for example.com; see mx.example.net at 1234"
    exp_entry = res.ledger[-1]
    assert exp_entry.purpose == "exp" and not exp_entry.counted and not exp_entry.void and res.lookups == 0


def test_exp_only_for_fail():
    r = world(example_com="v=spf1 ~all exp=why.example.com", why_example_com="text")
    assert run(r).explanation is None


# --- records -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("txt", "expected", "reason"),
    [
        ([], Verdict.NONE, SpfReason.NO_RECORD),
        (["v=spf10 -all"], Verdict.NONE, SpfReason.NO_RECORD),
        (["v=spf1 -all", "v=spf1 -all"], Verdict.PERMERROR, SpfReason.MULTIPLE_RECORDS),
        (["V=SPF1 ip4:192.0.2.10"], Verdict.PASS, SpfReason.MATCHED),  # [ours] SPF-4 case-insensitive
        (["v=spf1 a:caf\u00e9.example.com -all"], Verdict.PERMERROR, SpfReason.NON_ASCII),
        (["v=spf1 ip4:192.0.2"], Verdict.PERMERROR, SpfReason.SYNTAX_ERROR),
        (["v=spf1 ip4:192.0.2.10/33"], Verdict.PERMERROR, SpfReason.SYNTAX_ERROR),
        (["v=spf1 ip4:192.0.2.10 -all bogus"], Verdict.PERMERROR, SpfReason.SYNTAX_ERROR),  # SPF-5 whole record
        (["v=spf1 a:%{c}.example.com"], Verdict.PERMERROR, SpfReason.SYNTAX_ERROR),  # SPF-15 c r t exp only
        (["v=spf1 exp=a.example.com exp=b.example.com"], Verdict.PERMERROR, SpfReason.SYNTAX_ERROR),
        (["hello", "v=spf1 ip4:198.51.100.1"], Verdict.NEUTRAL, SpfReason.NO_MATCH),  # SPF-12
    ],
)
def test_record_selection_and_syntax(txt, expected, reason):
    r = MemoryResolver({"example.com": {"TXT": [[t] for t in txt]} if txt else {"A": ["192.0.2.1"]}})
    res = run(r)
    assert (res.verdict, res.reason) == (expected, reason), res.detail


def test_temperror_on_record_lookup_and_in_mechanisms():
    r = MemoryResolver(
        {
            "example.com": {"TXT": "TIMEOUT"},
            "b.example.com": {"TXT": ["v=spf1 a:t.example.com -all"]},
            "t.example.com": {"A": "SERVFAIL"},
        }
    )
    assert run(r).reason is SpfReason.DNS_TEMPFAIL
    res = run(r, domain="b.example.com")
    assert (res.verdict, res.reason) == (Verdict.TEMPERROR, SpfReason.DNS_TEMPFAIL)


@pytest.mark.parametrize(
    ("domain", "problem"),
    [
        ("localhost", "a single label"),
        ("a..example.com", "empty label"),
        ("x" * 64 + ".example.com", "label longer than 63 octets"),
        (("a" * 60 + ".") * 5 + "com", "longer than 253 characters"),
        ("[192.0.2.1]", "IP literal"),
        ("192.0.2.1", "IP literal"),
        ("example.com.", None),
    ],
)
def test_domain_validity(domain, problem):
    assert domain_problem(domain) == problem
    if problem:
        res = check_host("192.0.2.10", domain, f"x@{domain}", "", MemoryResolver({}))
        assert (res.verdict, res.reason) == (Verdict.NONE, SpfReason.INVALID_DOMAIN)


def test_ipv4_mapped_client_is_ipv4_and_ipv6_uses_aaaa():
    r = MemoryResolver(
        {"example.com": {"TXT": ["v=spf1 ip6:::ffff:192.0.2.10 a -all"], "A": ["192.0.2.10"], "AAAA": ["2001:db8::1"]}}
    )
    assert run(r, ip="::ffff:192.0.2.10").matched_term == "a"
    assert run(r, ip="2001:db8::1").matched_term == "a"
    assert run(r, ip="2001:db8::2").verdict is Verdict.FAIL


def test_exists_queries_a_even_for_ipv6():
    r = MemoryResolver({"example.com": {"TXT": ["v=spf1 exists:%{ir}.%{v}.bl.example.com -all"]}})
    res = run(r, ip="2001:db8::1")
    assert res.ledger[-1].rdtype == "A" and res.ledger[-1].name.endswith(".ip6.bl.example.com")


def test_invalid_ip_is_permerror_not_exception():
    res = run(MemoryResolver({}), ip="not-an-ip")
    assert (res.verdict, res.reason) == (Verdict.PERMERROR, SpfReason.INVALID_IP)


def test_idn_domain_becomes_a_label():
    r = MemoryResolver({"xn--bcher-kva.example": {"TXT": ["v=spf1 +all"]}})
    res = check_host("192.0.2.10", "b\u00fccher.example", "a@b\u00fccher.example", "", r)
    assert res.verdict is Verdict.PASS and res.domain == "xn--bcher-kva.example"


# --- identities (SPF-1) ------------------------------------------------------------------------------------------
def test_check_identities_null_sender_uses_postmaster_at_helo():
    r = MemoryResolver({"mail.example.com": {"TXT": ["v=spf1 a -all"], "A": ["192.0.2.10"]}})
    mf, helo = check_identities("192.0.2.10", "", "mail.example.com", r)
    assert mf.null_sender and mf.sender == "postmaster@mail.example.com" and mf.domain == "mail.example.com"
    assert mf.verdict is Verdict.PASS and mf.identity == "mailfrom"
    assert helo is not None and helo.identity == "helo" and helo.verdict is Verdict.PASS
    assert mf.to_json()["result"] == "pass"  # the JSON key stays "result" (issue 12: the field is verdict)


def test_check_identities_without_helo_and_without_local_part():
    r = MemoryResolver({"example.com": {"TXT": ["v=spf1 -all exp=e.example.com"]}, "e.example.com": {"TXT": ["%{l}"]}})
    mf, helo = check_identities("192.0.2.10", "@example.com", "", r)
    assert helo is None and mf.explanation == "postmaster"
    mf, _ = check_identities("192.0.2.10", "<bob@example.com>", "", r)
    assert mf.explanation == "bob" and mf.domain == "example.com"


# --- macros (SPF-15, RFC 7208 §7.4 examples) ----------------------------------------------------------------------
VALUES = {
    "s": "strong-bad@email.example.com",
    "l": "strong-bad",
    "o": "email.example.com",
    "d": "email.example.com",
    "i": "192.0.2.3",
    "v": "in-addr",
    "h": "mx.example.org",
}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("%{s}", "strong-bad@email.example.com"),
        ("%{o}", "email.example.com"),
        ("%{d4}", "email.example.com"),
        ("%{d3}", "email.example.com"),
        ("%{d2}", "example.com"),
        ("%{d1}", "com"),
        ("%{dr}", "com.example.email"),
        ("%{d2r}", "example.email"),
        ("%{l}", "strong-bad"),
        ("%{l-}", "strong.bad"),
        ("%{lr}", "strong-bad"),
        ("%{lr-}", "bad.strong"),
        ("%{l1r-}", "strong"),
        ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
        ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
        ("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"),
        ("%{d2}.trusted-domains.example.net.", "example.com.trusted-domains.example.net"),
        ("%{S}.example.com", "strong-bad%40email.example.com.example.com"),
        ("a%%b%_c%-d.example.com", "a%b c%20d.example.com"),
    ],
)
def test_rfc_macro_examples(spec, expected):
    assert expand_domain(parse_domain_spec(spec, what="t"), VALUES.__getitem__) == expected


def test_ipv6_nibbles_and_v_macro():
    r = MemoryResolver({"example.com": {"TXT": ["v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all"]}})
    res = run(r, ip="2001:db8::cb01")
    # nibbles come out upper case (what the openspf suite's v-macro-ip6 explanation expects); DNS ignores case
    assert res.ledger[-1].name == "1.0.B.C." + "0." * 20 + "8.B.D.0.1.0.0.2.ip6._spf.example.com"


def test_truncation_drops_labels_from_the_left_to_253():
    long = "abcdefghij" * 5  # 50-octet label
    name = expand_domain(parse_domain_spec("%{l}.%{l}.%{l}.%{l}.%{l}.example.com", what="t"), lambda _: long)
    assert len(name) <= 253 and name.endswith(".example.com") and name.startswith(long)


def test_url_escape_uses_uppercase_hex():
    assert url_escape("a b/c~d") == "a%20b%2Fc~d"


@pytest.mark.parametrize(
    "bad",
    ["%{x}", "%{d0}", "%a", "%", "%{d", "example.com%{c}", "foo", "a.123", "a.-com", "", "a.b c"],
)
def test_domain_spec_syntax_errors(bad):
    with pytest.raises(SpfSyntaxError):
        parse_domain_spec(bad, what="t")


def test_explanation_allows_spaces_and_crt():
    assert [t for t in parse_explanation("from %{c} to %{r} at %{t}").tokens if not isinstance(t, str)]


def test_parse_cache_gives_the_same_object():
    assert parse_record("v=spf1 a mx -all") is parse_record("v=spf1 a mx -all")


def test_p_macro_prefers_the_domain_and_ptr_lookups_in_exp_do_not_count():
    r = MemoryResolver(
        {
            "example.com": {"TXT": ["v=spf1 exists:%{p}.ok.example.com -all exp=why.example.com"]},
            "why.example.com": {"TXT": ["host %{p}"]},
            "10.2.0.192.in-addr.arpa": {"PTR": ["other.example.net", "mail.example.com"]},
            "other.example.net": {"A": ["192.0.2.10"]},
            "mail.example.com": {"A": ["192.0.2.10"]},
        }
    )
    res = run(r)
    exists = [
        e for e in res.ledger if e.term.startswith("exists:") and e.rdtype == "A" and e.name.endswith(".ok.example.com")
    ]
    assert [e.name for e in exists] == ["mail.example.com.ok.example.com"]  # the name under the domain wins
    assert res.verdict is Verdict.FAIL and res.explanation == "host mail.example.com"
    assert res.void_lookups == 1


def test_public_wrapper_supplies_a_clock():
    from toolkit.spf import check_host as public_check_host

    r = MemoryResolver({"example.com": {"TXT": ["v=spf1 -all exp=e.example.com"]}, "e.example.com": {"TXT": ["%{t}"]}})
    res = public_check_host("192.0.2.10", "example.com", "a@example.com", "", r)
    assert res.verdict is Verdict.FAIL and int(res.explanation) > 1_600_000_000


@pytest.mark.parametrize("label", [40, 50, 63])
def test_truncation_matches_a_plain_expansion(label):
    """The bounded right-to-left expansion gives what full expansion + truncation gives (SPF-15)."""
    value = ("x" * (label - 1) + ".") * 3 + "y"
    spec = parse_domain_spec("%{l}." * 5 + "example.com", what="t")
    full = ".".join([value] * 5) + ".example.com"
    while len(full) > 253:
        full = full.split(".", 1)[1]
    assert expand_domain(spec, lambda _: value) == full

"""Hostile records and DNS: always an RFC result with a reason, never a traceback or a hang (SPF-5, SPF-13, SPF-14)."""

from __future__ import annotations

import contextlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from support.fuzz import examples

from toolkit.core.dns import DnsAnswer, DnsStatus
from toolkit.core.results import Verdict
from toolkit.core.spf import SpfReason, SpfResult, check_host
from toolkit.core.spf.macro import MAX_EXPLANATION, expand_domain, transform
from toolkit.core.spf.parse import Macro, SpfSyntaxError, parse_domain_spec, parse_macro_string
from toolkit.resolvers.memory import MemoryResolver


def check(record_or_mapping, sender="alice@example.com", ip="192.0.2.10", **kw) -> SpfResult:
    mapping = record_or_mapping
    if isinstance(record_or_mapping, str):
        mapping = {"example.com": {"TXT": [[record_or_mapping]]}}
    res = check_host(ip, "example.com", sender, "mail.example.com", MemoryResolver(mapping), **kw)
    assert isinstance(res.result, Verdict) and isinstance(res.reason, SpfReason)
    json.dumps(res.to_json())
    return res


def test_non_ascii_record_is_permerror():
    assert check("v=spf1 ip4:192.0.2.10 \u2013all").reason is SpfReason.NON_ASCII
    assert check("v=spf1 a:\ufeffgarbage.example.com -all").reason is SpfReason.NON_ASCII


def test_huge_record_is_evaluated():
    record = "v=spf1 " + " ".join(f"ip4:198.51.{i // 256}.{i % 256}" for i in range(20000)) + " ?all"
    res = check(record)
    assert len(record) > 200_000 and res.result is Verdict.NEUTRAL and res.matched_term == "?all"


def test_thousand_lookup_terms_stop_at_the_eleventh():
    res = check({"example.com": {"TXT": [["v=spf1 " + "a " * 1000 + "-all"]], "A": ["198.51.100.1"]}})
    assert (res.result, res.reason, res.lookups) == (Verdict.PERMERROR, SpfReason.LOOKUP_LIMIT, 11)
    assert len(res.ledger) < 30


def test_thousand_syntax_errors_one_permerror():
    res = check("v=spf1 " + "bogus:x " * 1000)
    assert (res.result, res.reason) == (Verdict.PERMERROR, SpfReason.SYNTAX_ERROR)


def test_self_include_and_redirect_loops_end_in_permerror():
    assert check("v=spf1 include:example.com -all").reason is SpfReason.LOOKUP_LIMIT
    assert check("v=spf1 redirect=example.com").reason is SpfReason.LOOKUP_LIMIT


def test_macro_bomb_in_domain_spec_is_bounded():
    record = "v=spf1 exists:" + "%{l}%{s}%{o}" * 5000 + ".example.com -all"
    res = check(record, sender="x" * 10_000 + "@example.com")
    queried = [e.name for e in res.ledger if e.rdtype == "A"]
    assert res.result in (Verdict.FAIL, Verdict.PERMERROR)
    assert all(len(n) <= 253 for n in queried)


def test_macro_bomb_in_exp_is_cut():
    mapping = {
        "example.com": {"TXT": [["v=spf1 -all exp=e.example.com"]]},
        "e.example.com": {"TXT": [["%{s}" * 5000]]},
    }
    res = check(mapping, sender="y" * 5000 + "@example.com")
    assert res.result is Verdict.FAIL and res.explanation is not None and len(res.explanation) == MAX_EXPLANATION


def test_cname_loop_in_a_is_temperror_in_ptr_no_match():
    loop = {"a.example.net": {"CNAME": "b.example.net"}, "b.example.net": {"CNAME": "a.example.net"}}
    res = check({"example.com": {"TXT": [["v=spf1 a:a.example.net -all"]]}, **loop})
    assert (res.result, res.reason) == (Verdict.TEMPERROR, SpfReason.DNS_TEMPFAIL)
    ptr = {
        "example.com": {"TXT": [["v=spf1 ptr ?all"]]},
        "10.2.0.192.in-addr.arpa": {"PTR": ["a.example.net"]},
        **loop,
    }
    assert check(ptr).result is Verdict.NEUTRAL


def test_everything_times_out():
    res = check({"example.com": {"*": "TIMEOUT"}})
    assert (res.result, res.reason) == (Verdict.TEMPERROR, SpfReason.DNS_TEMPFAIL)


def test_garbage_answers_do_not_match_or_crash():
    mapping = {
        "example.com": {"TXT": [["v=spf1 a mx ptr exists:e.example.com -all"]], "A": ["not-an-ip", "2001:db8::1"]},
        "10.2.0.192.in-addr.arpa": {"PTR": ["x" * 70 + ".example.com", ""]},
    }
    mapping["example.com"]["MX"] = [[0, "x" * 300], [1, ".."]]
    assert check(mapping).result is Verdict.FAIL


class WeirdResolver:
    """Answers of the wrong shape for the type asked: the evaluator must ignore what it cannot use."""

    def query(self, name: str, rdtype: str) -> DnsAnswer:
        if rdtype == "TXT" and name == "example.com":
            return DnsAnswer(name, rdtype, DnsStatus.OK, ("v=spf1 a mx -all", (b"v=spf1 a mx -all",), (1, "x")))
        return DnsAnswer(name, rdtype, DnsStatus.OK, ((b"x",), (5,), "zz", (1, 2)))


def test_wrong_shaped_answers():
    res = check_host("192.0.2.10", "example.com", "a@example.com", "", WeirdResolver())
    assert res.result is Verdict.FAIL


# --- bounded fuzzing -----------------------------------------------------------------------------------------------
TERMS = [
    "a",
    "mx",
    "ptr",
    "all",
    "-all",
    "~all",
    "?all",
    "a:inc.example.com/24//64",
    "mx:inc.example.com",
    "include:inc.example.com",
    "include:%{d2}",
    "exists:%{ir}.%{l1r-}.%{d}",
    "exists:%{i}.bl.example.com",
    "redirect=inc.example.com",
    "exp=exp.example.com",
    "exp=%{l}.example.com",
    "ip4:192.0.2.0/24",
    "ip6:2001:db8::/32",
    "ip4:192.0.2",
    "unknown=%{x}",
    "a:%{H}.example.com",
    "ptr:example.com",
]
term = st.one_of(
    st.sampled_from(TERMS),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20),
    st.text(max_size=8),
)
record = st.lists(term, max_size=25).map(lambda terms: "v=spf1 " + " ".join(terms))
ip = st.one_of(st.ip_addresses(v=4).map(str), st.ip_addresses(v=6).map(str), st.sampled_from(["192.0.2.10"]))
local = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40)


@settings(max_examples=examples(300), deadline=None)
@given(top=record, inc=record, exp_text=st.text(max_size=60), client=ip, localpart=local)
def test_fuzz_records_give_a_result(top, inc, exp_text, client, localpart):
    mapping = {
        "example.com": {"TXT": [[top]], "MX": [[0, "inc.example.com"]]},
        "inc.example.com": {"TXT": [[inc]], "A": ["192.0.2.10"], "AAAA": ["2001:db8::1"]},
        "exp.example.com": {"TXT": [[exp_text]]},
    }
    res = check(mapping, sender=f"{localpart}@example.com", ip=client)
    assert res.result.value in {"pass", "fail", "softfail", "neutral", "none", "permerror", "temperror"}
    assert res.lookups <= 11 and res.void_lookups <= 3
    if res.explanation is not None:
        assert res.result is Verdict.FAIL and res.explanation.isascii()


@settings(max_examples=examples(300), deadline=None)
@given(
    spec=st.one_of(
        st.text(max_size=80), st.lists(st.sampled_from(["%{l}", "%{l2r-}", ".", "a", "%%", "x.com"])).map("".join)
    ),
    value=st.one_of(st.text(max_size=300), st.sampled_from(["a" * 70 + "." + "b" * 60, "p.q-r." * 40])),
)
def test_fuzz_macro_strings(spec, value):
    with contextlib.suppress(SpfSyntaxError):
        parse_macro_string(spec, exp=True, allow_space=True)
    try:
        parsed = parse_domain_spec(spec, what="fuzz")
    except SpfSyntaxError:
        return
    name = expand_domain(parsed, lambda _letter: value)
    assert len(name) <= 253 or "." not in name
    if parsed.static is None:  # the bounded expansion equals full expansion + truncation (SPF-15)
        full = "".join(transform(value, t) if isinstance(t, Macro) else t for t in parsed.tokens)
        full = full[:-1] if full.endswith(".") else full
        while len(full) > 253 and "." in full:
            full = full.split(".", 1)[1]
        assert name == full or (len(full) > 253 and "." not in full)


def test_many_distinct_macros_with_a_huge_sender_stay_bounded():
    forms = "".join(f"%{{l{i}r-}}" for i in range(1, 400))
    res = check("v=spf1 exists:" + forms + ".example.com -all", sender="a-" * 500_000 + "@example.com")
    assert res.result is Verdict.FAIL and len(res.ledger[-1].name) <= 253


def test_non_ascii_macro_expansion_is_no_query():
    res = check("v=spf1 exists:%{l}.example.com include:%{l}.example.net ?all", sender="j\u00f6rg@example.com")
    assert res.result is Verdict.PERMERROR and res.reason is SpfReason.INCLUDE_NO_RECORD
    assert [e.event for e in res.ledger] == ["query", "skip", "skip"]

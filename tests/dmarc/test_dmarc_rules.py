"""One scenario per DMARC rule in STANDARDS.md (the rule id is in each test name and docstring)."""

from __future__ import annotations

import functools

import pytest

from toolkit.core.dkim import DkimResult
from toolkit.core.dmarc import DmarcReason
from toolkit.core.dmarc import evaluate as core_evaluate
from toolkit.core.dmarc.discovery import walk_names
from toolkit.core.message import parse_message
from toolkit.core.results import Verdict
from toolkit.core.spf import SpfResult
from toolkit.resolvers.memory import MemoryResolver
from toolkit.shells.psl import PslOrgDomain

# the Public Suffix List is data the caller passes in (DMARC-18); one copy serves the whole module
evaluate = functools.partial(core_evaluate, psl_org_domain=PslOrgDomain())

PASS, FAIL, TEMP = Verdict.PASS, Verdict.FAIL, Verdict.TEMPERROR


def msg(from_value: str = "Joe <joe@example.com>", *, raw_from: bytes | None = None):
    head = raw_from if raw_from is not None else b"From: " + from_value.encode() + b"\r\n"
    return parse_message(head + b"To: a@example.org\r\nSubject: t\r\n\r\nbody\r\n")


def dk(domain: str, verdict: Verdict = PASS, *, testing: bool = False, selector: str = "s1") -> DkimResult:
    return DkimResult(verdict=verdict, reason=None, domain=domain, selector=selector, testing=testing)


def sp(domain: str, verdict: Verdict = PASS, *, null: bool = False, identity: str = "mailfrom") -> SpfResult:
    sender = f"postmaster@{domain}" if null else f"bounce@{domain}"
    return SpfResult(result=verdict, identity=identity, domain=domain, sender=sender, ip="192.0.2.1", null_sender=null)


def dns(records: dict[str, str | list], **extra) -> MemoryResolver:
    """`records` maps a name to its `_dmarc` TXT value(s); `extra` adds raw MemoryResolver entries."""
    mapping: dict = {
        f"_dmarc.{name}": {"TXT": value if isinstance(value, list) else [value]} for name, value in records.items()
    }
    mapping.update({k.replace("__", "."): v for k, v in extra.items()})
    return MemoryResolver(mapping)


REJECT = "v=DMARC1; p=reject; rua=mailto:agg@example.com"


# --- DMARC-1 Author Domain ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw_from", "reason"),
    [
        (b"", DmarcReason.NO_FROM),
        (b"From: a@example.com\r\nFrom: b@example.com\r\n", DmarcReason.MULTIPLE_FROM),
        (b"From: a@example.com, b@example.org\r\n", DmarcReason.MULTIPLE_ADDRESSES),
        (b"From: undisclosed-recipients:;\r\n", DmarcReason.EMPTY_GROUP),
        (b"From: Joe <joe@example.com\r\n", DmarcReason.UNPARSEABLE_FROM),
        (b"From: joe@[192.0.2.1]\r\n", DmarcReason.UNPARSEABLE_FROM),
        (b"From: joe\r\n", DmarcReason.UNPARSEABLE_FROM),
        (b"From: joe@exa mple..com\r\n", DmarcReason.BAD_AUTHOR_DOMAIN),
        (b"From: joe@" + b"a" * 70 + b".example.com\r\n", DmarcReason.BAD_AUTHOR_DOMAIN),
        (b"From: " + b"x" * 9000 + b"@example.com\r\n", DmarcReason.FROM_TOO_LONG),
        (b"From: (just a comment)\r\n", DmarcReason.NO_ADDRESS),
    ],
)
def test_dmarc1_author_domain_problems_are_permerror(raw_from, reason):
    """DMARC-1: no/several From fields, several addresses, empty group, unparseable, absurdly long -> permerror."""
    result = evaluate(msg(raw_from=raw_from), [dk("example.com")], None, dns({"example.com": REJECT}))
    assert result.verdict is Verdict.PERMERROR
    assert result.reason is reason
    assert result.steps[0].rule == "DMARC-1" and result.steps[0].ok is False


@pytest.mark.parametrize(
    ("from_value", "domain"),
    [
        ("Joe <joe@Example.COM.>", "example.com"),
        ("(comment) joe@example.com (Joe (nested) Bloggs)", "example.com"),
        ('"joe, the @ <admin>"@example.com', "example.com"),
        ('"Bloggs, Joe" <joe@example.com>', "example.com"),
        ("Friends: joe@example.com;", "example.com"),
        ("Joe <joe@bücher.example>", "xn--bcher-kva.example"),
        ("Joe <@relay.example.org:joe@example.com>", "example.com"),
    ],
)
def test_dmarc1_author_domain_parsing(from_value, domain):
    """DMARC-1: comments, quoted local-parts, groups, obs-route, IDN -> lowercase A-label without trailing dot."""
    result = evaluate(msg(from_value), [], None, dns({}))
    assert result.from_domain == domain
    assert result.verdict is Verdict.NONE


def test_dmarc1_multiple_authors_option_takes_strictest_failing_policy():
    """DMARC-1 [ours]: with the option, each author domain is evaluated and the strictest failing policy wins."""
    resolver = dns({"example.com": "v=DMARC1; p=quarantine", "example.org": "v=DMARC1; p=reject"})
    message = msg("a@example.com, b@example.org")
    result = evaluate(message, [dk("example.com")], None, resolver, multiple_authors=True)
    assert result.verdict is FAIL and result.from_domain == "example.org" and result.policy == "reject"
    assert [r.from_domain for r in result.per_domain] == ["example.com", "example.org"]
    assert result.per_domain[0].verdict is PASS
    # without the option the same message is a permerror
    assert evaluate(message, [dk("example.com")], None, resolver).reason is DmarcReason.MULTIPLE_ADDRESSES


# --- DMARC-2/3/4/17/20 records ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["v=dmarc1; p=reject", "p=reject; v=DMARC1", "v=DMARC2; p=reject", "v = DMARC10; p=reject"]
)
def test_dmarc2_record_must_start_with_exact_version(value):
    """DMARC-2: only a first tag of exactly v=DMARC1 makes a DMARC record; otherwise there is no record."""
    result = evaluate(msg(), [], None, dns({"example.com": value}))
    assert result.verdict is Verdict.NONE and result.reason is DmarcReason.NO_RECORD


def test_dmarc2_strings_joined_unknown_tags_ignored_bad_values_default():
    """DMARC-2: TXT strings are joined; unknown tags are ignored; invalid values fall back to defaults."""
    resolver = MemoryResolver(
        {"_dmarc.example.com": {"TXT": [["v=DMARC1; p=rej", "ect; adkim=x; foo=bar"], "unrelated text"]}}
    )
    result = evaluate(msg(), [dk("mail.example.com")], None, resolver)
    assert result.record.p == "reject" and result.record.adkim == "r"
    assert result.record.tags["foo"] == "bar"
    assert any("adkim" in w for w in result.warnings)
    assert result.verdict is PASS  # relaxed default applies


def test_dmarc3_defaults():
    """DMARC-3: sp defaults to p, np to sp, adkim/aspf to r, t to n, psd to u."""
    result = evaluate(msg(), [], None, dns({"example.com": "v=DMARC1; p=quarantine"}))
    record = result.record
    assert (record.p, record.sp, record.np, record.adkim, record.aspf, record.t, record.psd) == (
        "quarantine", "quarantine", "quarantine", "r", "r", False, "u")  # fmt: skip


def test_dmarc4_missing_p_is_none_in_9989_and_unusable_in_7489():
    """DMARC-4: 9989 reads a record without p as p=none; 7489 without rua says unusable (permerror [ours])."""
    resolver = dns({"example.com": "v=DMARC1; adkim=s"})
    modern = evaluate(msg(), [], None, resolver)
    assert modern.verdict is FAIL and modern.policy == "none" and modern.disposition == "none"
    legacy = evaluate(msg(), [], None, resolver, mode="rfc7489")
    assert legacy.verdict is Verdict.PERMERROR and legacy.reason is DmarcReason.UNUSABLE_RECORD


def test_dmarc4_invalid_policy_with_rua_acts_as_none_without_rua_is_unusable():
    """DMARC-4: invalid p/sp/np + valid rua -> act as p=none; without a valid rua -> permerror "unusable record"."""
    with_rua = evaluate(msg(), [], None, dns({"example.com": "v=DMARC1; p=bogus; rua=mailto:r@example.com"}))
    assert with_rua.verdict is FAIL and with_rua.policy == "none" and with_rua.record.acting_as_none
    bad_np = evaluate(msg(), [], None, dns({"example.com": "v=DMARC1; p=reject; np=maybe"}))
    assert bad_np.verdict is Verdict.PERMERROR and bad_np.reason is DmarcReason.UNUSABLE_RECORD
    https_rua = evaluate(msg(), [], None, dns({"example.com": "v=DMARC1; p=x; rua=https://r.example.com/"}))
    assert https_rua.verdict is Verdict.PERMERROR  # only mailto: counts as a valid rua (DMARC-20)


def test_dmarc17_legacy_tags_warned_size_suffix_ignored_method_reported():
    """DMARC-17: pct/rf/ri are ignored with a warning in 9989; `!size` is dropped; discovery_method is reported."""
    value = "v=DMARC1; p=reject; pct=10; rf=afrf; ri=3600; rua=mailto:a@example.com!10m,mailto:b@example.org"
    result = evaluate(msg(), [], None, dns({"example.com": value}))
    assert result.record.rua == ("mailto:a@example.com", "mailto:b@example.org")
    assert sum("RFC 9989" in w for w in result.warnings) == 3
    assert result.effective_policy == "reject"  # pct=10 ignored in 9989
    assert result.discovery_method == "treewalk"
    assert evaluate(msg(), [], None, dns({"example.com": value}), mode="rfc7489").discovery_method == "psl"


def test_dmarc20_uri_list_keeps_mailto_only():
    """DMARC-20: comma-separated URIs, unsupported schemes ignored."""
    result = evaluate(
        msg(), [], None, dns({"example.com": "v=DMARC1; p=none; rua=https://x.example.com, mailto:r@example.com"})
    )
    assert result.record.rua == ("mailto:r@example.com",)


# --- DMARC-5/6 alignment ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "dkim_domain", "spf_domain", "verdict"),
    [
        ("adkim=r", "mail.example.com", None, PASS),
        ("adkim=s", "mail.example.com", None, FAIL),
        ("adkim=s", "example.com", None, PASS),
        ("aspf=r", None, "bounce.example.com", PASS),
        ("aspf=s", None, "bounce.example.com", FAIL),
        ("aspf=s", None, "example.com", PASS),
    ],
)
def test_dmarc6_strict_and_relaxed_for_both_identifiers(tag, dkim_domain, spf_domain, verdict):
    """DMARC-6: strict = equal names; relaxed = same Organizational Domain; adkim for DKIM, aspf for SPF."""
    resolver = dns({"example.com": f"v=DMARC1; p=reject; {tag}"})
    dkim = [dk(dkim_domain)] if dkim_domain else []
    spf = sp(spf_domain) if spf_domain else None
    result = evaluate(msg(), dkim, spf, resolver)
    assert result.verdict is verdict
    assert result.alignment[0].mode == ("strict" if tag.endswith("s") else "relaxed")


def test_dmarc5_only_passing_identifiers_align():
    """DMARC-5/6: an aligned DKIM fail or SPF softfail does not count."""
    result = evaluate(
        msg(), [dk("example.com", FAIL)], sp("example.com", Verdict.SOFTFAIL), dns({"example.com": REJECT})
    )
    assert result.verdict is FAIL and result.reason is DmarcReason.NOT_ALIGNED
    assert [a.aligned for a in result.alignment] == [False, False]


def test_dmarc5_null_mail_from_uses_helo_domain():
    """DMARC-5: with a null reverse-path the SPF identity is postmaster@HELO, so the HELO domain aligns."""
    result = evaluate(msg(), [], sp("mx.example.com", null=True), dns({"example.com": REJECT}))
    assert result.verdict is PASS and result.reason is DmarcReason.ALIGNED_SPF
    assert "null reverse-path" in result.alignment[0].note


def test_dmarc5_helo_identity_is_never_used():
    """DMARC-5: a HELO SPF pass is not a DMARC identifier."""
    result = evaluate(msg(), [], sp("example.com", identity="helo"), dns({"example.com": REJECT}))
    assert result.verdict is FAIL


def test_dmarc5_third_party_signatures_aligned_and_unaligned():
    """DMARC-5: a third-party d= does not align; an aligned one does; only the second of two aligns."""
    resolver = dns({"example.com": REJECT})
    third = evaluate(msg(), [dk("esp.example.net")], None, resolver)
    assert third.verdict is FAIL and third.alignment[0].domain_aligned is False
    both = evaluate(msg(), [dk("esp.example.net", selector="a"), dk("example.com", selector="b")], None, resolver)
    assert both.verdict is PASS and [a.aligned for a in both.alignment] == [False, True]
    assert both.alignment[1].selector == "b"


def test_dkim18_testing_pass_does_not_count_unless_asked():
    """DKIM-18 [ours]: a pass under a t=y key does not count for DMARC by default; an option counts it."""
    resolver = dns({"example.com": REJECT})
    default = evaluate(msg(), [dk("example.com", testing=True)], None, resolver)
    assert default.verdict is FAIL and "testing" in default.alignment[0].note
    counted = evaluate(msg(), [dk("example.com", testing=True)], None, resolver, count_testing=True)
    assert counted.verdict is PASS


# --- DMARC-7 verdict ----------------------------------------------------------------------------------------------


def test_dmarc7_temperror_on_an_identifier_that_would_align():
    """DMARC-7: no aligned pass + a DNS error on an aligned identifier -> temperror, no policy applied."""
    resolver = dns({"example.com": REJECT})
    result = evaluate(msg(), [dk("example.com", TEMP)], None, resolver)
    assert result.verdict is TEMP and result.reason is DmarcReason.AUTH_TEMPFAIL
    assert result.disposition == "none"
    unaligned = evaluate(msg(), [dk("other.example.net", TEMP)], None, resolver)
    assert unaligned.verdict is FAIL  # that signature could never have made DMARC pass
    passed = evaluate(msg(), [dk("example.com", TEMP), dk("example.com")], None, resolver)
    assert passed.verdict is PASS


# --- DMARC-8/9 policy selection -----------------------------------------------------------------------------------


def test_dmarc8_p_at_author_sp_for_existing_subdomain_np_for_missing_one():
    """DMARC-8/9: p at the Author Domain; sp for an existing subdomain; np when A at the Author Domain is NXDOMAIN."""
    value = "v=DMARC1; p=none; sp=quarantine; np=reject"
    extra = {"real__example__com": {"A": "192.0.2.1"}, "mx-only__example__com": {"MX": [[10, "mx.example.com"]]}}
    resolver = dns({"example.com": value}, **extra)
    assert evaluate(msg("a@example.com"), [], None, resolver).policy == "none"
    assert evaluate(msg("a@real.example.com"), [], None, resolver).policy == "quarantine"
    assert evaluate(msg("a@mx-only.example.com"), [], None, resolver).policy == "quarantine"  # NODATA exists
    ghost = evaluate(msg("a@ghost.example.com"), [], None, resolver)
    assert ghost.policy == "reject" and any(s.rule == "DMARC-9" and s.ok is False for s in ghost.steps)
    assert ("ghost.example.com", "A") in resolver.queries
    # 7489 has no np: sp applies
    assert evaluate(msg("a@ghost.example.com"), [], None, resolver, mode="rfc7489").policy == "quarantine"


def test_dmarc9_no_existence_query_when_np_equals_sp():
    """DMARC-9: the A query is only needed when np differs from sp."""
    resolver = dns({"example.com": "v=DMARC1; p=reject"})
    evaluate(msg("a@ghost.example.com"), [], None, resolver)
    assert ("ghost.example.com", "A") not in resolver.queries


# --- DMARC-10/11 softening and disposition -----------------------------------------------------------------------


def test_dmarc10_t_y_steps_down_one_policy():
    """DMARC-10: t=y makes reject quarantine and quarantine none for failing mail (9989)."""
    reject = evaluate(msg(), [], None, dns({"example.com": "v=DMARC1; p=reject; t=y"}))
    assert (reject.policy, reject.effective_policy, reject.disposition) == ("reject", "quarantine", "quarantine")
    assert "t=y" in reject.comment
    quarantine = evaluate(msg(), [], None, dns({"example.com": "v=DMARC1; p=quarantine; t=y"}))
    assert quarantine.effective_policy == "none" and quarantine.disposition == "none"
    ignored = evaluate(msg(), [], None, dns({"example.com": "v=DMARC1; p=reject; t=y"}), mode="rfc7489")
    assert ignored.effective_policy == "reject"


@pytest.mark.parametrize(
    ("pct", "sample", "effective"), [(50, 10, "quarantine"), (50, 60, "none"), (0, 0, "none"), (100, 99, "quarantine")]
)
def test_dmarc10_pct_sampling_is_deterministic(pct, sample, effective):
    """DMARC-10: 7489 pct applies the policy to pct% (sample < pct) and the next lower one to the rest."""
    resolver = dns({"example.com": f"v=DMARC1; p=quarantine; pct={pct}"})
    result = evaluate(msg(), [], None, resolver, mode="rfc7489", sample=sample)
    assert result.effective_policy == effective
    again = evaluate(msg(), [], None, resolver, mode="rfc7489")
    assert again.effective_policy == evaluate(msg(), [], None, resolver, mode="rfc7489").effective_policy


def test_dmarc11_p_reject_alone_recommends_quarantine():
    """DMARC-11: never reject on p=reject alone; the verifier recommends quarantine unless told otherwise."""
    resolver = dns({"example.com": REJECT})
    result = evaluate(msg(), [], None, resolver)
    assert result.effective_policy == "reject" and result.disposition == "quarantine"
    assert evaluate(msg(), [], None, resolver, reject_on_policy=True).disposition == "reject"
    assert evaluate(msg(), [dk("example.com")], None, resolver).disposition == "pass"
    none_policy = evaluate(msg(), [], None, dns({"example.com": "v=DMARC1; p=none"}))
    assert none_policy.verdict is FAIL and none_policy.disposition == "none"


# --- DMARC-12 none / temperror ------------------------------------------------------------------------------------


def test_dmarc12_no_record_is_none():
    """DMARC-12: a definite no-record answer gives none; the whole walk was asked."""
    resolver = dns({})
    result = evaluate(msg("a@mail.example.com"), [dk("example.com")], None, resolver)
    assert result.verdict is Verdict.NONE and result.reason is DmarcReason.NO_RECORD
    assert [q.name for q in result.queries] == ["_dmarc.mail.example.com", "_dmarc.example.com", "_dmarc.com"]


@pytest.mark.parametrize("fault", ["SERVFAIL", "TIMEOUT"])
def test_dmarc12_servfail_or_timeout_on_dmarc_is_temperror(fault):
    """DMARC-12: SERVFAIL or a timeout on `_dmarc` is temperror, never "no record"."""
    resolver = MemoryResolver({"_dmarc.example.com": {"TXT": fault}})
    result = evaluate(msg(), [dk("example.com")], None, resolver)
    assert result.verdict is TEMP and result.reason is DmarcReason.DNS_TEMPFAIL
    walk = MemoryResolver({"_dmarc.com": {"TXT": fault}})
    assert evaluate(msg("a@mail.example.com"), [], None, walk).verdict is TEMP  # a failure higher up the walk


def test_dmarc12_tree_walk_failure_during_alignment_is_temperror():
    """DMARC-7/12: a relaxed-alignment walk that hits a DNS error leaves no conclusion."""
    resolver = MemoryResolver(
        {"_dmarc.example.com": {"TXT": ["v=DMARC1; p=reject"]}, "_dmarc.com": {"TXT": "SERVFAIL"}}
    )
    result = evaluate(msg(), [dk("mail.example.com")], None, resolver)
    assert result.verdict is TEMP and result.reason is DmarcReason.DNS_TEMPFAIL


# --- DMARC-13..16 tree walk ---------------------------------------------------------------------------------------


def test_dmarc13_walk_names_and_eight_query_cap():
    """DMARC-13: the spec's example: 13 labels -> the name, then 7 labels, ..., the TLD: 8 queries."""
    start = "a.b.c.d.e.f.g.h.i.j.mail.example.com"
    assert walk_names(start) == [
        start,
        "g.h.i.j.mail.example.com",
        "h.i.j.mail.example.com",
        "i.j.mail.example.com",
        "j.mail.example.com",
        "mail.example.com",
        "example.com",
        "com",
    ]
    resolver = dns({})
    evaluate(msg(f"x@{start}"), [], None, resolver)
    assert len(resolver.queries) == 8
    assert len(walk_names("a.b.c.d.e.f.g.example.com")) == 8 and len(walk_names("example.com")) == 2


def test_dmarc14_intermediate_record_does_not_apply():
    """DMARC-14: only the Org Domain's (or PSD's) record applies, not one at a name in between."""
    resolver = dns({"mail.example.com": "v=DMARC1; p=none", "example.com": "v=DMARC1; p=reject"})
    result = evaluate(msg("a@x.mail.example.com"), [], None, resolver)
    assert result.record.name == "example.com" and result.found_at == "organizational"
    assert result.policy == "reject"


def test_dmarc14_psd_policy_applies_only_without_org_record():
    """DMARC-14: a PSD record (psd=y) applies when the Org Domain has none, never over the Org Domain's own."""
    psd_only = dns({"test": "v=DMARC1; p=quarantine; psd=y"})
    result = evaluate(msg("a@mail.example.test"), [], None, psd_only)
    assert result.found_at == "psd" and result.org_domain == "example.test" and result.policy == "quarantine"
    both = dns({"test": "v=DMARC1; p=quarantine; psd=y", "example.test": "v=DMARC1; p=none"})
    result = evaluate(msg("a@mail.example.test"), [], None, both)
    assert result.found_at == "organizational" and result.policy == "none"


@pytest.mark.parametrize(
    ("records", "org"),
    [
        ({"mail.example.com": "v=DMARC1; p=none", "example.com": "v=DMARC1; p=reject"}, "example.com"),
        ({"mail.example.com": "v=DMARC1; p=none; psd=n", "example.com": "v=DMARC1; p=reject"}, "mail.example.com"),
        ({"com": "v=DMARC1; p=reject; psd=y"}, "example.com"),
    ],
)
def test_dmarc16_org_domain_vectors(records, org):
    """DMARC-15/16: the RFC 9989 §4.10.2 vectors from a.mail.example.com."""
    result = evaluate(msg("x@a.mail.example.com"), [], None, dns(records))
    assert result.org_domain == org


def test_dmarc16_bank_example_vector():
    """DMARC-16: giant.bank.example (no psd) under bank.example (psd=y): giant.bank.example is the Org Domain."""
    resolver = dns({"giant.bank.example": "v=DMARC1; p=reject", "bank.example": "v=DMARC1; p=reject; psd=y"})
    good = evaluate(msg("a@giant.bank.example"), [dk("mail.giant.bank.example")], None, resolver)
    assert good.verdict is PASS and good.org_domain == "giant.bank.example"
    bad = evaluate(msg("a@giant.bank.example"), [dk("mail.mega.bank.example")], None, resolver)
    assert bad.verdict is FAIL and bad.alignment[0].domain_aligned is False


def test_dmarc15_no_walk_for_identical_or_strict():
    """DMARC-15: identical domains and strict mode need no walk: only `_dmarc.<author>` is asked."""
    resolver = dns({"example.com": "v=DMARC1; p=reject; adkim=s"})
    evaluate(msg(), [dk("example.com"), dk("mail.example.com")], None, resolver)
    assert resolver.queries == [("_dmarc.example.com", "TXT")]


def test_dmarc13_two_records_are_discarded():
    """DMARC-13: two valid records at a name are both discarded (9989), so the walk goes on; 7489 stops (DMARC-18)."""
    resolver = dns(
        {"mail.example.com": ["v=DMARC1; p=none", "v=DMARC1; p=reject"], "example.com": "v=DMARC1; p=quarantine"}
    )
    modern = evaluate(msg("a@mail.example.com"), [], None, resolver)
    assert modern.record.name == "example.com" and modern.policy == "quarantine"
    assert any("2 DMARC records" in w for w in modern.warnings)
    legacy = evaluate(msg("a@mail.example.com"), [], None, resolver, mode="rfc7489")
    assert legacy.verdict is Verdict.NONE and legacy.reason is DmarcReason.MULTIPLE_RECORDS


# --- DMARC-18 PSL mode ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("author", "signer", "org"),
    [
        ("news.example.co.uk", "example.co.uk", "example.co.uk"),
        ("a.b.example.co.jp", "mail.example.co.jp", "example.co.jp"),
    ],
)
def test_dmarc18_psl_org_domains(author, signer, org):
    """DMARC-18: 7489 mode: Org Domain = public suffix + 1 label (co.uk, co.jp); at most 2 lookups."""
    resolver = dns({org: "v=DMARC1; p=reject"})
    result = evaluate(msg(f"a@{author}"), [dk(signer)], None, resolver, mode="rfc7489")
    assert result.verdict is PASS and result.org_domain == org
    assert [q for q, _ in resolver.queries] == [f"_dmarc.{author}", f"_dmarc.{org}"]
    unrelated = evaluate(msg(f"a@{author}"), [dk("other.co.uk")], None, resolver, mode="rfc7489")
    assert unrelated.verdict is FAIL


def test_mode_both_reports_both_and_why_they_differ():
    """DMARC-17/18: mode both gives the 9989 verdict with the 7489 one and a sentence on the difference."""
    resolver = dns({"giant.bank.example": "v=DMARC1; p=reject", "bank.example": "v=DMARC1; p=reject; psd=y"})
    result = evaluate(msg("a@mail.giant.bank.example"), [dk("giant.bank.example")], None, resolver, mode="both")
    assert result.mode == "rfc9989" and result.other.mode == "rfc7489"
    assert result.verdict is PASS
    assert result.to_json()["other"]["discovery_method"] == "psl"
    same = evaluate(msg(), [dk("example.com")], None, dns({"example.com": REJECT}), mode="both")
    assert same.difference == ""
    differ = evaluate(msg("a@x.example.com"), [], None, dns({"example.com": "v=DMARC1; p=reject; t=y"}), mode="both")
    assert differ.effective_policy == "quarantine" and differ.other.effective_policy == "reject"
    assert "rfc7489 says fail (policy reject)" in differ.difference


def test_result_is_frozen_and_serialisable():
    result = evaluate(msg(), [dk("example.com")], sp("example.com"), dns({"example.com": REJECT}))
    data = result.to_json()
    assert data["result"] == "pass" and data["record"]["found_at"] == "example.com"
    assert data["queries"][0]["name"] == "_dmarc.example.com"
    with pytest.raises(AttributeError):
        result.verdict = FAIL  # type: ignore[misc]


def test_dmarc13_two_records_at_the_author_domain_and_nothing_above():
    """DMARC-13/12: both records discarded and no record above: none, reason multiple_records."""
    resolver = dns({"example.com": ["v=DMARC1; p=none", "v=DMARC1; p=reject"]})
    result = evaluate(msg(), [dk("example.com")], None, resolver)
    assert result.verdict is Verdict.NONE and result.reason is DmarcReason.MULTIPLE_RECORDS


def test_hostile_huge_record_is_parsed_not_memoised():
    """Bad input gives a verdict: a 60 KB record still parses (DMARC-2), unknown tags ignored."""
    huge = "v=DMARC1; p=quarantine; " + "x=" + "a" * 60000
    result = evaluate(msg(), [], None, dns({"example.com": [[huge[i : i + 255] for i in range(0, len(huge), 255)]]}))
    assert result.verdict is FAIL and result.policy == "quarantine"


def test_dmarc18_rfc7489_without_a_public_suffix_list_is_the_callers_fault():
    from toolkit.core.errors import CallerError

    with pytest.raises(CallerError, match="public suffix list"):
        core_evaluate(msg(), [], None, dns({}), mode="rfc7489")
    assert core_evaluate(msg(), [], None, dns({"example.com": "v=DMARC1; p=none"})).verdict is FAIL  # 9989: no PSL
    import pickle

    psl = PslOrgDomain()
    assert psl("mail.example.co.uk") == "example.co.uk" and psl("co.uk") == "co.uk"
    copy = pickle.loads(pickle.dumps(psl))  # a batch worker gets an empty one and loads its own list
    assert copy._psl is None and copy("a.b.example.com") == "example.com"

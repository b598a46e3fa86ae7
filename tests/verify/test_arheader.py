"""Authentication-Results: generation, folding, lenient parsing, forged fields (AR-1..AR-9)."""

from __future__ import annotations

import re

import authres
import pytest

from toolkit.core import arheader
from toolkit.core.dkim import DkimResult
from toolkit.core.dmarc import evaluate
from toolkit.core.message import parse_message
from toolkit.core.results import Verdict
from toolkit.core.spf import SpfResult
from toolkit.resolvers.memory import MemoryResolver


def spf(domain="example.com", verdict=Verdict.PASS, identity="mailfrom", null=False):
    return SpfResult(
        verdict=verdict, identity=identity, domain=domain, sender=f"x@{domain}", ip="192.0.2.1", null_sender=null
    )


def sig(domain="example.com", verdict=Verdict.PASS, selector="sel", b="AbCdEf+/12345678", comment=""):
    return DkimResult(verdict=verdict, reason=None, domain=domain, selector=selector, identity=f"@{domain}",
                      algorithm="rsa-sha256", b_prefix=b, comment=comment)  # fmt: skip


def dmarc_result(record="v=DMARC1; p=reject; t=y"):
    message = parse_message(b"From: a@example.com\r\n\r\n")
    return evaluate(message, [sig()], spf(), MemoryResolver({"_dmarc.example.com": {"TXT": [record]}}))


def unfold(text: str) -> str:
    return re.sub(r"\r\n[ \t]+", " ", text)


def test_ar3_nothing_evaluated_is_none():
    """AR-3: `<id>; none` when nothing was evaluated."""
    assert arheader.build_field("mx.example.org") == "Authentication-Results: mx.example.org; none"


def test_ar2_authserv_id_is_required_and_must_be_a_token():
    """AR-2 [ours]: the authserv-id is required config."""
    with pytest.raises(ValueError):
        arheader.build_field("")
    with pytest.raises(ValueError):
        arheader.build_field("bad id; x")


def test_full_field_content_and_folding():
    """SPF-17, DKIM-38, DMARC-19: one field with spf, spf helo, one dkim per signature and dmarc; folded lines."""
    text = arheader.build_field(
        "mx.example.org",
        spf=spf(),
        spf_helo=spf("mail.example.com", identity="helo"),
        dkim=[sig(), sig("esp.example.net", Verdict.FAIL, comment="body hash mismatch")],
        dmarc=dmarc_result(),
    )
    flat = unfold(text)
    assert flat.startswith("Authentication-Results: mx.example.org;")
    assert "spf=pass smtp.mailfrom=example.com;" in flat
    assert "spf=pass smtp.helo=mail.example.com;" in flat
    assert "dkim=fail (body hash mismatch) header.d=esp.example.net" in flat
    assert flat.count("dkim=") == 2
    assert "dmarc=pass (p=reject t=y applied=quarantine) header.from=example.com policy.dmarc=quarantine" in flat
    lines = text.split("\r\n")
    assert len(lines) > 3 and all(line.startswith("\t") for line in lines[1:])
    assert all(len(line) <= 78 for line in lines)


def test_spf17_mailfrom_has_domain_only_and_null_path_comment():
    """SPF-17 [ours]: smtp.mailfrom=<domain> (no local-part); null path -> HELO domain with a comment."""
    text = arheader.build_field("mx.example.org", spf=spf("mail.example.com", null=True))
    assert "spf=pass (null reverse-path) smtp.mailfrom=mail.example.com" in text
    assert "@" not in text.split("smtp.mailfrom=")[1]


def test_ar9_round_trip_through_authres():
    """AR-9: generate -> parse with authres -> same methods, results and properties (comments are dropped)."""
    text = arheader.build_field(
        "mx.example.org",
        spf=spf(),
        dkim=[sig(), sig("esp.example.net", Verdict.PERMERROR, b="zz/zz=zz", comment="no key (DKIM-14)")],
        dmarc=dmarc_result(),
    )
    parsed = authres.all_features().parse(unfold(text))
    assert parsed.authserv_id == "mx.example.org"
    got = [(r.method, r.result, [(p.type, p.name, p.value) for p in r.properties]) for r in parsed.results]
    assert got[0] == ("spf", "pass", [("smtp", "mailfrom", "example.com")])
    assert got[1][0:2] == ("dkim", "pass")
    assert ("header", "b", "AbCdEf+/12345678") in got[1][2] and ("header", "s", "sel") in got[1][2]
    assert got[2][1] == "permerror" and ("header", "b", "zz/zz=zz") in got[2][2]
    assert got[3] == ("dmarc", "pass", [("header", "from", "example.com"), ("policy", "dmarc", "quarantine")])
    assert all(r.result_comment is None for r in parsed.results)  # authres drops comments (AR-9)
    ours = arheader.parse_value(text.split(":", 1)[1])
    assert ours.readable and [e.method for e in ours.entries] == ["spf", "dkim", "dkim", "dmarc"]
    assert ours.entries[3].get("policy", "dmarc") == "quarantine"


@pytest.mark.parametrize(
    ("value", "readable", "defect"),
    [
        ("spf=pass smtp.mailfrom=example.com", False, "missing authserv-id"),
        ("; spf=pass", False, "missing authserv-id"),
        ("mx.example.org 2; spf=pass", False, "unknown version 2"),
        ("mx.example.org 1; spf=pass smtp.mailfrom=example.com", True, None),
        ("mx.example.org; spf=hardfail smtp.mailfrom=example.com", True, None),
        ("mx.example.org; dkim=wonderful header.d=example.com", True, "unknown result 'wonderful'"),
        ("mx.example.org; spf=pass (unterminated", False, "syntax"),
        ("mx.example.org; x-new=pass bogus.prop=1 header.d=example.com", True, None),
    ],
)
def test_ar1_ar2_lenient_parsing_lists_defects(value, readable, defect):
    """AR-1/AR-2/AR-3/AR-4: parse leniently; unknown version = unreadable; unknown methods/ptypes skipped."""
    parsed = arheader.parse_value(value)
    assert parsed.readable is readable
    if defect:
        assert any(defect in d for d in parsed.defects)
    else:
        assert parsed.defects == ()
    if "hardfail" in value:
        assert parsed.entries[0].result == "fail"  # AR-4: obsolete spelling read as fail


def test_ar7_forged_fields_detected_case_insensitively_and_stripped():
    """AR-7: fields carrying our authserv-id are untrusted; others stay; stripping removes only ours."""
    raw = (
        b"Authentication-Results: MX.Example.ORG; dmarc=pass header.from=example.com\r\n"
        b"Authentication-Results: other.example.net; spf=pass smtp.mailfrom=example.com\r\n"
        b"Authentication-Results: mx.example.org 7; garbage\r\n"
        b"From: a@example.com\r\n\r\nbody\r\n"
    )
    message = parse_message(raw)
    fields = arheader.existing_fields(message, "mx.example.org")
    assert [f.ours for f in fields] == [True, False, True]
    assert fields[2].parsed.readable is False  # unreadable, still recognised as ours
    stripped = arheader.without_fields(message, [f.index for f in fields if f.ours])
    assert stripped == (
        b"Authentication-Results: other.example.net; spf=pass smtp.mailfrom=example.com\r\n"
        b"From: a@example.com\r\n\r\nbody\r\n"
    )


def test_comment_text_is_escaped():
    """AR-1: comments cannot break the field: parentheses and non-ASCII are neutralised."""
    text = arheader.build_field("mx.example.org", dkim=[sig(comment="bad (key) \\ é")])
    assert "(bad \\(key\\) \\\\ ?)" in text
    assert arheader.parse_value(text.split(":", 1)[1]).readable


@pytest.mark.parametrize(
    "entry",
    [
        ("spf", "pass", "null reverse-path", [("smtp", "mailfrom", "mail.example.com")]),
        ("dkim", "fail", "bad \\(x\\)", [("header", "d", "example.com"), ("header", "i", "joe@example.com"),
                                         ("header", "b", "ab/+=cd12"), ("header", "s", "sel.sub")]),
        ("dmarc", "none", None, [("header", "from", "example.com")]),
    ],
)  # fmt: skip
def test_ar9_fast_formatter_writes_what_authres_writes(entry):
    """AR-9: our formatter (the hot path) must produce exactly authres's text for the same result."""
    assert arheader.format_entry(entry) == str(arheader.authres_result(entry))

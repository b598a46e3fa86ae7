"""Fast forms in the DKIM verify path (issue 14 §4) give exactly what the plain code gives (DKIM-1, DKIM-2, DKIM-11).

Each test compares a fast form with the code it stands for, on awkward input from hypothesis.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from support.fuzz import examples

from toolkit.core.dkim.common import is_digits
from toolkit.core.tags import TagListError, parse_tag_dict, parse_tag_list

_TAG_PIECES = ["a", "b", "bh", "v", "1", "_", "=", ";", " ", "\t", "\r\n", "\r\n ", "\n", "x y", "é", "==", ";;", "Zq9"]


def _outcome(fn, text):
    try:
        return ("ok", fn(text))
    except TagListError as exc:
        return ("error", str(exc))


def _plain(text: str | bytes) -> tuple[dict[str, str], int]:
    pairs = parse_tag_list(text, allow_duplicates=True).pairs
    return dict(pairs), len(pairs)


@settings(max_examples=examples(1500), deadline=None)
@given(pieces=st.lists(st.sampled_from(_TAG_PIECES), max_size=30), as_bytes=st.booleans(), names_known=st.booleans())
def test_tag_dict_is_the_tag_list_as_a_dict(pieces: list[str], as_bytes: bool, names_known: bool) -> None:
    """parse_tag_dict == dict(pairs), len(pairs) of parse_tag_list(allow_duplicates=True), errors included, whether
    its names are ones seen before (its comprehension path) or not (the loop)."""
    text: str | bytes = "".join(pieces)
    if as_bytes:
        text = text.encode("utf-8")
    expected = _outcome(_plain, text)
    if names_known:  # the second parse sees every valid name of the text as known
        expected = _outcome(_plain, text)
    assert _outcome(parse_tag_dict, text) == expected


def test_tag_dict_keeps_the_last_of_a_repeated_name_and_counts_both() -> None:
    parse_tag_list("a=1; b=2")  # names known: the comprehension path
    assert parse_tag_dict("a=1; b=2; a=3;") == ({"a": "3", "b": "2"}, 3)


@settings(max_examples=examples(800), deadline=None)
@given(value=st.text(alphabet="0123456789 a\n\u0663\u00b2+-", max_size=12), max_len=st.integers(0, 12))
def test_is_digits_is_the_ascii_digit_regex(value: str, max_len: int) -> None:
    # the regex it replaced, with \Z: a tag value never ends in LF (parse_tag_list strips FWS), where `$` differed
    expected = len(value) <= max_len and re.match(r"^[0-9]+\Z", value) is not None
    assert is_digits(value, max_len) == expected


_SIG_PIECES = [b"b", b"bh", b"a", b"=", b";", b" ", b"\t", b"\r\n ", b"x", b"==", b"\r\n"]


@settings(max_examples=examples(1500), deadline=None)
@given(pieces=st.lists(st.sampled_from(_SIG_PIECES), max_size=24), name=st.sampled_from([b"DKIM-Signature", b"x"]))
def test_without_b_is_remove_b_value_for_one_b_tag(pieces: list[bytes], name: bytes) -> None:
    """verify's _without_b (b= found after the last ';') == remove_b_value, for every field whose tag list parses
    with one b tag, as _check_tags has made sure before it is called (DKIM-2, DKIM-20)."""
    from toolkit.core.dkim.common import remove_b_value
    from toolkit.core.dkim.verify import _without_b

    raw = name + b":" + b"".join(pieces)
    try:
        tags, count = parse_tag_dict(raw[raw.find(b":") + 1 :])
    except TagListError:
        return
    if count == len(tags) and "b" in tags:
        assert _without_b(raw) == remove_b_value(raw)


def test_without_b_cuts_the_last_tag_and_keeps_the_final_crlf() -> None:
    from toolkit.core.dkim.verify import _without_b

    assert _without_b(b"DKIM-Signature: a=1; b = abc\r\n\tdef\r\n") == b"DKIM-Signature: a=1; b =\r\n"
    assert _without_b(b"DKIM-Signature: b=abc; a=1\r\n") == b"DKIM-Signature: b=; a=1\r\n"  # b= first: the regex


def test_body_hash_step_is_the_step_the_constructor_builds() -> None:
    import dataclasses

    from toolkit.core.results import Step

    made = Step("DKIM-19", "body hash", True, "relaxed body, 7 octets hashed")  # Step's own __init__, by slots
    expected = dataclasses.replace(made)  # the same fields, through dataclasses' generic path
    assert made == expected and made.to_json() == expected.to_json() and hash(made) == hash(expected)

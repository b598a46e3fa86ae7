"""Tag-list parsing (DKIM-1, DKIM-2, DKIM-3)."""

import pytest

from toolkit.core.tags import TagListError, parse_tag_list, strip_fws


def test_whitespace_around_names_and_values_is_dropped_inside_kept():
    tags = parse_tag_list("v=1;  a = rsa-sha256 ;\r\n\tb=ab cd\r\n ef ; z=;")
    assert tags.get("a") == "rsa-sha256"
    assert tags.get("b") == "ab cd\r\n ef"  # DKIM-1: inner whitespace kept
    assert tags.get("z") == "" and "z" in tags  # empty value is not a missing tag
    assert tags.get("missing") is None
    assert tags.names() == ("v", "a", "b", "z")


def test_trailing_semicolon_allowed_and_names_case_sensitive():
    tags = parse_tag_list("A=1;a=2;")
    assert tags.get("A") == "1" and tags.get("a") == "2"


@pytest.mark.parametrize("text", ["a=1; a=2", "a=1;;b=2", "=1", "a", "1a=2", "a b=1"])
def test_bad_lists_are_errors(text):
    with pytest.raises(TagListError):
        parse_tag_list(text)


def test_duplicates_can_be_allowed_for_lenient_readers():
    assert parse_tag_list("a=1; a=2", allow_duplicates=True).get("a") == "1"


def test_strip_fws_for_base64():
    assert strip_fws("ab c\r\n\tde ") == "abcde"  # DKIM-3


def test_bytes_input():
    assert parse_tag_list(b"v=DKIM1; p=abc").get("p") == "abc"

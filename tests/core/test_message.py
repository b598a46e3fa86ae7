"""Raw message model: bytes kept exactly, never re-folded (DKIM-22)."""

from hypothesis import given, settings
from hypothesis import strategies as st
from support.fuzz import examples

from toolkit.core.message import LineEndingFacts, parse_message, to_crlf


def test_fields_keep_folding_and_order():
    raw = b"From: a@example.com\r\nSubject: one\r\n two\r\nTo: b@example.org\r\n\r\nbody\r\n"
    msg = parse_message(raw)
    assert [h.name for h in msg.headers] == ["From", "Subject", "To"]
    assert msg.headers[1].raw == b"Subject: one\r\n two\r\n"
    assert msg.headers[1].value == b" one\r\n two"
    assert msg.headers[1].unfolded() == "one two"
    assert bytes(msg.body) == b"body\r\n"
    assert msg.raw == raw  # untouched
    assert msg.has_separator and not msg.line_endings.normalised


def test_bare_lf_becomes_crlf_and_bare_cr_stays_data():
    """DKIM-22 (changed 2026-12-02): only a bare LF is a line end; a bare CR is kept, and both are counted."""
    msg = parse_message(b"From: a@example.com\nX: y\rz\r\n\nbody\r\rend\n")
    assert msg.raw == b"From: a@example.com\r\nX: y\rz\r\n\r\nbody\r\rend\r\n"
    assert msg.line_endings.bare_lf == 3 and msg.line_endings.bare_cr == 3 and msg.line_endings.crlf == 1
    assert [h.raw for h in msg.headers] == [b"From: a@example.com\r\n", b"X: y\rz\r\n"]
    assert bytes(msg.body) == b"body\r\rend\r\n"
    assert msg.line_endings.describe() == "converted 3 bare LF line endings to CRLF, kept 3 bare CR as data"


def test_bare_cr_alone_changes_nothing():
    data = b"From: a@example.com\r\nX: a\rb\r\n\r\nbody\r\r\n"
    msg = parse_message(data)
    assert msg.raw is data and not msg.line_endings.normalised
    assert msg.headers[1].raw == b"X: a\rb\r\n" and msg.headers[1].unfolded() == "a\rb"


def test_space_before_colon_name_is_trimmed_but_raw_kept():
    msg = parse_message(b"Subject : hi\r\n\r\n")
    assert msg.headers[0].name == "Subject"
    assert msg.headers[0].raw == b"Subject : hi\r\n"
    assert msg.get_first("subject") is msg.headers[0]


def test_no_separator_and_defects_are_recorded_not_raised():
    msg = parse_message(b"From: a@example.com\r\nnot a header\r\nX: \x00y")
    assert not msg.has_separator
    assert bytes(msg.body) == b""
    assert any("without a colon" in d for d in msg.defects)
    assert any("NUL" in d for d in msg.defects)
    assert any("no empty line" in d for d in msg.defects)


def test_empty_body_and_empty_input():
    msg = parse_message(b"From: a@example.com\r\n\r\n")
    assert msg.has_separator and bytes(msg.body) == b""
    empty = parse_message(b"")
    assert empty.headers == () and bytes(empty.body) == b""


def test_leading_empty_line_means_no_headers():
    msg = parse_message(b"\r\nbody")
    assert msg.headers == () and bytes(msg.body) == b"body"


def test_get_all_is_case_insensitive_and_ordered():
    msg = parse_message(b"Received: 1\r\nreceived: 2\r\nRECEIVED: 3\r\n\r\n")
    assert [h.unfolded() for h in msg.get_all("Received")] == ["1", "2", "3"]


def test_to_crlf_fast_path_returns_same_object():
    data = b"a\r\nb\r\n"
    assert to_crlf(data)[0] is data


@settings(max_examples=examples(800), deadline=None)
@given(
    st.lists(
        st.sampled_from([b"a", b"a" * 40, b"\r", b"\n", b"\r\n", b"\n\r", b"\r\r\n", b"\r\n\r\n"]), max_size=40
    ).map(b"".join)
)
def test_line_ending_facts_are_the_plain_counts(data):
    """The line-ending facts (DKIM-22) are those of three plain counts, with CRs sparse or dense, bare or not."""
    crlf = data.count(b"\r\n")
    assert to_crlf(data)[1] == LineEndingFacts(crlf, data.count(b"\n") - crlf, data.count(b"\r") - crlf)

"""The regex header splitter in parse_message gives exactly what the original line-by-line loop gave (DKIM-22).

The reference below is the loop parse_message used before the performance work; hypothesis feeds both the
awkward bytes (bare CR/LF, leading WSP, no colon, no separator, empty lines) and compares every output.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from support.fuzz import examples

from toolkit.core.message import HeaderField, parse_message, to_crlf


def reference_parse(data: bytes) -> tuple:
    raw, facts = to_crlf(data)
    headers: list[HeaderField] = []
    defects: list[str] = []
    if b"\x00" in raw:
        defects.append("message contains NUL bytes")

    def make(raw_field: bytes) -> HeaderField:
        colon = raw_field.find(b":")
        if colon < 0:
            defects.append(f"header line without a colon: {raw_field[:40]!r}")
            name = raw_field.rstrip(b"\r\n")
        else:
            name = raw_field[:colon].rstrip(b" \t")
        return HeaderField(name.decode("utf-8", "surrogateescape"), raw_field)

    pos, end = 0, len(raw)
    body_offset, has_separator, start = end, False, None
    while pos < end:
        eol = raw.find(b"\r\n", pos)
        next_pos = end if eol < 0 else eol + 2
        line = raw[pos : (end if eol < 0 else eol)]
        if not line and eol >= 0:
            has_separator, body_offset = True, next_pos
            break
        if line[:1] in (b" ", b"\t") and start is not None:
            pos = next_pos
            continue
        if start is not None:
            headers.append(make(raw[start:pos]))
        start, pos = pos, next_pos
    if start is not None:
        headers.append(make(raw[start : body_offset - 2 if has_separator else end]))
    if not has_separator and raw:
        defects.append("no empty line between header and body")
    return raw, tuple(headers), body_offset, has_separator, facts, tuple(defects)


def observed(data: bytes) -> tuple:
    m = parse_message(data)
    return m.raw, m.headers, m.body_offset, m.has_separator, m.line_endings, m.defects


PIECES = [b"a", b"B", b":", b" ", b"\t", b"\r", b"\n", b"\r\n", b"\x00", b"x: y", b"\r\n ", b"\r\n\r\n", b"\xff"]


@settings(max_examples=examples(600), deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_same_fields_as_the_line_loop(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    assert observed(data) == reference_parse(data)


def test_fixed_cases() -> None:
    for data in [
        b"",
        b"\r\n",
        b"\r\nbody",
        b" lead: x\r\n more\r\nA: b\r\n\r\nbody\r\n",
        b"A: 1\r\nno colon\r\n\tcont\r\nB:2",
        b"A: 1\r\n",
        b"A: 1\n\nbody",
        b"A: 1\r\n \r\n\r\n",
    ]:
        assert observed(data) == reference_parse(data), data


def test_lname_is_the_lowercase_name_and_not_compared() -> None:
    field = HeaderField("DKIM-Signature", b"DKIM-Signature: v=1\r\n")
    assert field.lname == "dkim-signature"
    assert field == HeaderField("DKIM-Signature", b"DKIM-Signature: v=1\r\n")
    assert "lname" not in repr(field)


def test_header_field_stays_frozen_hashable_and_picklable() -> None:
    import dataclasses
    import pickle

    field = HeaderField("Subject", b"Subject: hi\r\n")
    try:
        field.name = "x"  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("HeaderField must stay frozen")
    assert hash(field) == hash(HeaderField("Subject", b"Subject: hi\r\n"))
    copy = pickle.loads(pickle.dumps(field))
    assert copy == field and copy.lname == "subject"
    message = parse_message(b"From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n")
    again = pickle.loads(pickle.dumps(message))
    assert again == message and [h.lname for h in again.headers] == ["from", "subject"]


def test_step_keeps_its_dataclass_behaviour() -> None:
    import dataclasses
    import pickle

    from toolkit.core.results import Step

    step = Step("DKIM-19", "body hash", True)
    assert step.detail == "" and step == Step(rule="DKIM-19", what="body hash", ok=True, detail="")
    assert hash(step) == hash(Step("DKIM-19", "body hash", True, ""))
    assert step != Step("DKIM-19", "body hash", False)
    assert repr(step) == "Step(rule='DKIM-19', what='body hash', ok=True, detail='')"
    assert pickle.loads(pickle.dumps(step)) == step
    assert dataclasses.replace(step, ok=None).ok is None
    assert [f.name for f in dataclasses.fields(step)] == ["rule", "what", "ok", "detail"]
    try:
        step.ok = False  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("Step must stay frozen")

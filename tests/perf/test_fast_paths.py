"""Fast paths added for speed give exactly what the code they replaced gave (DKIM-1, DKIM-2, DKIM-9, DKIM-24).

Each reference below is the implementation before the performance work; hypothesis compares them on awkward input.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from support.fuzz import examples

from toolkit.core.canon import _collapse_wsp, canon_header_relaxed
from toolkit.core.dkim.common import valid_header_name, valid_header_names
from toolkit.core.tags import TagListError, parse_tag_list

_TAG_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def reference_tag_list(text: str, allow_duplicates: bool) -> tuple:
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    parts = text.split(";")
    for index, part in enumerate(parts):
        if not part.strip(" \t\r\n"):
            if index == len(parts) - 1:
                break
            raise TagListError(f"empty tag-spec at position {index + 1}")
        if "=" not in part:
            raise TagListError(f"tag-spec without '=': {part.strip()[:40]!r}")
        name, value = part.split("=", 1)
        name = name.strip(" \t\r\n")
        if not _TAG_NAME.match(name):
            raise TagListError(f"invalid tag name {name[:40]!r}")
        if name in seen and not allow_duplicates:
            raise TagListError(f"tag {name!r} appears twice")
        seen.add(name)
        pairs.append((name, value.strip(" \t\r\n")))
    return tuple(pairs)


def outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except TagListError as exc:
        return ("error", str(exc))


TAG_PIECES = ["a", "b", "v", "1", "_", "=", ";", " ", "\t", "\r\n", "\r\n ", "\n", "x y", "é", "==", ";;"]


@settings(max_examples=examples(800), deadline=None)
@given(st.lists(st.sampled_from(TAG_PIECES), max_size=30), st.booleans())
def test_tag_list_same_as_before(pieces: list[str], allow_duplicates: bool) -> None:
    text = "".join(pieces)
    new = outcome(lambda t: parse_tag_list(t, allow_duplicates=allow_duplicates).pairs, text)
    assert new == outcome(reference_tag_list, text, allow_duplicates)


def reference_canon_relaxed(raw_field: bytes) -> bytes:
    if raw_field.endswith(b"\r\n"):
        raw_field = raw_field[:-2]
    name, _, value = raw_field.partition(b":")
    if b"\r\n" in value:
        value = value.replace(b"\r\n", b"")
    if b"\r\n" in name:
        name = name.replace(b"\r\n", b"")
    return name.rstrip(b" \t").lower() + b":" + _collapse_wsp(value).strip(b" ") + b"\r\n"


FIELD_PIECES = [b"Sub", b"ject", b"X", b":", b" ", b"  ", b"\t", b"\r\n", b"\r\n\t"]
FIELD_PIECES += [b"\r", b"\n", b"\x0b", b"\x0c", b"a b"]  # bare CR/LF, VT, FF: what bytes.split() also cuts at


@settings(max_examples=examples(1500), deadline=None)
@given(st.lists(st.sampled_from(FIELD_PIECES), max_size=25))
def test_relaxed_header_same_as_before(pieces: list[bytes]) -> None:
    raw = b"".join(pieces)
    assert canon_header_relaxed(raw) == reference_canon_relaxed(raw)


@settings(max_examples=examples(500), deadline=None)
@given(st.lists(st.text(alphabet="ab:- \t\n\x7f~;", max_size=6), min_size=1, max_size=6))
def test_header_name_list_same_as_one_by_one(names: list[str]) -> None:
    # callers pass names with surrounding whitespace stripped (h= split at ':', or configured names .strip()ped)
    names = [n.strip(" \t\r\n") for n in names]
    assert valid_header_names(names) == all(valid_header_name(n) for n in names)
    assert not valid_header_names(["from", "a:b"])  # a configured name holding ':' stays invalid


def reference_comment(text: str) -> str | None:
    if not text:
        return None
    text = re.sub(r"[^\x20-\x7e]", "?", text)
    text = re.sub(r"([()\\])", r"\\\1", text)
    return text[:200]


@settings(max_examples=examples(800), deadline=None)
@given(st.text(alphabet="ab ()\\\x00\x7f\xe9\t~!", max_size=230))
def test_ar_comment_same_as_before(text: str) -> None:
    from toolkit.core.arheader import _comment

    assert _comment(text) == reference_comment(text)


def test_canonical_field_cache_is_keyed_by_bytes_and_method() -> None:
    from toolkit.core.dkim.common import header_hash_input
    from toolkit.core.message import parse_message

    message = parse_message(b"From: A  <a@example.com>\r\nSubject:  Hi\r\n\tthere \r\nsubject: x\r\n\r\n")
    signature = b"DKIM-Signature: v=1; b=\r\n"
    cache: dict = {}
    for method in ("relaxed", "simple", "relaxed"):
        assert header_hash_input(message.headers, signature, method, cache) == header_hash_input(
            message.headers, signature, method
        )
    assert {key[1] for key in cache} == {"relaxed", "simple"} and len(cache) == 6


def reference_remove_b_value(raw_field: bytes) -> bytes:
    b_tag = re.compile(rb"^[ \t\r\n]*b[ \t\r\n]*=")
    colon = raw_field.find(b":")
    parts = raw_field[colon + 1 :].split(b";")
    for index, part in enumerate(parts):
        match = b_tag.match(part)
        if match:
            tail = b"\r\n" if index == len(parts) - 1 and part.endswith(b"\r\n") else b""
            parts[index] = part[: match.end()] + tail
            break
    return raw_field[: colon + 1] + b";".join(parts)


B_PIECES = [b"DKIM-Signature", b":", b";", b" ", b"\r\n\t", b"\r\n", b"b", b"bh", b"=", b"abc", b"b=x", b"\t"]


@settings(max_examples=examples(1500), deadline=None)
@given(st.lists(st.sampled_from(B_PIECES), max_size=25))
def test_remove_b_value_same_as_before(pieces: list[bytes]) -> None:
    from toolkit.core.dkim.common import remove_b_value

    raw = b"".join(pieces)
    assert remove_b_value(raw) == reference_remove_b_value(raw)


@settings(max_examples=examples(500), deadline=None)
@given(st.text(alphabet="aZ+/= \t\r\n\x0b\x0c\xa0", max_size=40))
def test_strip_fws_removes_exactly_sp_tab_cr_lf(text: str) -> None:
    from toolkit.core.tags import strip_fws

    assert strip_fws(text) == re.sub(r"[ \t\r\n]+", "", text)

"""DMARC-1: From parsing details (toolkit/core/dmarc/address.py)."""

from __future__ import annotations

import pytest

from toolkit.core.dmarc.address import AuthorError, _simple_mailbox, author_domains, parse_mailboxes, to_alabel
from toolkit.core.message import parse_message


@pytest.mark.parametrize(
    "value",
    [
        "joe@example.com",
        "Joe <joe@example.com>",
        '"Joe Q." <joe@example.com>',
        "  Joe Q. Public   <j.q@mail.example.com> ",
    ],
)
def test_fast_path_agrees_with_full_parser(value):
    fast = _simple_mailbox(value)
    full, empty = parse_mailboxes(value)
    assert fast is not None and not empty and len(full) == 1
    assert (fast.local_part, fast.domain) == (full[0].local_part, full[0].domain)


@pytest.mark.parametrize(
    "value", ['"a \\" b" <x@example.com>', "a@example.com, b@example.com", "g: a@example.com;", "(c) a@example.com"]
)
def test_fast_path_declines_what_it_cannot_judge(value):
    assert _simple_mailbox(value) is None


def test_multiple_authors_dedupes_and_caps_at_five():
    """DMARC-1 [ours]: several From domains only with the option; at most 5."""
    many = ", ".join(f"u@d{i}.example.com" for i in range(6))
    result = author_domains(parse_message(f"From: {many}\r\n\r\n".encode()), allow_multiple=True)
    assert result.error is AuthorError.TOO_MANY_DOMAINS
    two = author_domains(
        parse_message(b"From: a@example.com, b@EXAMPLE.com, c@example.org\r\n\r\n"), allow_multiple=True
    )
    assert two.domains == ("example.com", "example.org")


@pytest.mark.parametrize(
    ("name", "alabel"),
    [("Example.COM.", "example.com"), ("bücher.example", "xn--bcher-kva.example"), ("a..b", None), ("", None),
     ("x" * 64 + ".example", None), ("exa_mple.com", "exa_mple.com")],
)  # fmt: skip
def test_to_alabel(name, alabel):
    assert to_alabel(name) == alabel

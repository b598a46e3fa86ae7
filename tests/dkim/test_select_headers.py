"""Header selection (DKIM-20 step 1): select_headers, which plans the repeats of an h= list once per list, against
the rule written the plain way (for each name, the bottom-most instance not used yet)."""

from hypothesis import given, settings
from hypothesis import strategies as st
from support.fuzz import examples

from toolkit.core.dkim.common import index_headers, select_headers
from toolkit.core.message import HeaderField


def reference(headers: list[HeaderField], names: list[str]) -> list[HeaderField]:
    used: set[int] = set()  # positions in headers
    chosen = []
    for name in names:
        for position in reversed(range(len(headers))):
            if position not in used and headers[position].lname == name:
                chosen.append(headers[position])
                used.add(position)
                break
    return chosen


_NAMES = ["from", "to", "subject", "date", "x-a"]
_field = st.tuples(st.sampled_from(["From", "to", "SUBJECT", "Date", "X-A"]), st.sampled_from(["a", "b"])).map(
    lambda nv: HeaderField(nv[0], f"{nv[0]}: {nv[1]}\r\n".encode())
)


@settings(max_examples=examples(500), deadline=None)
@given(headers=st.lists(_field, max_size=10), names=st.lists(st.sampled_from(_NAMES), max_size=70))
def test_select_headers_matches_the_rule(headers, names):
    expected = reference(headers, names)
    by_name = index_headers(headers)
    for given_names in (names, tuple(names), tuple(names)):  # a list, a tuple planned, the same tuple kept
        chosen = select_headers(by_name, given_names)
        assert [id(f) for f in chosen] == [id(f) for f in expected]

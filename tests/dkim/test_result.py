"""DkimState.result() turns the state into the frozen DkimResult in place (for speed): the constructor's object."""

from dataclasses import fields

from toolkit.core.dkim.common import DkimReason
from toolkit.core.dkim.result import DkimResult, DkimState
from toolkit.core.dns import DnsAnswer, DnsStatus
from toolkit.core.results import Step, Verdict


def test_result_sets_every_field_as_the_constructor_does():
    answer = DnsAnswer("s._domainkey.example.com", "TXT", DnsStatus.OK, ((b"v=DKIM1; p=",),))
    same = dict(
        domain="example.com",
        selector="s",
        identity="@example.com",
        algorithm="ed25519-sha256",
        b_prefix="abc",
        testing=True,
        key_answer=answer,
        key_type="ed25519",
        key_bits=256,
        body_hash_expected="x",
        body_hash_computed="y",
        unsigned_body_bytes=7,
        signed_headers=("from", "to"),
        header_index=3,
        key_record=None,
    )
    state = DkimState(tags={"d": "example.com"}, steps=[Step("DKIM-4", "required tags", True)], **same)
    made = state.result(Verdict.FAIL, DkimReason.BODY_HASH_MISMATCH, "detail")
    expected = DkimResult(
        verdict=Verdict.FAIL,
        reason=DkimReason.BODY_HASH_MISMATCH,
        tags={"d": "example.com"},
        steps=(Step("DKIM-4", "required tags", True),),
        comment="body hash did not verify; testing",
        **same,
    )
    for f in fields(DkimResult):  # compare=False fields too
        assert getattr(made, f.name) == getattr(expected, f.name), f.name
    assert made == expected and made.to_json() == expected.to_json()


def test_state_has_the_result_fields_in_order_and_becomes_one():
    """result() switches the state's class to DkimResult, which CPython allows only for the same slots."""
    assert [f.name for f in fields(DkimState)] == [f.name for f in fields(DkimResult)]
    state = DkimState(steps=[Step("DKIM-4", "required tags", True)])
    made = state.result(Verdict.PASS, None, "")
    assert type(made) is DkimResult and made.steps == (Step("DKIM-4", "required tags", True),)
    assert made == DkimResult(Verdict.PASS, None, steps=made.steps)

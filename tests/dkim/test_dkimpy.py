"""dkimpy 1.1.8 as a differential oracle, both directions (DKIM-39 lists its quirks).

dkimpy gets its keys from a dnsfunc that serves our MemoryResolver's answers, so nothing touches the network.
dkimpy stamps t= with the real clock, so its signatures are verified at the real time.
"""

import itertools
import time

import dkim
import pytest
from cryptography.hazmat.primitives import serialization

from toolkit.core.dkim import SignerConfig, sign, verify
from toolkit.core.dkim.keys import from_private_key
from toolkit.core.message import parse_message
from toolkit.core.results import Verdict

NOW = 1_700_000_000
CANONS = list(itertools.product(("simple", "relaxed"), repeat=2))


def dnsfunc_for(resolver):
    def dnsfunc(name, timeout=5):
        text = name.decode() if isinstance(name, bytes) else name
        answer = resolver.query(text, "TXT")
        return answer.txt_joined()[0] if answer.ok else None

    return dnsfunc


def dkimpy_key(private_key) -> bytes:
    return from_private_key(private_key).dkimpy_private_key()


def dkimpy_verify_all(message: bytes, resolver) -> list[bool]:
    checker = dkim.DKIM(message)
    count = sum(1 for h in parse_message(message).headers if h.lname == "dkim-signature")
    return [checker.verify(idx=i, dnsfunc=dnsfunc_for(resolver)) for i in range(count)]


@pytest.mark.parametrize(("head", "body"), CANONS)
@pytest.mark.parametrize("selector", ["rsa", "ed"])
def test_ours_verified_by_dkimpy(keys, selector, head, body):
    key = keys.rsa if selector == "rsa" else keys.ed
    now = int(time.time())  # dkimpy checks x= against its own clock
    config = SignerConfig("example.com", selector, key, canon=f"{head}/{body}", expire_after=3600)
    message = sign(keys.MESSAGE, [config], now)
    assert dkim.verify(message, dnsfunc=dnsfunc_for(keys.resolver()))


def test_ours_with_l_and_i_and_two_signers_verified_by_dkimpy(keys):
    signers = [
        SignerConfig("example.com", "rsa", keys.rsa, body_length=True, identity="alice@example.com"),
        SignerConfig("example.com", "ed", keys.ed, canon="simple/simple", headers=["from", "dkim-signature"]),
    ]
    message = sign(keys.MESSAGE, signers, int(time.time()))
    assert dkimpy_verify_all(message, keys.resolver()) == [True, True]


def test_dkimpy_sees_our_tampered_messages_fail_too(keys):
    message = sign(keys.MESSAGE, [SignerConfig("example.com", "rsa", keys.rsa)], int(time.time()))
    assert not dkim.verify(message.replace(b"Lunch", b"Dinner"), dnsfunc=dnsfunc_for(keys.resolver()))
    assert not dkim.verify(message.replace(b"new  place", b"old place"), dnsfunc=dnsfunc_for(keys.resolver()))


@pytest.mark.parametrize(("head", "body"), CANONS)
@pytest.mark.parametrize("selector", ["rsa", "ed"])
def test_dkimpy_verified_by_ours(keys, selector, head, body):
    key = keys.rsa if selector == "rsa" else keys.ed
    algorithm = b"rsa-sha256" if selector == "rsa" else b"ed25519-sha256"
    field = dkim.sign(
        keys.MESSAGE,
        selector.encode(),
        b"example.com",
        dkimpy_key(key),
        canonicalize=(head.encode(), body.encode()),
        signature_algorithm=algorithm,
    )
    now = int(time.time())
    (result,) = verify(parse_message(field + keys.MESSAGE), keys.resolver(), now)
    assert result.verdict is Verdict.PASS, result.steps
    tampered = field + keys.MESSAGE.replace(b"Lunch", b"Dinner")
    assert verify(parse_message(tampered), keys.resolver(), now)[0].verdict is Verdict.FAIL


def test_dkimpy_length_and_identity_verified_by_ours(keys):
    field = dkim.sign(
        keys.MESSAGE,
        b"rsa",
        b"example.com",
        dkimpy_key(keys.rsa),
        identity=b"bob@sub.example.com",
        length=True,
        include_headers=[b"from", b"to", b"subject"],
    )
    message = field + keys.MESSAGE + b"appended\r\n"
    (result,) = verify(parse_message(message), keys.resolver(), int(time.time()))
    assert result.verdict is Verdict.PASS and result.unsigned_body_bytes > 0
    assert result.identity == "bob@sub.example.com"


def test_dkimpy_accepts_our_pkcs1_record_shape(keys):
    """DKIM-16 both ways: a bare PKCS#1 p= works for dkimpy and for us."""
    import base64

    der = keys.rsa.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    record = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
    resolver = keys.resolver(**{"rsa._domainkey.example.com": {"TXT": [[record]]}})
    message = sign(keys.MESSAGE, [SignerConfig("example.com", "rsa", keys.rsa)], int(time.time()))
    assert verify(parse_message(message), resolver, int(time.time()))[0].verdict is Verdict.PASS
    assert dkim.verify(message, dnsfunc=dnsfunc_for(resolver))


def test_pinned_quirk_relaxed_body_without_final_crlf():
    """A last line without CRLF: we (like Mail::DKIM) drop its trailing WSP before adding the CRLF, so the
    canonical body is the same before and after SMTP adds the missing CRLF; dkimpy 1.1.8 keeps the WSP.
    Only .eml files that do not end in a newline are affected (SMTP always ends the body with CRLF)."""
    from dkim.canonicalization import Relaxed

    from toolkit.core.canon import canon_body

    assert canon_body(b"x \t", "relaxed") == canon_body(b"x \t\r\n", "relaxed") == b"x\r\n"
    assert Relaxed.canonicalize_body(b"x \t") == b"x \r\n"  # dkimpy differs here
    assert Relaxed.canonicalize_body(b"x \t\r\n") == b"x\r\n"  # and agrees once the CRLF is there

"""The `--json` "arc" shape (issue 12) and the A-R entry (STANDARDS ARC-5)."""

from __future__ import annotations

from arc.chain import NOW, Hops

from toolkit.core import arheader
from toolkit.core.arc import verify


def test_json_shape_and_ar_entry():
    hops = Hops(2)
    result = verify(hops.chain(2), hops.resolver(), NOW)
    data = result.to_json()
    assert {"result", "reason", "oldest_pass", "instances"} <= set(data)
    assert (data["result"], data["reason"], data["oldest_pass"]) == ("pass", None, 1)
    first = data["instances"][0]
    assert set(first) == {"i", "d", "s", "a", "cv", "ams", "as", "authserv_id", "aar"}
    assert (first["i"], first["d"], first["s"], first["a"], first["cv"]) == (
        1,
        "fwd1.example.net",
        "arc",
        "rsa-sha256",
        "none",
    )
    assert first["authserv_id"] == "mx.fwd1.example.net" and first["aar"] == "arc=none"
    assert first["ams"]["result"] == "pass" and first["as"] == {
        "result": "pass",
        "reason": None,
        "detail": first["as"]["detail"],
    }
    entry = arheader.format_entry(result.ar_entry("192.0.2.1"))
    assert entry == "arc=pass header.oldest-pass=1 smtp.remote-ip=192.0.2.1"


def test_failed_chain_entry_has_a_comment_and_no_oldest_pass():
    hops = Hops(1)
    result = verify(hops.chain(1) + b"changed\r\n", hops.resolver(), NOW)
    assert arheader.format_entry(result.ar_entry()) == "arc=fail (ams failed)"
    assert result.to_json()["instances"][0]["ams"]["reason"] == "BODY_HASH_MISMATCH"

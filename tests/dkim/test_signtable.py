"""The signing table format (toolkit/core/dkim/signtable.py docstring)."""

import pytest

from toolkit.core.dkim.signtable import SigningTable
from toolkit.core.errors import CallerError

TABLE = """\
# sender         signing domain    selector  key
example.com      d=example.com     rsa2026   keys/example.com.rsa.pem
example.com      d=example.com     ed2026    keys/example.com.ed.pem   algorithm=ed25519-sha256
*.example.com    d=example.com     sub       /abs/sub.pem  # subdomains
*.lists.example.com  lists.example.com  l1   keys/lists.pem expire=3600
*                d=relay.example.net  relay  relay.pem
"""


def test_parse_and_lookup_exact_gives_every_line():
    table = SigningTable.parse(TABLE, base_dir="/etc/emlauth")
    entries = table.lookup("Example.COM")
    assert [(e.domain, e.selector) for e in entries] == [("example.com", "rsa2026"), ("example.com", "ed2026")]
    assert entries[0].key_path == "/etc/emlauth/keys/example.com.rsa.pem"
    assert entries[1].algorithm == "ed25519-sha256"
    assert entries[0].line == 2


def test_wildcards_most_specific_wins():
    table = SigningTable.parse(TABLE, base_dir="/etc/emlauth")
    (sub,) = table.lookup("mail.example.com")
    assert sub.selector == "sub" and sub.key_path == "/abs/sub.pem"  # absolute path kept
    (lists,) = table.lookup("a.lists.example.com")
    assert lists.domain == "lists.example.com" and lists.expire == 3600
    (relay,) = table.lookup("example.org")
    assert relay.domain == "relay.example.net"
    assert SigningTable.parse("example.com d=example.com s k.pem").lookup("example.org") == []
    # *.example.com does not match example.com itself, nor notexample.com
    only_wild = SigningTable.parse("*.example.com example.com s k.pem")
    assert only_wild.lookup("example.com") == [] and only_wild.lookup("notexample.com") == []


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("example.com d=example.com sel", "expected"),
        ("example.com d=example.com sel k.pem extra=1", "unknown option"),
        ("bad_pattern! d=example.com sel k.pem", "bad sender pattern"),
        ("example.com d=not_a_domain! sel k.pem", "bad signing domain"),
        ("example.com d=example.com bad/sel k.pem", "bad selector"),
        ("example.com d=example.com sel k.pem expire=soon", "expire="),
    ],
)
def test_bad_lines_name_the_line(line, words):
    with pytest.raises(CallerError, match=words) as info:
        SigningTable.parse("# header\n" + line, source="table.txt")
    assert "table.txt:2" in str(info.value)


def test_to_json():
    (entry,) = SigningTable.parse("example.com example.com s k.pem canon=simple/simple").entries
    assert entry.to_json()["canon"] == "simple/simple"

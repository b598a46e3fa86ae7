"""DkimResult keeps its header index and parsed key record (issue 12 §1), so diagnose need not find them again."""

from toolkit.core.dkim import SignerConfig, sign, verify
from toolkit.core.message import parse_message
from toolkit.core.signature import TAG_RULES


def test_header_index_and_key_record(keys):
    signed = sign(
        keys.MESSAGE,
        [SignerConfig("example.com", "rsa", keys.rsa), SignerConfig("example.com", "ed", keys.ed)],
        keys.NOW,
    )
    message = parse_message(b"X-Top: 1\r\n" + signed)
    results = verify(message, keys.resolver(), keys.NOW)
    assert [r.header_index for r in results] == [1, 2]
    assert all(message.headers[r.header_index].lname == "dkim-signature" for r in results)
    assert [r.key_record.key_type for r in results] == ["ed25519", "rsa"]
    assert "header_index" not in results[0].to_json() and "key_record" not in results[0].to_json()


def test_one_tag_table_and_ams_needs_no_v():
    assert TAG_RULES["dkim-signature"].required == ("v", "a", "b", "bh", "d", "h", "s")
    assert "v" not in TAG_RULES["arc-message-signature"].required
    assert TAG_RULES["arc-seal"].forbidden == ("h",)

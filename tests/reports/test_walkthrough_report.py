"""`emlauth walkthrough report-basics`: the sample report read element by element, with what to do about each kind
of sender, in English and Japanese."""

from __future__ import annotations

from toolkit.shells.cli import main


def narrate(capsys, *argv) -> str:
    assert main(["walkthrough", "report-basics", *argv]) == 0
    return capsys.readouterr().out


def test_english_explains_every_element_and_every_sender(capsys):
    text = narrate(capsys)
    for element in ("report_metadata", "policy_published", "policy_evaluated", "identifiers", "auth_results"):
        assert element in text
    assert "np=reject: the same for subdomains that do not exist at all (RFC 9989)" in text
    for label in (
        "your ESP, aligned by DKIM",
        "your own server, aligned by SPF only",
        "a forwarder: SPF fails, DKIM survives",
        "a mailing list: DKIM broken, not aligned",
        "a service that sends as you but authenticates as crm.example.net",
        "nobody you know: nothing authenticated, probably spoofing",
    ):
        assert f"What it is: {label}." in text
    assert "4. Record 1: 1,240 messages from 192.0.2.17" in text
    assert "For this sample: 113 of 1,762 messages come from legitimate-looking senders that fail DMARC" in text


def test_japanese(capsys):
    text = narrate(capsys, "--lang", "ja")
    assert text.startswith("ウォークスルー: DMARC 集計レポートの読み方\n")
    assert "これは何か: 配信サービス (ESP)。DKIM で一致。" in text
    assert "これは何か: 心当たりのない送信元。何も認証されておらず、なりすましの可能性が高い。" in text
    assert "1,762 通のうち 113 通が" in text
    assert "What it is" not in text


def test_listed(capsys):
    assert main(["walkthrough", "--list"]) == 0
    assert "report-basics" in capsys.readouterr().out

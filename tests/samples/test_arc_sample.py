"""The mailing-list-arc lesson end to end (issue 12 §6; STANDARDS ARC-3, ARC-5): a forwarder seals, the list's
footer breaks DKIM and DMARC, the chain validates, and only a trusted sealer's AAR overrides the disposition."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from toolkit.core.verify import SmtpContext, VerifyOptions, verify_message
from toolkit.resolvers.zonefile import ZoneFileResolver
from toolkit.shells.cli import main, verify_eml_main
from toolkit.shells.exits import report_exit_code

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CASE = next(c for c in tomllib.loads((SAMPLES / "cases.toml").read_text())["sample"] if c["name"] == "mailing-list-arc")
EXPECT = CASE["expect"]


@pytest.fixture(scope="module")
def resolver() -> ZoneFileResolver:
    return ZoneFileResolver(SAMPLES / "zones")


def _verify(resolver, trusted: tuple[str, ...] = ()):
    raw = (SAMPLES / CASE["file"]).read_bytes()
    context = SmtpContext(CASE["ip"], CASE["helo"], CASE["mail_from"])
    return verify_message(raw, context, resolver, CASE["now"], VerifyOptions(arc_trusted=trusted))


def _argv(*extra: str) -> list[str]:
    argv = [str(SAMPLES / CASE["file"]), "--zones", str(SAMPLES / "zones"), "--ip", CASE["ip"]]
    return argv + ["--helo", CASE["helo"], "--mail-from", CASE["mail_from"], "--now", str(CASE["now"]), *extra]


def test_the_chain_validates_although_dkim_and_dmarc_fail(resolver) -> None:
    report = _verify(resolver)
    assert [d.verdict.value for d in report.dkim] == EXPECT["dkim"] == ["fail"]
    assert report.dkim[0].reason.value == "BODY_HASH_MISMATCH"  # the list's footer (DKIM-19)
    assert (report.dmarc.verdict.value, report.dmarc.disposition) == ("fail", EXPECT["disposition"])
    assert report.dmarc.override is None  # ARC-5: never on by default
    arc = report.arc
    assert (arc.verdict.value, arc.oldest_pass) == (EXPECT["arc"], EXPECT["oldest_pass"]) == ("pass", 2)
    hops = [(h.i, h.domain, h.cv, h.ams.status.value, h.seal.status.value) for h in arc.instances]
    # ARC-3: the forwarder's AMS broke at the footer (oldest pass i=2), both seals hold
    assert hops == [(1, "forwarder.test", "none", "fail", "pass"), (2, "lists.test", "pass", "pass", "pass")]
    assert "dmarc=pass" in arc.instances[0].aar and "spf=fail" in arc.instances[1].aar  # what each hop saw
    assert "arc=pass header.oldest-pass=2 smtp.remote-ip=192.0.2.70" in report.authentication_results.replace(
        "\r\n\t", " "
    )
    assert report_exit_code(report) == EXPECT["exit_code"]


def test_trusting_the_forwarder_overrides_the_disposition(resolver) -> None:
    report = _verify(resolver, (CASE["arc_trusted"],))
    dmarc = report.dmarc
    assert dmarc.verdict.value == "fail"  # ARC-5: the verdict itself never changes
    assert dmarc.disposition == EXPECT["trusted_disposition"] == "none"
    assert (dmarc.override.reason, dmarc.override.sealer, dmarc.override.instance) == (
        EXPECT["override"],
        "forwarder.test",
        1,
    )
    field = " ".join(report.authentication_results.split())
    assert "override=trusted_forwarder by forwarder.test, ARC i=1: dmarc=pass header.from=example.org" in field
    assert report_exit_code(report) == 1  # the exit code follows the DMARC verdict, not the local override


def test_a_sealer_not_trusted_changes_nothing(resolver) -> None:
    report = _verify(resolver, ("example.net",))
    assert report.dmarc.override is None and report.dmarc.disposition == "quarantine"


def test_verify_eml_json_arc_and_the_override_field(capsys) -> None:
    assert verify_eml_main(_argv("--json")) == 1
    data = json.loads(capsys.readouterr().out)
    assert [k for k in data if k in ("spf", "dkim", "arc", "dmarc")] == [
        "spf",
        "dkim",
        "arc",
        "dmarc",
    ]  # the methods' order (toolkit.core.methods)
    assert data["arc"]["result"] == "pass" and data["arc"]["oldest_pass"] == 2
    assert [(h["i"], h["d"], h["cv"], h["ams"]["result"]) for h in data["arc"]["instances"]] == [
        (1, "forwarder.test", "none", "fail"),
        (2, "lists.test", "pass", "pass"),
    ]
    assert data["dmarc"].get("override") is None  # the key appears only with an override
    assert verify_eml_main(_argv("--arc-trusted", "forwarder.test", "--header-only")) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "arc=pass header.oldest-pass=2" in out and "override=trusted_forwarder by forwarder.test" in out


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            [
                "4. ARC:",
                "Hop i=1: sealed by forwarder.test",
                "oldest message signature",
                "SotheDMARCdispositionbecomesnone",
            ],
        ),
        (
            "ja",
            [
                "4. ARC:",
                "ホップ i=1: forwarder.test が封印しました",
                "oldest-pass",
                "そのためDMARCの処置(disposition)はnoneになり",
            ],
        ),
    ],
)
def test_walkthrough_narrates_each_hop_and_the_override(capsys, lang: str, words: list[str]) -> None:
    assert main(["walkthrough", "mailing-list-arc", "--lang", lang]) == 1
    text = "".join(capsys.readouterr().out.split())  # wrapping moves line breaks: compare without white space
    for word in words:
        assert "".join(word.split()) in text, word
    assert main(["walkthrough", "mailing-list-arc", "--lang", lang, "--arc-trusted", "example.net"]) == 1
    text = "".join(capsys.readouterr().out.split())
    assert words[-1] not in text and "--arc-trusted" in text  # the option replaces the lesson's trust
    assert main(["walkthrough", "--list", "--lang", lang]) == 0
    assert "mailing-list-arc" in capsys.readouterr().out


def test_unsealed_samples_have_no_arc_section(capsys) -> None:
    assert main(["walkthrough", "mailing-list"]) == 1
    assert "\n4. ARC:" not in capsys.readouterr().out  # ARC-5: no chain, nothing to narrate or add to the A-R field

"""The rules reference: every rule ID that toolkit/ or any output cites resolves, docs/rules.md is current, and
`emlauth rules` prints a rule in either language."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from toolkit.core.verify import SmtpContext, verify_message
from toolkit.resolvers.zonefile import ZoneFileResolver
from toolkit.rules import RULES, cited, markdown, resolve
from toolkit.shells.cli import main
from toolkit.walkthrough import explain

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
CASES = tomllib.loads((SAMPLES / "cases.toml").read_text())["sample"]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _unresolved(ids: set[str]) -> list[str]:
    bad = []
    for ref in sorted(ids):
        try:
            resolve(ref)
        except KeyError:
            bad.append(ref)
    return bad


def test_every_id_cited_in_the_package_resolves() -> None:
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "toolkit").rglob("*.py")):
        for ref in cited(path.read_text()):
            found.setdefault(ref, set()).add(str(path.relative_to(ROOT)))
    assert len(found) > 50  # the scan sees the citations (DKIM-19 in the verifier, SPF-14 in the ledger, ...)
    assert _unresolved(set(found)) == []


def test_every_id_cited_in_sample_output_resolves() -> None:
    resolver = ZoneFileResolver(SAMPLES / "zones")
    ids: set[str] = set()
    for case in CASES:
        raw = (SAMPLES / case["file"]).read_bytes()
        report = verify_message(raw, SmtpContext(case["ip"], case["helo"], case["mail_from"]), resolver, case["now"])
        for lang in ("en", "ja"):
            ids |= cited(explain(report, lang=lang))
        ids |= cited(str(report.to_json()))
        ids |= cited(case["lesson"])
    assert {"DKIM-19", "SPF-14", "DMARC-11", "SES-1"} <= ids
    assert _unresolved(ids) == []


def test_ranges_and_unknown_ids() -> None:
    assert [r.id for r in resolve("DKIM-5..7")] == ["DKIM-5", "DKIM-6", "DKIM-7"]
    assert [r.id for r in resolve("dmarc-11")] == ["DMARC-11"]
    for bad in ("DKIM-99", "DKIM-7..5", "FOO-1", "DKIM"):
        with pytest.raises(KeyError):
            resolve(bad)


def test_every_rule_has_both_languages_and_a_source() -> None:
    for rule in RULES.values():
        assert rule.en and rule.en.isascii() and rule.en.endswith((".", ")")), rule.id
        assert JAPANESE.search(rule.ja) and rule.ja.endswith("。"), rule.id
        assert re.search(r"RFC \d+|Amazon SES|Gmail|Microsoft|dkimpy|authres", rule.ref), rule.id


def test_docs_rules_md_is_generated_from_the_package() -> None:
    assert (ROOT / "docs" / "rules.md").read_text() == markdown(), "run: python -m toolkit.rules > docs/rules.md"


def test_readme_points_at_the_project_rules() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "docs/rules.md" in readme and "shared/STANDARDS.md" not in readme


def test_cli_prints_a_rule_in_japanese(capsys) -> None:
    assert main(["rules", "DMARC-11", "--lang", "ja"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("DMARC-11  (RFC 9989 §7.4, §8)\n")
    assert "p=reject だけを理由に拒否はしません" in out.replace("\n    ", "")


def test_cli_family_and_unknown_id(capsys) -> None:
    assert main(["rules", "SES"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines() if not line.startswith(" ")] == [
        f"SES-{n}" for n in range(1, 9)
    ]
    assert main(["rules", "DKIM-99"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no rule 'DKIM-99'" in err

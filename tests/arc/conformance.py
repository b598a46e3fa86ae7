"""Load the ARC test suite (../shared/conformance/arc, ValiMail arc_test_suite f137dcb): scenarios and their keys.

The suite's messages use LF line endings (we convert to CRLF); each group's txt-records become a MemoryResolver.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from toolkit.resolvers.memory import MemoryResolver

ROOT = Path(__file__).resolve().parents[2]
# ../shared/conformance from the project root; a git worktree one level deeper finds it one level further up
SUITE = next(
    (p / "shared" / "conformance" / "arc" for p in ROOT.parents[:2] if (p / "shared" / "conformance" / "arc").is_dir()),
    ROOT.parent / "shared" / "conformance" / "arc",
)
VALIDATION = SUITE / "arc-draft-validation-tests.yml"
SIGNING = SUITE / "arc-draft-sign-tests.yml"
ABSENT = f"ARC conformance suite not found at {SUITE} (CI and developers have it; a bare clone does not)"


@dataclass(frozen=True)
class Scenario:
    group: str
    name: str
    test: dict
    txt_records: dict[str, str]
    group_data: dict

    @property
    def message(self) -> bytes:
        return self.test["message"].replace("\n", "\r\n").encode()

    def resolver(self) -> MemoryResolver:
        return MemoryResolver({name: {"TXT": [value]} for name, value in self.txt_records.items()})


def load(path: Path) -> list[Scenario]:
    scenarios = []
    with path.open("rb") as handle:
        for group in yaml.safe_load_all(handle):
            records = group.get("txt-records") or {}
            for name, test in group["tests"].items():
                scenarios.append(Scenario(group["description"].strip(), name, test, records, group))
    return scenarios


def expected_cv(test: dict) -> str:
    """ "Pass", "Fail" or "None" -> our A-R word; an empty cv is Fail, as Mail::DKIM and mailauth read it."""
    value = (test.get("cv") or "").strip().lower()
    return value or "fail"

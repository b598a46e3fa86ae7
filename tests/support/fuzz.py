"""How hard the hypothesis tests work: more under CI (see the profiles in tests/conftest.py)."""

from __future__ import annotations

import os

PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev")
CI_FACTOR = 3  # the CI profile runs each test's examples this many times over (derandomized: the same ones each run)
CI_DEFAULT_EXAMPLES = 300  # for tests that name no count of their own (hypothesis' default is 100)


def examples(count: int) -> int:
    """A test's own max_examples, scaled up under the CI profile."""
    return count * CI_FACTOR if PROFILE == "ci" else count

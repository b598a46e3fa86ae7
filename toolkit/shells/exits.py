"""Exit codes: a shell's business, not the core's (the core returns verdicts; the CLI turns them into a number)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from toolkit.core.results import COUNTS, DECIDES, Verdict

if TYPE_CHECKING:
    from toolkit.core.dkim import DkimResult
    from toolkit.core.dkim.keycheck import KeyCheckResult
    from toolkit.core.dmarc import DmarcResult
    from toolkit.core.domain import Finding
    from toolkit.core.spf import SpfResult
    from toolkit.core.verify import Report

EXIT_OK = 0  # DMARC pass, or nothing failed
EXIT_FAILED = 1  # a check failed
EXIT_USAGE = 2  # usage or I/O error
EXIT_TEMPERROR = 3  # a temporary DNS error decided the outcome

_FAILED = {Verdict.FAIL, Verdict.SOFTFAIL, Verdict.PERMERROR, Verdict.POLICY}

# emlauth keycheck: 0 match, 1 another key, 3 absent, 4 revoked/invalid, 5 DNS error (2 stays the usage error)
KEYCHECK_EXIT = {"match": 0, "mismatch": 1, "absent": 3, "revoked": 4, "invalid": 4, "temperror": 5}


def exit_code_for(spf: SpfResult | None, dkim: Sequence[DkimResult], dmarc: DmarcResult | None) -> int:
    """exit_code_from for loose results: SPF (MAIL FROM), DKIM and DMARC."""
    counted = [d.verdict for d in dkim] + ([spf.verdict] if spf is not None else [])
    return exit_code_from(dmarc.verdict if dmarc is not None else None, counted)


def exit_code_from(deciding: Verdict | None, counted: Sequence[Verdict]) -> int:
    """0 DMARC pass or nothing failed; 1 a check failed; 3 a temperror left the outcome open.

    When the deciding method (DMARC) reached a verdict it decides; otherwise (none, or not run) the counted
    verdicts (SPF MAIL FROM and DKIM) do. Which method plays which role is toolkit.core.methods' `exit_role`.
    """
    if deciding is not None and deciding is not Verdict.NONE:
        if deciding is Verdict.PASS:
            return EXIT_OK
        return EXIT_TEMPERROR if deciding is Verdict.TEMPERROR else EXIT_FAILED
    if any(v in _FAILED for v in counted):
        return EXIT_FAILED
    if any(v is Verdict.TEMPERROR for v in counted):
        return EXIT_TEMPERROR
    return EXIT_OK


def report_exit_code(report: Report) -> int:
    """verify-eml's exit code for one message, from the methods' roles (toolkit.core.methods.METHODS).

    One pass that skips the methods with no results (not asked for): this runs once per message of a batch."""
    deciding: Verdict | None = None
    counted: list[Verdict] = []
    for outcome in report.outcomes:
        if not outcome.results:
            continue
        role = outcome.method.exit_role
        if role == COUNTS:
            counted.extend(outcome.exit_verdicts)
        elif role == DECIDES and deciding is None:
            verdicts = outcome.exit_verdicts
            deciding = verdicts[0] if verdicts else None
    return exit_code_from(deciding, counted)


def keycheck_exit(result: KeyCheckResult) -> int:
    return KEYCHECK_EXIT[result.status.value]


def doctor_exit(findings: Sequence[Finding]) -> int:
    """emlauth doctor (and spf without --ip): 0 no error, 1 an error or critical finding, 3 a DNS temperror left a
    check open (and nothing worse)."""
    if any(f.level in ("error", "critical") and not f.temperror for f in findings):
        return EXIT_FAILED
    if any(f.temperror for f in findings):
        return EXIT_TEMPERROR
    return EXIT_OK

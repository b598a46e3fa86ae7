"""Report -> a numbered, narrated account of what the verifier did and why (pure: no I/O).

Everything said here comes from the evidence in the Report (SPF ledger, DKIM tags/steps/key answer, DMARC queries
and alignment, the A-R field). Nothing is checked a second time; the only computing done here is presentation
(canonicalized header lines for display) and the diagnostics of toolkit.core.diagnose for failures.

    from toolkit.walkthrough import explain
    print(explain(report))             # English
    print(explain(report, lang="ja"))  # Japanese (evidence such as records and A-R text stays as it is)
"""

from toolkit.walkthrough.layout import WIDTH
from toolkit.walkthrough.narrate import LANGUAGES, explain

__all__ = ["LANGUAGES", "WIDTH", "explain"]

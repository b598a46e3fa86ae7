"""DMARC (RFC 9989, and RFC 7489 as legacy): the one import others use.

    from toolkit.core.dmarc import DmarcResult, DmarcReason, evaluate

Modules: record (the DMARC record), discovery (RFC 9989 tree walk, RFC 7489 PSL), address (the RFC 5322.From
author domains), evaluate (alignment, policy selection and the verdict).
"""

from toolkit.core.dmarc.evaluate import (
    Alignment,
    DmarcReason,
    DmarcResult,
    evaluate,
    evaluate_domain,
    explain_difference,
)

__all__ = ["Alignment", "DmarcReason", "DmarcResult", "evaluate", "evaluate_domain", "explain_difference"]

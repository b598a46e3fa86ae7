"""Why did a DKIM signature fail, and what is risky about one that passed? Diagnostics, never verdicts.

Pure: a Message and the DkimResults the verifier produced (contract D) in, frozen `Diagnosis` objects out. Nothing
here changes a result (DKIM-12: `z=` is for diagnostics only).

- Body hash mismatch (DKIM-19): re-hash the body under the changes that happen in transit (a footer or banner
  added, line endings, trailing whitespace, quoted-printable/base64 re-encoding, 8bit->7bit, an l= cut-off, the
  other canonicalization) and say which one reproduces the signed `bh=`, if any.
- Header-side failure (body hash fine, signature bad, DKIM-21): compare `z=` copies with the fields now present;
  find signed fields that are missing or were added on top of a signed one; for RSA, open the signature with the
  public key to tell "the signed data changed" from "this is not the key that signed".
- Risk notes for any signature that parsed: From/Subject/Date not signed or not oversigned (DKIM-30, DKIM-31),
  l= with unsigned content (DKIM-10), RSA-1024 (DKIM-29), testing-mode keys (DKIM-18).

The work is split by side: body.py, header.py, risk.py; the vocabulary is in model.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from toolkit.core.diagnose.body import (
    MAX_CANDIDATES,
    MAX_DIAGNOSE_BYTES,
    MAX_HASHED_BYTES,
    MAX_SEARCH_BYTES,
    MAX_TAIL_LINES,
    diagnose_body,
)
from toolkit.core.diagnose.header import diagnose_headers
from toolkit.core.diagnose.model import Diagnosis, DiagnosisCode
from toolkit.core.diagnose.risk import risk_notes
from toolkit.core.dkim.common import DkimReason
from toolkit.core.dkim.result import DkimResult
from toolkit.core.message import Message

__all__ = [
    "MAX_CANDIDATES",
    "MAX_DIAGNOSE_BYTES",
    "MAX_HASHED_BYTES",
    "MAX_SEARCH_BYTES",
    "MAX_TAIL_LINES",
    "Diagnosis",
    "DiagnosisCode",
    "diagnose_body",
    "diagnose_headers",
    "diagnose_message",
    "diagnose_signature",
    "risk_notes",
]


def diagnose_message(message: Message, results: Sequence[DkimResult]) -> tuple[Diagnosis, ...]:
    """Every diagnosis for every signature of the message, in signature order."""
    out: list[Diagnosis] = []
    for result in results:
        out.extend(diagnose_signature(message, result))
    return tuple(out)


def diagnose_signature(message: Message, result: DkimResult) -> tuple[Diagnosis, ...]:
    """Failure diagnostics for one DkimResult (body or header side), then its risk notes."""
    out: list[Diagnosis] = []
    if result.reason is DkimReason.BODY_HASH_MISMATCH:
        out.extend(diagnose_body(message, result))
    elif result.reason is DkimReason.SIGNATURE_MISMATCH:
        out.extend(diagnose_headers(message, result))
    out.extend(risk_notes(message, result))
    return tuple(out)

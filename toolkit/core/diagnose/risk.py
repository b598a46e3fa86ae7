"""Risk notes for any signature that parsed: From/Subject/Date not signed or not oversigned (DKIM-30, DKIM-31), l= with
unsigned content (DKIM-10), RSA-1024 (DKIM-29), testing-mode keys (DKIM-18)."""

from __future__ import annotations

from collections.abc import Mapping

from toolkit.core.canon import CanonError, canon_body, parse_canon
from toolkit.core.diagnose.body import MAX_DIAGNOSE_BYTES
from toolkit.core.diagnose.model import Diagnosis, DiagnosisCode, int_or_none, short, signature_label
from toolkit.core.dkim.common import index_headers, split_header_list
from toolkit.core.dkim.result import DkimResult
from toolkit.core.message import Message

IMPORTANT_HEADERS = ("from", "subject", "date")  # must be signed and oversigned (DKIM-30, DKIM-31)


def risk_notes(message: Message, result: DkimResult) -> tuple[Diagnosis, ...]:
    tags = result.tags or {}
    if not tags.get("h"):
        return ()
    label = signature_label(result)
    names = split_header_list(tags["h"])
    by_name = index_headers(message.headers)
    out: list[Diagnosis] = []
    for name in IMPORTANT_HEADERS:
        signed = names.count(name)
        present = len(by_name.get(name, []))
        if signed == 0:
            out.append(
                Diagnosis(
                    DiagnosisCode.RISK_NOT_SIGNED,
                    f"{name.title()} is not signed: anyone can change it without breaking the signature.",
                    {"header": name},
                    label,
                )
            )
        elif signed <= present:
            out.append(
                Diagnosis(
                    DiagnosisCode.RISK_NOT_OVERSIGNED,
                    f"{name.title()} is not oversigned (h= lists it {signed} time(s), the message has {present}): "
                    f"a second {name.title()} field could be added on top without breaking the signature (DKIM-31).",
                    {"header": name, "in_h": signed, "present": present},
                    label,
                )
            )
    limit = int_or_none(tags.get("l"))
    if limit is not None:
        unsigned = result.unsigned_body_bytes or 0
        if unsigned > 0:
            tail = _unsigned_tail(message, tags, limit)
            out.append(
                Diagnosis(
                    DiagnosisCode.RISK_UNSIGNED_CONTENT,
                    f"l={limit}: the last {unsigned} octets of the body are not covered by the signature and could "
                    f"have been added by anyone (DKIM-10). Unsigned text: {tail}",
                    {"l": limit, "unsigned_bytes": unsigned, "unsigned_text": tail},
                    label,
                )
            )
        else:
            out.append(
                Diagnosis(
                    DiagnosisCode.RISK_BODY_LENGTH,
                    f"The signature uses l={limit}: anything appended later still verifies. Signers should not use "
                    "l= (DKIM-29).",
                    {"l": limit},
                    label,
                )
            )
    if result.key_type == "rsa" and result.key_bits is not None and result.key_bits < 2048:
        out.append(
            Diagnosis(
                DiagnosisCode.RISK_RSA_1024,
                f"The key is RSA-{result.key_bits}: still accepted, but weak. Publish a 2048-bit key under a new "
                "selector (DKIM-29, DKIM-34).",
                {"key_bits": result.key_bits},
                label,
            )
        )
    if result.testing:
        out.append(
            Diagnosis(
                DiagnosisCode.RISK_TESTING_KEY,
                "The key record has t=y (testing): receivers treat the message like unsigned mail, and DMARC here "
                "does not count this pass (DKIM-18). Remove t=y once signing works.",
                {"testing": True},
                label,
            )
        )
    return tuple(out)


def _unsigned_tail(message: Message, tags: Mapping[str, str], limit: int) -> str:
    try:
        _, method = parse_canon(tags.get("c"))
    except CanonError:
        return ""
    if len(message.body) > MAX_DIAGNOSE_BYTES:  # not canonicalized again just to quote it
        return f"(not shown: the body is over {MAX_DIAGNOSE_BYTES} octets)"
    tail = canon_body(bytes(message.body), method)[limit:]
    return short(tail.decode("utf-8", "replace").strip(), 200)

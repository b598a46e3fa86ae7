"""Body hash mismatch (DKIM-19): re-hash the body under the changes that happen in transit (a footer or banner
added, line endings, trailing whitespace, quoted-printable/base64 re-encoding, 8bit->7bit, an l= cut-off, the other
canonicalization) and say which one reproduces the signed `bh=`, if any."""

from __future__ import annotations

import base64
import binascii
import hashlib
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from toolkit.core.canon import RELAXED, SIMPLE, CanonError, body_hash, canon_body, parse_canon
from toolkit.core.diagnose.model import (
    Diagnosis,
    DiagnosisCode,
    crlf,
    int_or_none,
    join_lines,
    lines_text,
    n_lines,
    signature_label,
)
from toolkit.core.dkim.result import DkimResult
from toolkit.core.message import Message
from toolkit.core.tags import strip_fws

MAX_TAIL_LINES = 40  # footers/banners up to this many lines are tried
MAX_SEARCH_BYTES = 2 * 1024 * 1024  # bodies larger than this get only the cheap candidates
MAX_CANDIDATES = 260  # re-hashes per signature at most: hostile bodies must not make diagnosis slow
MAX_DIAGNOSE_BYTES = 16 * 1024 * 1024  # bodies larger than this are not re-hashed at all (said in the output)
MAX_HASHED_BYTES = 128 * 1024 * 1024  # octets re-hashed per signature at most, over all candidates
MAX_BOUNDARIES = 4  # MIME boundaries (from the end) before which a footer is looked for


@dataclass(frozen=True, slots=True)
class _Candidate:
    change: str  # stable name of the change that was undone
    text: str  # "matches if ..." sentence
    body: bytes  # CRLF body to hash (or the final bytes when raw=True)
    method: str
    limit: int | None
    raw: bool = False  # body is already the exact hash input (used for the bare-LF candidate)
    extra: tuple[tuple[str, Any], ...] = ()


def diagnose_body(message: Message, result: DkimResult) -> tuple[Diagnosis, ...]:
    tags = result.tags or {}
    expected = strip_fws(tags.get("bh", ""))
    label = signature_label(result)
    try:
        expected_digest = base64.b64decode(expected, validate=True)
        _, method = parse_canon(tags.get("c"))
    except (binascii.Error, ValueError, CanonError):
        return ()
    limit = int_or_none(tags.get("l"))
    if len(message.body) > MAX_DIAGNOSE_BYTES:  # issue 15: 200 MB took 30 s and 2.35 GB; the verdict 2.5 s
        return (_skipped(len(message.body), expected, result, label),)
    body = bytes(message.body)
    tried: list[str] = []
    matches: list[_Candidate] = []
    hashed = 0
    for cand in islice(_body_candidates(message, body, method, limit), MAX_CANDIDATES):
        if hashed >= MAX_HASHED_BYTES:
            break
        hashed += len(cand.body)
        tried.append(cand.change)
        digest = (
            hashlib.sha256(cand.body).digest() if cand.raw else body_hash(cand.body, cand.method, cand.limit).digest
        )
        if digest == expected_digest:
            matches.append(cand)
            break  # the most plausible explanation is enough; candidates are ordered
    evidence = {
        "expected": expected,
        "computed": result.body_hash_computed,
        "canonicalization": method,
        "body_length": int_or_none(tags.get("l")),
        "tried": list(dict.fromkeys(tried)),
        "rehashes": len(tried),
        "work_cap_reached": hashed >= MAX_HASHED_BYTES,
    }
    if matches:
        best = matches[0]
        evidence.update({"change": best.change, **dict(best.extra)})
        return (Diagnosis(DiagnosisCode.BODY_CHANGE_FOUND, best.text, evidence, label),)
    text = (
        "None of the usual in-transit changes (footer or banner added, line endings, trailing whitespace, "
        "re-encoding, l= cut-off, other canonicalization) reproduces the signed body hash: the body was changed "
        "in some other way, or the signer hashed something else."
    )
    return (Diagnosis(DiagnosisCode.BODY_CHANGE_UNKNOWN, text, evidence, label),)


def _skipped(size: int, expected: str, result: DkimResult, label: str) -> Diagnosis:
    text = (
        f"Diagnosis skipped: the body is {size} octets, and likely changes are re-hashed only for bodies up to "
        f"{MAX_DIAGNOSE_BYTES} octets. The verdict is not affected."
    )
    evidence = {
        "body_octets": size,
        "limit_octets": MAX_DIAGNOSE_BYTES,
        "expected": expected,
        "computed": result.body_hash_computed,
    }
    return Diagnosis(DiagnosisCode.BODY_DIAGNOSIS_SKIPPED, text, evidence, label)


def _body_candidates(message: Message, body: bytes, method: str, limit: int | None) -> Iterator[_Candidate]:
    small = len(body) <= MAX_SEARCH_BYTES
    lines = body.split(b"\r\n") if small else []  # a line list costs ~50 octets per line: small bodies only
    if lines and lines[-1] == b"":
        lines.pop()  # the split after the final CRLF
    # 1. text appended at the end: a list footer, a disclaimer (the most common cause by far)
    for count in range(1, min(MAX_TAIL_LINES, len(lines)) + 1) if small else ():
        kept = lines[:-count]
        removed = lines[-count:]
        if not any(line.strip() for line in removed):
            continue  # only blank lines: canonicalization ignores those anyway
        text = lines_text(removed)
        yield _Candidate(
            "footer_appended",
            f"The body hash matches if the last {n_lines(count)} (a footer) are removed: they were appended after "
            f"signing, typically by a mailing list or a disclaimer gateway. Removed text: {text}",
            join_lines(kept),
            method,
            limit,
            extra=(("lines_removed", count), ("removed_text", text)),
        )
    # 2. the signature separator "-- " lost its space (a common editor/relay 'cleanup')
    restored = re.sub(rb"(^|\r\n)--(?=\r\n)", rb"\1-- ", body)
    if restored != body:
        yield _Candidate(
            "signature_separator_stripped",
            'The body hash matches if the signature separator "--" gets back its trailing space ("-- "): a relay '
            "stripped trailing whitespace after signing.",
            restored,
            method,
            limit,
        )
    # 3. whitespace at line ends added in transit (simple body canonicalization counts it); the signature
    #    separator "-- " keeps its space, which the signer had
    stripped = re.sub(rb"[ \t]+(?=\r\n)", b"", body)
    kept_separator = re.sub(rb"(^|\r\n)--(?=\r\n)", rb"\1-- ", stripped)
    for variant in dict.fromkeys((stripped, kept_separator)):
        if variant == body:
            continue
        yield _Candidate(
            "trailing_whitespace_added",
            "The body hash matches once the whitespace at the ends of lines is removed: spaces or tabs were added "
            f"at line ends after signing, and c=.../{method} counts them (relaxed body canonicalization would not).",
            variant,
            method,
            limit,
        )
    # 4. the signer hashed bare LF line endings (a signer bug: it must hash CRLF, DKIM-28)
    canonical = canon_body(body, method)
    if limit is not None:
        canonical = canonical[:limit]
    yield _Candidate(
        "signed_with_lf",
        "The body hash matches the body with bare LF line endings: the signer hashed LF instead of CRLF "
        "(DKIM-28 says sign the CRLF form that goes on the wire). Fix the signer.",
        canonical.replace(b"\r\n", b"\n"),
        method,
        None,
        raw=True,
    )
    # 5. the l= cut-off: the signer counted a different length, or signed the whole body
    if limit is not None:
        yield _Candidate(
            "body_length_ignored",
            "The body hash matches the whole body, not the first l= octets: the signer's l= does not describe "
            "what it hashed.",
            body,
            method,
            None,
        )
    # 6. re-encoding: 8bit -> quoted-printable (7bit), base64 re-wrapped, quoted-printable re-encoded
    yield from _encoding_candidates(message, body, method, limit)
    # 7. text added inside a MIME part, just before a boundary line (footer added to the last text part)
    if small:
        yield from _before_boundary_candidates(lines, method, limit)
    # 8. a banner added at the top ("[EXTERNAL] ...")
    for count in range(1, min(10, len(lines)) + 1) if small else ():
        removed = lines[:count]
        if not any(line.strip() for line in removed):
            continue
        text = lines_text(removed)
        yield _Candidate(
            "banner_prepended",
            f"The body hash matches if the first {n_lines(count)} are removed: a banner was added at the top after "
            f"signing. Removed text: {text}",
            join_lines(lines[count:]),
            method,
            limit,
            extra=(("lines_removed", count), ("removed_text", text)),
        )
    # 9. the other canonicalization (the c= tag does not describe what the signer did)
    other = SIMPLE if method == RELAXED else RELAXED
    yield _Candidate(
        "other_canonicalization",
        f"The body hash matches with {other} body canonicalization, but the signature says {method}: the signer's "
        "c= tag does not describe what it hashed.",
        body,
        other,
        limit,
    )


def _before_boundary_candidates(lines: list[bytes], method: str, limit: int | None) -> Iterator[_Candidate]:
    boundaries = [i for i, line in enumerate(lines) if line.startswith(b"--") and len(line) > 2 and i > 0]
    for index in reversed(boundaries[-MAX_BOUNDARIES:]):
        for count in range(1, min(MAX_TAIL_LINES, index) + 1):
            removed = lines[index - count : index]
            if not any(line.strip() for line in removed):
                continue
            if any(line.startswith(b"--") and len(line) > 2 for line in removed):
                break  # do not cross into the previous part
            text = lines_text(removed)
            yield _Candidate(
                "footer_in_mime_part",
                f"The body hash matches if the {n_lines(count)} before the MIME boundary on line {index + 1} (a "
                f"footer added to that part) are removed. Removed text: {text}",
                join_lines(lines[: index - count] + lines[index:]),
                method,
                limit,
                extra=(("lines_removed", count), ("removed_text", text), ("boundary_line", index + 1)),
            )


def _encoding_candidates(message: Message, body: bytes, method: str, limit: int | None) -> Iterator[_Candidate]:
    cte_field = message.get_first("content-transfer-encoding")
    cte = cte_field.unfolded().strip().lower() if cte_field else "7bit"
    if cte == "quoted-printable":
        decoded = crlf(quopri.decodestring(body))
        yield _Candidate(
            "converted_to_quoted_printable",
            "The body hash matches the quoted-printable-decoded body: the message was signed as 8bit and a relay "
            "converted it to quoted-printable (8bit->7bit downgrade) after signing. Sign 7bit content (DKIM-28).",
            decoded,
            method,
            limit,
        )
        reencoded = crlf(quopri.encodestring(quopri.decodestring(body)))
        if reencoded != body:
            yield _Candidate(
                "quoted_printable_reencoded",
                "The body hash matches after re-encoding the quoted-printable text in the usual way: a relay decoded "
                "and re-encoded it differently (soft line breaks, escapes) after signing.",
                reencoded,
                method,
                limit,
            )
    elif cte == "base64":
        try:
            decoded = base64.b64decode(re.sub(rb"\s+", b"", body), validate=True)
        except (binascii.Error, ValueError):
            return
        yield _Candidate(
            "converted_to_base64",
            "The body hash matches the base64-decoded body: the message was signed as text and a relay re-encoded "
            "it as base64 after signing.",
            crlf(decoded),
            method,
            limit,
        )
        for width in (76, 72, 64, 60):
            wrapped = base64.b64encode(decoded)
            rewrapped = b"\r\n".join(wrapped[i : i + width] for i in range(0, len(wrapped), width)) + b"\r\n"
            if rewrapped != body:
                yield _Candidate(
                    "base64_rewrapped",
                    f"The body hash matches the base64 text wrapped at {width} characters per line: a relay "
                    "re-wrapped the base64 after signing.",
                    rewrapped,
                    method,
                    limit,
                    extra=(("width", width),),
                )
    elif cte in ("7bit", "8bit", "binary"):
        # the opposite direction: a gateway decoded quoted-printable back to 8bit
        encoded = crlf(quopri.encodestring(body))
        if encoded != body:
            yield _Candidate(
                "decoded_from_quoted_printable",
                "The body hash matches the quoted-printable form of this body: it was signed quoted-printable and "
                "a gateway decoded it to 8bit after signing.",
                encoded,
                method,
                limit,
            )

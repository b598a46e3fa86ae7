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
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import quopri
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from toolkit.core.canon import RELAXED, SIMPLE, CanonError, body_hash, canon_body, canon_header, parse_canon
from toolkit.core.dkim.common import (
    SIGNATURE_FIELD,
    DkimReason,
    header_hash_input,
    index_headers,
    remove_b_value,
    select_headers,
    split_header_list,
)
from toolkit.core.message import HeaderField, Message
from toolkit.core.tags import strip_fws

MAX_TAIL_LINES = 40  # footers/banners up to this many lines are tried
MAX_SEARCH_BYTES = 2 * 1024 * 1024  # bodies larger than this get only the cheap candidates
MAX_CANDIDATES = 260  # re-hashes per signature at most: hostile bodies must not make diagnosis slow
MAX_BOUNDARIES = 4  # MIME boundaries (from the end) before which a footer is looked for
IMPORTANT_HEADERS = ("from", "subject", "date")  # must be signed and oversigned (DKIM-30, DKIM-31)
SINGLETON_HEADERS = ("from", "sender", "reply-to", "to", "cc", "subject", "date", "message-id")  # RFC 5322 §3.6


class DiagnosisCode(enum.StrEnum):
    BODY_CHANGE_FOUND = "body_change_found"  # a re-hash under a likely change reproduces bh=
    BODY_CHANGE_UNKNOWN = "body_change_unknown"  # none did
    HEADER_CHANGED = "signed_header_changed"  # differs from its z= copy
    HEADER_MISSING = "signed_header_missing"  # in z= or h= (a field signed as present) but gone now
    HEADER_ADDED = "signed_header_added"  # a second copy of a signed field: an oversigned one breaks
    HEADER_KEY_OPENS = "signature_opens_with_key"  # RSA: the key opens b=, so the signed data changed
    HEADER_KEY_MISMATCH = "signature_not_from_key"  # RSA: the key does not open b=: other key or damaged b=
    HEADER_UNKNOWN = "header_change_unknown"  # what can be said without z=
    RISK_NOT_SIGNED = "risk_header_not_signed"
    RISK_NOT_OVERSIGNED = "risk_header_not_oversigned"
    RISK_BODY_LENGTH = "risk_body_length"
    RISK_UNSIGNED_CONTENT = "risk_unsigned_content"
    RISK_RSA_1024 = "risk_rsa_1024"
    RISK_TESTING_KEY = "risk_testing_key"


@dataclass(frozen=True, slots=True)
class Diagnosis:
    code: DiagnosisCode
    text: str  # one or two sentences for people
    evidence: Mapping[str, Any] = field(default_factory=dict)
    signature: str = ""  # which signature: "d=example.com s=s2048"

    def to_json(self) -> dict:
        return {
            "code": self.code.value,
            "text": self.text,
            "evidence": dict(self.evidence),
            "signature": self.signature,
        }


# --- entry points --------------------------------------------------------------------------------------------


def diagnose_message(message: Message, results: Sequence[Any]) -> tuple[Diagnosis, ...]:
    """Every diagnosis for every signature of the message, in signature order."""
    out: list[Diagnosis] = []
    for result in results:
        out.extend(diagnose_signature(message, result))
    return tuple(out)


def diagnose_signature(message: Message, result: Any) -> tuple[Diagnosis, ...]:
    """Failure diagnostics for one DkimResult (body or header side), then its risk notes."""
    out: list[Diagnosis] = []
    if result.reason is DkimReason.BODY_HASH_MISMATCH:
        out.extend(diagnose_body(message, result))
    elif result.reason is DkimReason.SIGNATURE_MISMATCH:
        out.extend(diagnose_headers(message, result))
    out.extend(risk_notes(message, result))
    return tuple(out)


def _label(result: Any) -> str:
    return f"d={result.domain} s={result.selector}" if result.domain else ""


# --- body side -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidate:
    change: str  # stable name of the change that was undone
    text: str  # "matches if ..." sentence
    body: bytes  # CRLF body to hash (or the final bytes when raw=True)
    method: str
    limit: int | None
    raw: bool = False  # body is already the exact hash input (used for the bare-LF candidate)
    extra: tuple[tuple[str, Any], ...] = ()


def diagnose_body(message: Message, result: Any) -> tuple[Diagnosis, ...]:
    tags = result.tags or {}
    expected = strip_fws(tags.get("bh", ""))
    label = _label(result)
    try:
        expected_digest = base64.b64decode(expected, validate=True)
        _, method = parse_canon(tags.get("c"))
    except (binascii.Error, ValueError, CanonError):
        return ()
    limit = _int_or_none(tags.get("l"))
    body = bytes(message.body)
    tried: list[str] = []
    matches: list[_Candidate] = []
    for cand in islice(_body_candidates(message, body, method, limit), MAX_CANDIDATES):
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
        "body_length": _int_or_none(tags.get("l")),
        "tried": list(dict.fromkeys(tried)),
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


def _body_candidates(message: Message, body: bytes, method: str, limit: int | None) -> Iterator[_Candidate]:
    lines = body.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the split after the final CRLF
    small = len(body) <= MAX_SEARCH_BYTES
    # 1. text appended at the end: a list footer, a disclaimer (the most common cause by far)
    for count in range(1, min(MAX_TAIL_LINES, len(lines)) + 1) if small else ():
        kept = lines[:-count]
        removed = lines[-count:]
        if not any(line.strip() for line in removed):
            continue  # only blank lines: canonicalization ignores those anyway
        text = _lines_text(removed)
        yield _Candidate(
            "footer_appended",
            f"The body hash matches if the last {_n_lines(count)} (a footer) are removed: they were appended after "
            f"signing, typically by a mailing list or a disclaimer gateway. Removed text: {text}",
            _join(kept),
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
        text = _lines_text(removed)
        yield _Candidate(
            "banner_prepended",
            f"The body hash matches if the first {_n_lines(count)} are removed: a banner was added at the top after "
            f"signing. Removed text: {text}",
            _join(lines[count:]),
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
            text = _lines_text(removed)
            yield _Candidate(
                "footer_in_mime_part",
                f"The body hash matches if the {_n_lines(count)} before the MIME boundary on line {index + 1} (a "
                f"footer added to that part) are removed. Removed text: {text}",
                _join(lines[: index - count] + lines[index:]),
                method,
                limit,
                extra=(("lines_removed", count), ("removed_text", text), ("boundary_line", index + 1)),
            )


def _encoding_candidates(message: Message, body: bytes, method: str, limit: int | None) -> Iterator[_Candidate]:
    cte_field = message.get_first("content-transfer-encoding")
    cte = cte_field.unfolded().strip().lower() if cte_field else "7bit"
    if cte == "quoted-printable":
        decoded = _crlf(quopri.decodestring(body))
        yield _Candidate(
            "converted_to_quoted_printable",
            "The body hash matches the quoted-printable-decoded body: the message was signed as 8bit and a relay "
            "converted it to quoted-printable (8bit->7bit downgrade) after signing. Sign 7bit content (DKIM-28).",
            decoded,
            method,
            limit,
        )
        reencoded = _crlf(quopri.encodestring(quopri.decodestring(body)))
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
            _crlf(decoded),
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
        encoded = _crlf(quopri.encodestring(body))
        if encoded != body:
            yield _Candidate(
                "decoded_from_quoted_printable",
                "The body hash matches the quoted-printable form of this body: it was signed quoted-printable and "
                "a gateway decoded it to 8bit after signing.",
                encoded,
                method,
                limit,
            )


# --- header side ---------------------------------------------------------------------------------------------


def diagnose_headers(message: Message, result: Any) -> tuple[Diagnosis, ...]:
    tags = result.tags or {}
    label = _label(result)
    try:
        head_method, _ = parse_canon(tags.get("c"))
    except CanonError:
        return ()
    names = split_header_list(tags.get("h", "")) if tags.get("h") else list(result.signed_headers)
    out: list[Diagnosis] = []
    by_name = index_headers(message.headers)
    copies = _z_copies(tags.get("z"))
    if copies:
        out.extend(_compare_copies(copies, by_name, head_method, label))
    out.extend(_added_or_missing(names, by_name, label))
    sig_field = _signature_field(message, tags)
    opened = _open_rsa(result, tags)
    if opened is not None and sig_field is not None:
        out.extend(_rsa_findings(opened, message, sig_field, names, head_method, label))
    if not any(d.code in (DiagnosisCode.HEADER_CHANGED, DiagnosisCode.HEADER_ADDED) for d in out):
        signed = [f"{name}: {_short(_selected_value(by_name, name, names))}" for name in dict.fromkeys(names)]
        absorbed = (
            "relaxed header canonicalization absorbs changes of case in field names and of whitespace and folding"
            if head_method == RELAXED
            else "simple header canonicalization absorbs nothing: even re-folding a long field breaks it"
        )
        which = (
            "The z= copies match the fields now present, so the change is in the signature field itself or in a "
            "field z= does not cover"
            if copies
            else "Without z= copies the exact field cannot be named"
        )
        text = (
            "The body is intact, so one of the signed header fields changed after signing (or the signature field "
            f"itself did). {which}; {absorbed}. Signed fields now read: " + "; ".join(signed)
        )
        out.append(
            Diagnosis(
                DiagnosisCode.HEADER_UNKNOWN,
                text,
                {"signed_headers": names, "canonicalization": head_method, "z_present": bool(copies)},
                label,
            )
        )
    return tuple(out)


def _z_copies(value: str | None) -> list[tuple[str, bytes]]:
    """z= (RFC 6376 §3.5): `name:value|name:value`, DKIM-quoted-printable, whitespace ignored."""
    if not value:
        return []
    out = []
    for item in strip_fws(value).split("|"):
        name, sep, encoded = item.partition(":")
        if not sep:
            continue
        raw = encoded.encode("utf-8", "surrogateescape")
        out.append((name, re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)))
    return out


def _compare_copies(copies, by_name, head_method: str, label: str) -> list[Diagnosis]:
    out: list[Diagnosis] = []
    used: dict[str, int] = {}
    for name, copied in copies:
        lname = name.lower()
        instances = by_name.get(lname, [])
        seen = used.get(lname, 0)
        used[lname] = seen + 1
        if seen >= len(instances):
            out.append(
                Diagnosis(
                    DiagnosisCode.HEADER_MISSING,
                    f"The {name} field was signed (it is in the z= copies) but the message no longer has it: it was "
                    "removed after signing.",
                    {"header": name, "signed_value": copied.decode("utf-8", "replace").strip()},
                    label,
                )
            )
            continue
        current = instances[len(instances) - 1 - seen]
        then = canon_header(name.encode() + b":" + copied + b"\r\n", head_method)
        now = canon_header(current.raw, head_method)
        if then != now:
            old = copied.decode("utf-8", "replace").strip()
            new = current.unfolded()
            out.append(
                Diagnosis(
                    DiagnosisCode.HEADER_CHANGED,
                    f"The {current.name} field changed after signing: signed as {old!r}, now {new!r}.",
                    {"header": current.name, "signed_value": old, "current_value": new},
                    label,
                )
            )
    return out


def _added_or_missing(names: list[str], by_name, label: str) -> list[Diagnosis]:
    out: list[Diagnosis] = []
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    for name, signed_count in counts.items():
        present = len(by_name.get(name, []))
        if name in SINGLETON_HEADERS and present > 1:
            oversigned = signed_count >= present
            text = f"The message has {present} {name.title()} fields, where only one is allowed. " + (
                f"h= lists {name} {signed_count} times (oversigned), so the extra copy on top was signed as "
                "absent: adding it after signing breaks the signature, as oversigning intends (DKIM-31)."
                if oversigned
                else "The copy on top was not covered by the signature: a reader may see it instead of the signed one."
            )
            out.append(
                Diagnosis(
                    DiagnosisCode.HEADER_ADDED,
                    text,
                    {"header": name, "present": present, "in_h": signed_count, "oversigned": oversigned},
                    label,
                )
            )
        elif name == "from" and present == 0:
            out.append(
                Diagnosis(
                    DiagnosisCode.HEADER_MISSING,
                    "The From field is signed but the message has none: it was removed after signing.",
                    {"header": name},
                    label,
                )
            )
    return out


def _signature_field(message: Message, tags: Mapping[str, str]) -> HeaderField | None:
    wanted = strip_fws(tags.get("b", ""))
    for header in message.headers:
        if header.lname == SIGNATURE_FIELD and wanted and wanted in strip_fws(header.unfolded()):
            return header
    return None


def _open_rsa(result: Any, tags: Mapping[str, str]) -> bytes | None:
    """RSA only: s^e mod n, the PKCS#1 v1.5 block the signer encrypted (None when not RSA or no key)."""
    if result.algorithm != "rsa-sha256" or result.key_answer is None:
        return None
    try:
        from toolkit.core.dkim.keyrecord import parse_key_record

        record = None
        for raw in result.key_answer.txt_joined():
            try:
                record = parse_key_record(raw)
                break
            except ValueError:
                continue
        if record is None or record.public_key is None:
            return None
        numbers = record.public_key.public_numbers()
        signature = int.from_bytes(base64.b64decode(strip_fws(tags.get("b", ""))), "big")
    except (AttributeError, TypeError, ValueError, binascii.Error):
        return None
    size = (numbers.n.bit_length() + 7) // 8
    return pow(signature, numbers.e, numbers.n).to_bytes(size, "big")


_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def _rsa_findings(block: bytes, message: Message, sig_field: HeaderField, names, method, label) -> list[Diagnosis]:
    marker = b"\x00" + _SHA256_DIGEST_INFO
    well_formed = block.startswith(b"\x00\x01") and marker in block
    if not well_formed:
        return [
            Diagnosis(
                DiagnosisCode.HEADER_KEY_MISMATCH,
                "The published public key does not open the signature: it was made with another key (was the "
                "selector's key replaced?) or the b= value was damaged in transit.",
                {},
                label,
            )
        ]
    signed_digest = block[block.index(marker) + len(marker) :]
    out = [
        Diagnosis(
            DiagnosisCode.HEADER_KEY_OPENS,
            "The published key opens the signature, so the key is right and the signer did sign this message; "
            "the signed header data differs from what arrived.",
            {"signed_header_hash": base64.b64encode(signed_digest).decode()},
            label,
        )
    ]
    # Confirm a guess exactly: which single field, removed, makes the header hash match again?
    for index, header in enumerate(message.headers):
        if header.lname == SIGNATURE_FIELD or header.lname not in names:
            continue
        rest = message.headers[:index] + message.headers[index + 1 :]
        data = header_hash_input(select_headers(index_headers(rest), names), remove_b_value(sig_field.raw), method)
        if hashlib.sha256(data).digest() == signed_digest:
            out.append(
                Diagnosis(
                    DiagnosisCode.HEADER_ADDED,
                    f"The signature verifies without the {header.name} field at position {index + 1}: that field "
                    f"was added after signing ({_short(header.unfolded())!r}).",
                    {"header": header.name, "position": index + 1, "value": header.unfolded()},
                    label,
                )
            )
            break
    return out


# --- risk notes ----------------------------------------------------------------------------------------------


def risk_notes(message: Message, result: Any) -> tuple[Diagnosis, ...]:
    tags = result.tags or {}
    if not tags.get("h"):
        return ()
    label = _label(result)
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
    limit = _int_or_none(tags.get("l"))
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
    tail = canon_body(bytes(message.body), method)[limit:]
    return _short(tail.decode("utf-8", "replace").strip(), 200)


# --- small helpers -------------------------------------------------------------------------------------------


def _selected_value(by_name, name: str, names: list[str]) -> str:
    chosen = select_headers({name: by_name.get(name, [])}, [n for n in names if n == name])
    return chosen[0].unfolded() if chosen else "(absent)"


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


def _join(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\r\n" for line in lines)


def _crlf(data: bytes) -> bytes:
    return re.sub(rb"\r?\n", b"\r\n", data)


def _lines_text(lines: list[bytes]) -> str:
    return _short(" / ".join(line.decode("utf-8", "replace").strip() for line in lines if line.strip()), 200)


def _n_lines(count: int) -> str:
    return "line" if count == 1 else f"{count} lines"


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."

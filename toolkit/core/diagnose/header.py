"""Header-side failure (body hash fine, signature bad, DKIM-21): compare `z=` copies with the fields now present;
find signed fields that are missing or were added on top of a signed one; for RSA, open the signature with the public
key to tell "the signed data changed" from "this is not the key that signed"."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping

from toolkit.core.canon import RELAXED, CanonError, canon_header, parse_canon
from toolkit.core.diagnose.model import Diagnosis, DiagnosisCode, short, signature_label
from toolkit.core.dkim.common import (
    SIGNATURE_FIELD,
    header_hash_input,
    index_headers,
    remove_b_value,
    select_headers,
    split_header_list,
)
from toolkit.core.dkim.result import DkimResult
from toolkit.core.message import HeaderField, Message
from toolkit.core.tags import strip_fws

MAX_REMOVAL_TRIES = 50  # signed fields tried for "added after signing" (each try re-hashes the header)
ByName = dict[str, list[HeaderField]]  # index_headers(): fields by lowercase name, top to bottom

SINGLETON_HEADERS = ("from", "sender", "reply-to", "to", "cc", "subject", "date", "message-id")  # RFC 5322 §3.6


def diagnose_headers(message: Message, result: DkimResult) -> tuple[Diagnosis, ...]:
    tags = result.tags or {}
    label = signature_label(result)
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
    sig_field = _signature_field(message, result, tags)
    opened = _open_rsa(result, tags)
    if opened is not None and sig_field is not None:
        out.extend(_rsa_findings(opened, message, sig_field, names, head_method, label))
    if not any(d.code in (DiagnosisCode.HEADER_CHANGED, DiagnosisCode.HEADER_ADDED) for d in out):
        signed = [f"{name}: {short(_selected_value(by_name, name, names))}" for name in dict.fromkeys(names)]
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


def _compare_copies(copies: list[tuple[str, bytes]], by_name: ByName, head_method: str, label: str) -> list[Diagnosis]:
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


def _added_or_missing(names: list[str], by_name: ByName, label: str) -> list[Diagnosis]:
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


def _signature_field(message: Message, result: DkimResult, tags: Mapping[str, str]) -> HeaderField | None:
    """The signature's own field: the verifier kept its index; results built elsewhere are found by their b=."""
    index = result.header_index
    if index is not None and 0 <= index < len(message.headers) and message.headers[index].lname == SIGNATURE_FIELD:
        return message.headers[index]
    wanted = strip_fws(tags.get("b", ""))
    for header in message.headers:
        if header.lname == SIGNATURE_FIELD and wanted and wanted in strip_fws(header.unfolded()):
            return header
    return None


def _open_rsa(result: DkimResult, tags: Mapping[str, str]) -> bytes | None:
    """RSA only: s^e mod n, the PKCS#1 v1.5 block the signer encrypted (None when not RSA or no key)."""
    if result.algorithm != "rsa-sha256" or result.key_answer is None:
        return None
    try:
        from toolkit.core.dkim.keyrecord import parse_key_record

        record = result.key_record  # the verifier's parsed key; results built elsewhere parse the answer again
        for raw in () if record is not None else result.key_answer.txt_joined():
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


def _rsa_findings(
    block: bytes, message: Message, sig_field: HeaderField, names: list[str], method: str, label: str
) -> list[Diagnosis]:
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
    # Confirm a guess exactly: which single field, removed, makes the header hash match again? Each try re-hashes
    # the header, so only the first MAX_REMOVAL_TRIES signed fields are tried (a hostile header has thousands).
    tries = 0
    for index, header in enumerate(message.headers):
        if header.lname == SIGNATURE_FIELD or header.lname not in names:
            continue
        tries += 1
        if tries > MAX_REMOVAL_TRIES:
            break
        rest = message.headers[:index] + message.headers[index + 1 :]
        data = header_hash_input(select_headers(index_headers(rest), names), remove_b_value(sig_field.raw), method)
        if hashlib.sha256(data).digest() == signed_digest:
            out.append(
                Diagnosis(
                    DiagnosisCode.HEADER_ADDED,
                    f"The signature verifies without the {header.name} field at position {index + 1}: that field "
                    f"was added after signing ({short(header.unfolded())!r}).",
                    {"header": header.name, "position": index + 1, "value": header.unfolded()},
                    label,
                )
            )
            break
    return out


def _selected_value(by_name: ByName, name: str, names: list[str]) -> str:
    chosen = select_headers({name: by_name.get(name, [])}, [n for n in names if n == name])
    return chosen[0].unfolded() if chosen else "(absent)"

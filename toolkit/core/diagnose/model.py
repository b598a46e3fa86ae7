"""The diagnosis vocabulary (codes, the frozen Diagnosis) and the small text helpers the three sides share."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from toolkit.core.dkim.result import DkimResult


class DiagnosisCode(enum.StrEnum):
    BODY_CHANGE_FOUND = "body_change_found"  # a re-hash under a likely change reproduces bh=
    BODY_CHANGE_UNKNOWN = "body_change_unknown"  # none did
    BODY_DIAGNOSIS_SKIPPED = "body_diagnosis_skipped"  # the body is over MAX_DIAGNOSE_BYTES: nothing re-hashed
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


def signature_label(result: DkimResult) -> str:
    return f"d={result.domain} s={result.selector}" if result.domain else ""


def int_or_none(value: str | None) -> int | None:
    # isascii too: str.isdigit() accepts "¹" and "²", which int() refuses with a ValueError
    if value is None or not (text := value.strip()).isascii() or not text.isdigit():
        return None
    return int(text)


def join_lines(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\r\n" for line in lines)


def crlf(data: bytes) -> bytes:
    return re.sub(rb"\r?\n", b"\r\n", data)


def lines_text(lines: list[bytes]) -> str:
    return short(" / ".join(line.decode("utf-8", "replace").strip() for line in lines if line.strip()), 200)


def n_lines(count: int) -> str:
    return "line" if count == 1 else f"{count} lines"


def short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."

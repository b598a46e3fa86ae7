"""One language of the narration: its sentence table, and the Japanese for text the core writes in English."""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from typing import Any

from toolkit.core.diagnose import Diagnosis
from toolkit.core.dkim import DkimResult
from toolkit.core.results import Step, Verdict
from toolkit.walkthrough import en, ja, ja_core

LANGUAGES = ("en", "ja")
_PHRASES = tuple((re.compile(pattern), template) for pattern, template in ja_core.PHRASES)
# a run of RFC 2047 encoded words, as they stand inside a header value quoted in a sentence
_ENCODED_WORDS = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=(?:\s+=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)*")
# three lowercase words in a row: English prose that no Japanese phrase matched, to be quoted as evidence
_ENGLISH = re.compile(r"\b[a-z]{2,}[ ,]+[a-z]{2,}[ ,]+[a-z]{2,}\b")
_STEP_WHAT = (
    (re.compile(r"(\w+)= base64"), "{0}= の base64"),
    (re.compile(r"(\w+)= syntax"), "{0}= の構文"),
    (re.compile(r"key record: (\w+)"), "鍵レコード: {0}"),
)


class Lang:
    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "en"
        self.ja = self.lang == "ja"
        table = ja if self.ja else en
        self.text, self.meaning, self.tags, self.properties = table.TEXT, table.MEANING, table.TAGS, table.PROPERTIES

    def __call__(self, key: str, **values: Any) -> str:
        return self.text[key].format(**values)

    def means(self, method: str, verdict: str) -> str:
        return self.meaning.get(method, {}).get(verdict, "")

    @property
    def stop(self) -> str:
        """The full stop that ends a sentence."""
        return "。" if self.ja else "."

    def quote(self, text: str) -> str:
        """Evidence quoted from the message or a record (Japanese brackets it, English shows it as it is)."""
        return f"「{text}」" if self.ja else text

    def phrase(self, text: str) -> str:
        """Text the core wrote in English (a warning, a note, a detail): its Japanese, or itself quoted as evidence."""
        if not self.ja or not text:
            return text
        said = _translated(text)
        if said is not None:
            return said
        return f"「{text}」" if _ENGLISH.search(text) else text

    def arc_reason(self, reason: str | None, detail: str) -> str:
        """Why an ARC chain does not validate: English keeps the engine's detail; Japanese says the reason and
        quotes the detail as evidence."""
        if not self.ja:
            return detail
        said = ja_core.ARC_REASONS.get(reason or "")
        if said is None:
            return self.phrase(detail)
        return f"{said} (「{detail}」)" if detail else said

    def mode(self, mode: str) -> str:
        return self(f"mode_{mode}") if mode in ("strict", "relaxed") else mode

    def comment(self, result: DkimResult) -> str:
        """The A-R comment of a DKIM result (the reason it did not pass, testing, unsigned bytes)."""
        if not self.ja:
            return result.comment
        parts = []
        if result.verdict is Verdict.PASS and result.unsigned_body_bytes:
            parts.append(ja_core.DKIM_COMMENTS["unsigned"].format(n=result.unsigned_body_bytes))
        elif result.reason is not None:
            parts.append(ja_core.DKIM_COMMENTS.get(result.reason.value, result.reason.value))
        if result.testing:
            parts.append(ja_core.DKIM_COMMENTS["testing"])
        return "、".join(parts)

    def spf_reason(self, reason: str | None, detail: str) -> str:
        """Why SPF ended without a matching term."""
        if not self.ja:
            return detail
        said = self.phrase(detail)
        # no phrase for this detail: say the reason, and quote the detail as evidence
        if said.startswith("「") and reason in ja_core.SPF_REASONS:
            return f"{ja_core.SPF_REASONS[reason]}: {said}"
        return said

    def step(self, step: Step, result: DkimResult) -> str:
        mark = self({True: "mark_ok", False: "mark_fail", None: "mark_info"}[step.ok])
        if not self.ja:
            return f"{mark} {step.rule} {step.what}: {step.detail}"
        what = ja_core.STEPS.get(step.what) or _step_what(step.what)
        detail = self.phrase(step.detail)
        if step.ok is False and detail.startswith("「") and result.reason is not None:
            detail = f"{ja_core.DKIM_COMMENTS.get(result.reason.value, result.reason.value)} {detail}"
        return f"{mark} {step.rule} {what}: {detail}"

    def diagnosis(self, finding: Diagnosis) -> str:
        if not self.ja:
            return _ENCODED_WORDS.sub(lambda m: decoded(m.group(0)), finding.text)
        evidence = dict(finding.evidence)
        key = _diagnosis_key(finding.code.value, evidence)
        header = str(evidence.get("header", ""))
        values = {**evidence, "Header": header.title() if header.islower() else header}
        for name in ("signed_value", "current_value", "value"):  # header values, as a person reads them
            if isinstance(values.get(name), str):
                values[name] = decoded(values[name])
        values["absorbs"] = ja_core.DIAGNOSIS["absorbs_relaxed" if evidence.get("canonicalization") == "relaxed"
                                        else "absorbs_simple"]  # fmt: skip
        try:
            return ja_core.DIAGNOSIS[key].format(**values)
        except (KeyError, IndexError):
            return self.phrase(finding.text)


def _translated(text: str) -> str | None:
    """The Japanese of a whole English text from the core, or None; a captured part may itself be such a text."""
    for pattern, template in _PHRASES:
        match = pattern.fullmatch(text)
        if match:
            return template.format(*((part and _translated(part)) or part for part in match.groups()))
    return None


def _step_what(what: str) -> str:
    for pattern, template in _STEP_WHAT:
        match = pattern.fullmatch(what)
        if match:
            return template.format(*match.groups())
    return what


def _diagnosis_key(code: str, evidence: dict[str, Any]) -> str:
    """Which Japanese sentence says this diagnosis: one code may read differently by its evidence."""
    if code == "body_change_found":
        return str(evidence.get("change", ""))
    if code == "signed_header_missing" and "signed_value" not in evidence:
        return "signed_header_missing_from"
    if code == "signed_header_added":
        if "position" in evidence:
            return "signed_header_added_position"
        return "signed_header_added_oversigned" if evidence.get("oversigned") else "signed_header_added_unsigned"
    if code == "header_change_unknown" and evidence.get("z_present"):
        return "header_change_unknown_z"
    return code


def decoded(value: str) -> str:
    """RFC 2047 encoded words (=?utf-8?B?...?=) in a Subject or display name, as a person reads them."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        return value

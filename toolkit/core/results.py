"""Shared result vocabulary: RFC 8601 result words and the steps that show the evidence."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Verdict(enum.Enum):
    """RFC 8601 result words (union over the methods we implement)."""

    PASS = "pass"
    FAIL = "fail"
    SOFTFAIL = "softfail"  # SPF only
    NEUTRAL = "neutral"
    POLICY = "policy"
    NONE = "none"
    TEMPERROR = "temperror"
    PERMERROR = "permerror"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True, init=False)
class Step:
    """One thing that was checked: against which rule (a STANDARDS.md id), what was seen, and whether it held."""

    rule: str  # e.g. "DKIM-19"
    what: str  # short description, e.g. "body hash"
    ok: bool | None  # True held, False broke, None informational
    detail: str = ""

    def __init__(self, rule: str, what: str, ok: bool | None, detail: str = "") -> None:
        # Every check of every message builds steps. A frozen dataclass sets fields through object.__setattr__; the
        # slot descriptors do the same in about half the time (as toolkit.core.message.HeaderField; issue 14).
        _SET_RULE(self, rule)
        _SET_WHAT(self, what)
        _SET_OK(self, ok)
        _SET_DETAIL(self, detail)

    def to_json(self) -> dict:
        return {"rule": self.rule, "what": self.what, "ok": self.ok, "detail": self.detail}


_SET_RULE, _SET_WHAT, _SET_OK, _SET_DETAIL = (Step.__dict__[name].__set__ for name in ("rule", "what", "ok", "detail"))


# How a method's verdicts weigh in the exit code (toolkit.core.methods; here so the shells' exits.py can read them
# without importing the verifier): "decides" when it reached a verdict (DMARC), else the "counts" methods decide
# together (SPF MAIL FROM, DKIM); "shown" methods are reported but never change the exit code (ARC).
DECIDES, COUNTS, SHOWN = "decides", "counts", "shown"

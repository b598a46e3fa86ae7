"""What `emlauth doctor` reports: findings with a stable code, a level, the why, the fix and the rule.

Messages are templates keyed by code (text_en.py, text_ja.py) filled from `args`, so the same finding reads in
either language and the JSON keeps the English text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from toolkit.core.domain.text_en import EN

LEVELS = ("ok", "info", "warn", "error", "critical")
CHECKS = ("spf", "dkim", "dmarc", "mx", "mailfrom", "ptr", "bulk", "mta-sts", "tls-rpt", "bimi")


@dataclass(frozen=True, slots=True)
class Finding:
    check: str  # one of CHECKS
    code: str  # stable, e.g. "SPF_TOO_MANY_LOOKUPS"
    level: str  # one of LEVELS
    message: str  # English, why
    fix: str | None = None  # a ready record or command
    rule: str | None = None  # a STANDARDS.md id
    selector: str | None = None
    args: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def temperror(self) -> bool:
        """A DNS error left this check open (exit code 3)."""
        return self.code.endswith("_DNS_ERROR")

    def to_json(self) -> dict:
        return {
            "check": self.check,
            "code": self.code,
            "level": self.level,
            "message": self.message,
            "fix": self.fix,
            "rule": self.rule,
            "selector": self.selector,
        }


def finding(
    check: str,
    code: str,
    level: str,
    *,
    rule: str | None = None,
    fix: str | None = None,
    selector: str | None = None,
    **args: Any,
) -> Finding:
    assert check in CHECKS and level in LEVELS, (check, level)
    return Finding(check, code, level, EN[code].format(**args), fix, rule, selector, args)


def quote_txt(value: str, limit: int = 255) -> str:
    """A TXT value as zone-file strings of at most `limit` bytes, each quoted (RFC 1035 §3.3.14)."""
    data = value.encode("utf-8")
    parts = [data[i : i + limit] for i in range(0, len(data), limit)] or [b""]
    return " ".join('"' + p.decode("utf-8", "replace").replace("\\", "\\\\").replace('"', '\\"') + '"' for p in parts)


def txt_line(name: str, value: str, ttl: int = 3600) -> str:
    return f"{name}. {ttl} IN TXT {quote_txt(value)}"

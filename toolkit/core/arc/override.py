"""DMARC local policy for trusted ARC sealers (RFC 8617 §7.2; STANDARDS ARC-5, DMARC-11; RFC 9990 reason types).

When DMARC fails, the chain validates, and a sealer we trust recorded an aligned pass in its AAR, the receiver may
deliver as if DMARC had passed: the disposition becomes none. Never on by default (the caller names the sealers).
ARC never changes the DMARC verdict itself (ARC-5): the override is a separate, named reason.

- trusted_forwarder: the trusted sealer's AAR says dmarc=pass for our From domain.
- local_policy: it says dkim=pass or spf=pass for a domain aligned with our From domain (the caller decides
  alignment, e.g. with the Organizational Domain DMARC found): our own reading of its results.
The newest trusted set wins: it saw the message last.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from toolkit.core import arheader
from toolkit.core.arc.result import ArcInstance, ArcResult
from toolkit.core.results import Verdict


@dataclass(frozen=True, slots=True)
class ArcOverride:
    reason: str  # RFC 9990 PolicyOverrideType: trusted_forwarder | local_policy
    sealer: str  # d= of the trusted ARC set
    instance: int
    evidence: str  # the AAR entry that recorded the aligned pass

    @property
    def comment(self) -> str:
        return f"by {self.sealer}, ARC i={self.instance}: {self.evidence}"

    def to_json(self) -> dict:
        return {
            "reason": self.reason,
            "sealer": self.sealer,
            "instance": self.instance,
            "evidence": self.evidence,
            "comment": self.comment,
        }


def is_trusted(domain: str, trusted: Collection[str]) -> bool:
    """The sealer's d= is a trusted domain or below one (an ADMD seals with its own names)."""
    domain = domain.lower().rstrip(".")
    return any(domain == t or domain.endswith("." + t) for t in (t.lower().rstrip(".") for t in trusted if t))


def trusted_override(
    arc: ArcResult,
    dmarc_verdict: Verdict,
    from_domain: str,
    trusted: Collection[str],
    aligned: Callable[[str], bool],
) -> ArcOverride | None:
    """The override that applies, or None: DMARC failed, the chain passed, a trusted sealer saw an aligned pass."""
    if dmarc_verdict is not Verdict.FAIL or not arc.passed or not trusted or not from_domain:
        return None
    for instance in reversed(arc.instances):
        if is_trusted(instance.domain, trusted):
            found = _aligned_pass(instance, from_domain.lower(), aligned)
            if found is not None:
                return ArcOverride(found[0], instance.domain, instance.i, found[1])
    return None


def _aligned_pass(instance: ArcInstance, from_domain: str, aligned: Callable[[str], bool]) -> tuple[str, str] | None:
    parsed = arheader.parse_value(f"{instance.authserv_id or 'unknown'}; {instance.aar}")
    local: tuple[str, str] | None = None
    for entry in parsed.entries:
        if entry.result != "pass":
            continue
        if entry.method == "dmarc" and (entry.get("header", "from") or "").lower() == from_domain:
            return "trusted_forwarder", f"dmarc=pass header.from={from_domain}"
        if local is None and entry.method == "dkim":
            domain = (entry.get("header", "d") or "").lower()
            if domain and aligned(domain):
                local = ("local_policy", f"dkim=pass header.d={domain}")
        if local is None and entry.method == "spf":
            domain = (entry.get("smtp", "mailfrom") or "").lower().rpartition("@")[2]
            if domain and aligned(domain):
                local = ("local_policy", f"spf=pass smtp.mailfrom={domain}")
    return local

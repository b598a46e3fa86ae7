"""SPF result types: the verdict with its reason code, evidence and the lookup ledger (SPF-14, SPF-16)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple

from toolkit.core.results import Step, Verdict


class SpfReason(enum.StrEnum):
    """Why the result is what it is: a stable code for programs (the detail text is for people)."""

    MATCHED = "matched"  # a mechanism matched (SPF-6)
    NO_MATCH = "no_match"  # nothing matched, no redirect: neutral (SPF-12)
    NO_RECORD = "no_spf_record"  # none (SPF-4)
    INVALID_DOMAIN = "invalid_domain"  # none (SPF-3)
    MULTIPLE_RECORDS = "multiple_spf_records"  # permerror (SPF-4)
    SYNTAX_ERROR = "syntax_error"  # permerror (SPF-5)
    NON_ASCII = "non_ascii_record"  # permerror (SPF-5)
    DNS_TEMPFAIL = "dns_tempfail"  # temperror (SPF-4, SPF-13)
    LOOKUP_LIMIT = "dns_lookup_limit"  # permerror (SPF-14)
    VOID_LIMIT = "void_lookup_limit"  # permerror (SPF-14)
    MX_LIMIT = "mx_host_limit"  # permerror (SPF-14)
    TIME_BUDGET = "time_budget_exceeded"  # temperror (SPF-14)
    INCLUDE_NO_RECORD = "include_target_no_record"  # permerror (SPF-8)
    REDIRECT_NO_RECORD = "redirect_target_no_record"  # permerror (SPF-9)
    INVALID_IP = "invalid_ip"  # permerror: the client address does not parse
    CLIENT_UNKNOWN = "client_ip_unknown"  # none: a trusted Received field names no client IP we can trust


class LedgerEntry(NamedTuple):
    """One DNS query (event "query") or one notable event ("limit", "skip", "term") during evaluation.

    A NamedTuple rather than a frozen dataclass: equally immutable, and several are built per check on the hot
    path, where tuple construction is several times cheaper.
    """

    event: str  # "query" | "limit" | "skip" | "term"
    name: str  # the name queried (or the term, for the other events)
    rdtype: str
    status: str  # DnsStatus value, or "" for non-queries
    records: int
    term: str  # which term caused it ("<record>" = the SPF record lookup, "exp=..." = explanation)
    domain: str  # the domain whose record holds the term
    depth: int  # include/redirect depth (0 = the checked domain)
    counted: bool  # this entry spent one of the 10 DNS-querying terms (SPF-14)
    void: bool  # this query counted as a void lookup (SPF-14)
    lookups: int  # running count of DNS-querying terms
    voids: int  # running count of void lookups
    detail: str = ""
    purpose: str = "term"  # "record" (fetching an SPF record), "term" (a mechanism's lookup), "exp"

    def to_json(self) -> dict:
        return {
            "event": self.event,
            "purpose": self.purpose,
            "name": self.name,
            "type": self.rdtype,
            "status": self.status,
            "records": self.records,
            "term": self.term,
            "domain": self.domain,
            "depth": self.depth,
            "counted": self.counted,
            "void": self.void,
            "lookups": self.lookups,
            "voids": self.voids,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class SpfResult:
    result: Verdict
    identity: str  # "mailfrom" | "helo"
    domain: str
    sender: str
    ip: str
    null_sender: bool = False
    reason: SpfReason | None = None
    # the deciding term of the checked domain's record ("include:x", "redirect=y", "-all"), then the terms inside
    # include/redirect targets down to the one that matched; matched_term is its first element
    matched_path: tuple[str, ...] = ()
    explanation: str | None = None  # only for fail with a usable exp= (SPF-10)
    detail: str = ""
    record: str | None = None  # the SPF record of `domain`, if one was selected
    ledger: tuple[LedgerEntry, ...] = ()
    steps: tuple[Step, ...] = ()

    # Derived values are properties, not fields: a frozen dataclass pays per field on every construction.
    @property
    def verdict(self) -> Verdict:
        return self.result

    @property
    def matched_term(self) -> str | None:
        return self.matched_path[0] if self.matched_path else None

    @property
    def lookups(self) -> int:
        """DNS-querying terms spent (SPF-14); 11 when the limit broke."""
        return self.ledger[-1].lookups if self.ledger else 0

    @property
    def void_lookups(self) -> int:
        return self.ledger[-1].voids if self.ledger else 0

    @property
    def limit_broken(self) -> str | None:
        """ "lookups" | "void" | "mx" | "time" when a limit decided the result."""
        return LIMIT_OF_REASON.get(self.reason) if self.reason else None

    def to_json(self) -> dict:
        return {
            "result": self.result.value,
            "identity": self.identity,
            "domain": self.domain,
            "sender": self.sender,
            "ip": self.ip,
            "null_sender": self.null_sender,
            "reason": self.reason.value if self.reason else None,
            "matched_term": self.matched_term,
            "matched_path": list(self.matched_path),
            "explanation": self.explanation,
            "detail": self.detail,
            "record": self.record,
            "lookups": self.lookups,
            "void_lookups": self.void_lookups,
            "limit_broken": self.limit_broken,
            "ledger": [e.to_json() for e in self.ledger],
            "steps": [s.to_json() for s in self.steps],
        }


LIMIT_OF_REASON = {
    SpfReason.LOOKUP_LIMIT: "lookups",
    SpfReason.VOID_LIMIT: "void",
    SpfReason.MX_LIMIT: "mx",
    SpfReason.TIME_BUDGET: "time",
}

"""Typed DMARC reports: what an aggregate report (RFC 9990, RFC 7489 App. C, the pre-standard draft) or a
failure report (RFC 9991 / RFC 6591 ARF) says, as frozen values.

Shared by the reader (report_parse: XML to these types) and the writer (report generation: these types to XML).
Words the RFC defines (disposition, results, reason types) are kept lower-case; a missing optional value is None.
An aggregate report arrives as a head (ReportHead: metadata and published policy) followed by its records, so a
100 MB report can stream through without holding every row; AggregateReport joins them for small reports.
"""

from __future__ import annotations

from dataclasses import dataclass

NS_RFC9990 = "urn:ietf:params:xml:ns:dmarc-2.0"  # DMARC-21
NS_RFC7489 = "http://dmarc.org/dmarc-xml/0.1"  # DMARC-22

DISPOSITIONS = ("none", "pass", "quarantine", "reject")
POLICY_RESULTS = ("pass", "fail")
REASON_TYPES = (  # RFC 9990 and RFC 7489 (forwarded, sampled_out) together
    "forwarded",
    "sampled_out",
    "trusted_forwarder",
    "mailing_list",
    "local_policy",
    "policy_test_mode",
    "other",
)
DKIM_RESULTS = ("none", "pass", "fail", "policy", "neutral", "temperror", "permerror")
SPF_RESULTS = ("none", "neutral", "pass", "fail", "softfail", "temperror", "permerror")


@dataclass(frozen=True, slots=True)
class Reason:
    """policy_evaluated/reason: why the disposition differs from the published policy."""

    type: str
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class DkimAuth:
    """auth_results/dkim: one signature's raw result (before alignment)."""

    domain: str
    selector: str | None
    result: str
    human_result: str | None = None


@dataclass(frozen=True, slots=True)
class SpfAuth:
    """auth_results/spf: the raw SPF result for one identity; scope is `mfrom` or `helo` (None when not given)."""

    domain: str
    scope: str | None
    result: str


@dataclass(frozen=True, slots=True)
class Record:
    """One row: `count` messages from `source_ip` that got the same verdicts."""

    source_ip: str
    count: int
    disposition: str | None
    dkim: str | None  # policy_evaluated: pass/fail after alignment
    spf: str | None
    header_from: str | None
    envelope_from: str | None = None
    envelope_to: str | None = None
    reasons: tuple[Reason, ...] = ()
    dkim_auth: tuple[DkimAuth, ...] = ()
    spf_auth: tuple[SpfAuth, ...] = ()

    @property
    def dmarc_pass(self) -> bool:
        """DMARC passes when either policy-evaluated identifier passed (aligned)."""
        return self.dkim == "pass" or self.spf == "pass"


@dataclass(frozen=True, slots=True)
class PolicyPublished:
    """policy_published: the DMARC record the reporter found for `domain`."""

    domain: str
    p: str | None = None
    sp: str | None = None
    np: str | None = None
    pct: int | None = None
    adkim: str | None = None
    aspf: str | None = None
    fo: str | None = None
    testing: str | None = None  # RFC 9990 `t`: "y" or "n"
    discovery_method: str | None = None  # RFC 9990: "psl" or "treewalk"


@dataclass(frozen=True, slots=True)
class ReportHead:
    """Everything in an aggregate report but its records."""

    format: str  # "rfc9990", "rfc7489" or "draft"
    version: str | None
    org_name: str
    email: str | None
    extra_contact_info: str | None
    report_id: str
    begin: int  # Unix seconds
    end: int
    errors: tuple[str, ...]
    generator: str | None
    policy: PolicyPublished

    @property
    def domain(self) -> str:
        return self.policy.domain


@dataclass(frozen=True, slots=True)
class ReportEnd:
    """After the last record: totals, the extension elements seen and every deviation that was tolerated."""

    records: int
    messages: int
    extensions: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AggregateReport:
    head: ReportHead
    records: tuple[Record, ...]
    extensions: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def messages(self) -> int:
        return sum(r.count for r in self.records)


@dataclass(frozen=True, slots=True)
class FailureReport:
    """An ARF auth-failure report (RFC 6591, RFC 9991): the message/feedback-report fields and original headers."""

    feedback_type: str
    version: str | None
    user_agent: str | None
    arrival_date: str | None  # as written
    arrival: int | None  # Unix seconds, when the date parsed
    source_ip: str | None
    reported_domain: str | None
    auth_failure: tuple[str, ...]
    authentication_results: tuple[str, ...]
    original_mail_from: str | None
    original_rcpt_to: tuple[str, ...]
    dkim_domain: str | None
    dkim_selector: str | None
    identity_alignment: str | None
    delivery_result: str | None
    original_headers: str
    warnings: tuple[str, ...] = ()

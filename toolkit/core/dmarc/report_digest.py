"""What the stored aggregate reports mean for a domain owner: who sends as the domain, and what would happen if
the policy were tightened today (the readiness verdict).

Pure: rows and reverse names in, frozen values out. Words for people (en, ja) live in the shells; here every
source gets a stable `kind` code:

    aligned      your mail: DKIM and SPF both aligned
    esp_dkim     your ESP: aligned by DKIM (SPF names the ESP's bounce domain)
    spf_only     your server: aligned by SPF only (no DKIM; breaks when forwarded)
    forwarder    DMARC passes by DKIM while SPF fails for your own domain: forwarded unchanged
    mailing_list DKIM from your domain present but broken (or the reporter says mailing_list): not aligned
    forwarded    the reporter says forwarded / trusted_forwarder, and nothing aligned survived
    unaligned    authenticated, but as another domain (an ESP or SaaS not set up to sign as you)
    spoofing     nothing authenticated: probably someone using your name

The verdict counts messages that fail DMARC from sources that look legitimate (every kind but spoofing): under
p=quarantine they would go to spam, under p=reject they would be refused. Fixes are ranked by the messages they
would save, and the ones in the owner's hands (unaligned, spf_only) come before the ones that are not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from toolkit.core.dmarc.report_model import Record

DAY = 86400
LEGITIMATE = ("aligned", "esp_dkim", "spf_only", "forwarder", "mailing_list", "forwarded", "unaligned")
FIXABLE = ("unaligned", "spf_only")  # in the owner's hands


@dataclass(frozen=True)
class Row:
    """One stored record with the report facts the digest needs."""

    domain: str
    begin: int
    policy: str | None  # p= published when the report was made
    record: Record


@dataclass(frozen=True)
class Source:
    name: str  # the reverse name's parent domain (out17.esp.example.net -> esp.example.net), else the IP
    reverse_names: tuple[str, ...]
    ips: tuple[str, ...]
    aligned: str  # "dkim+spf", "dkim", "spf" or "none": the identifiers that aligned
    kind: str
    messages: int
    passed: int
    auth_domains: tuple[str, ...]  # DKIM domains that verified but did not align

    @property
    def legitimate(self) -> bool:
        return self.kind in LEGITIMATE

    @property
    def failed(self) -> int:
        return self.messages - self.passed


@dataclass(frozen=True)
class Day:
    day: int  # Unix seconds at 00:00 UTC
    messages: int
    passed: int


@dataclass(frozen=True)
class Fix:
    kind: str
    source: Source
    messages: int  # failing messages this fix would save (0 for advice such as adding DKIM to an SPF-only server)
    detail: str  # the domain it authenticated as, for `unaligned`


@dataclass(frozen=True)
class Readiness:
    policy: str | None  # the p= seen in the newest report
    legitimate_lost: int  # messages from legitimate-looking sources that fail DMARC
    lost_sources: tuple[Source, ...]
    spoofed: int  # messages a strict policy would stop
    verdict: str  # "ready", "ready_but_lists" (only lists/forwarders lose mail), "not_ready", "no_data"
    fixes: tuple[Fix, ...]


@dataclass(frozen=True)
class DomainDigest:
    domain: str
    messages: int
    passed: int
    reports: int
    sources: tuple[Source, ...]
    days: tuple[Day, ...]
    readiness: Readiness

    @property
    def pass_rate(self) -> float:
        return self.passed / self.messages if self.messages else 0.0


def source_name(ip: str, reverse: str | None) -> str:
    """Group by the reverse name's parent: out17.esp.example.net and out18.esp.example.net are one ESP."""
    if not reverse:
        return ip
    labels = reverse.rstrip(".").lower().split(".")
    return ".".join(labels[1:]) if len(labels) >= 3 else ".".join(labels)


def aligned_of(r: Record) -> str:
    parts = [name for name, word in (("dkim", r.dkim), ("spf", r.spf)) if word == "pass"]
    return "+".join(parts) or "none"


def _related(a: str, b: str) -> bool:
    """Relaxed alignment without a public-suffix list: one name is the other or ends with '.' + it."""
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def classify(r: Record, domain: str) -> str:
    """The kind of sender behind one record (see the module docstring)."""
    own_dkim = [a for a in r.dkim_auth if a.domain and _related(a.domain, domain)]
    own_spf = [a for a in r.spf_auth if a.domain and _related(a.domain, domain)]
    reasons = {x.type for x in r.reasons}
    if r.dkim == "pass" and r.spf == "pass":
        return "aligned"
    if r.dkim == "pass":
        return "forwarder" if any(a.result in ("fail", "softfail") for a in own_spf) else "esp_dkim"
    if r.spf == "pass":
        return "spf_only"
    if "mailing_list" in reasons or any(a.result != "pass" for a in own_dkim):
        return "mailing_list"
    if reasons & {"forwarded", "trusted_forwarder"}:
        return "forwarded"
    if any(a.result == "pass" for a in r.dkim_auth):
        return "unaligned"
    return "spoofing"


def _unaligned_domains(r: Record, domain: str) -> list[str]:
    """The DKIM domains that verified but do not align (who the sender really signs as)."""
    return [a.domain for a in r.dkim_auth if a.result == "pass" and a.domain and not _related(a.domain, domain)]


def digest(rows: Iterable[Row], reverse: Mapping[str, str | None], reports: Mapping[str, int]) -> list[DomainDigest]:
    """One digest per domain, sources largest first. `reverse` maps IP -> reverse name (None: none or not looked
    up); `reports` maps domain -> how many reports the rows came from."""
    groups: dict[str, dict[tuple[str, str, str], dict]] = defaultdict(dict)
    days: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    newest: dict[str, tuple[int, str | None]] = {}
    for row in rows:
        r, domain = row.record, row.domain
        if domain not in newest or row.begin >= newest[domain][0]:
            newest[domain] = (row.begin, row.policy)
        name = source_name(r.source_ip, reverse.get(r.source_ip))
        kind = classify(r, domain)
        key = (name, aligned_of(r), kind)
        g = groups[domain].setdefault(key, {"ips": {}, "names": {}, "messages": 0, "passed": 0, "auth": {}})
        g["ips"][r.source_ip] = None
        if reverse.get(r.source_ip):
            g["names"][reverse[r.source_ip]] = None
        g["messages"] += r.count
        g["passed"] += r.count if r.dmarc_pass else 0
        for d in _unaligned_domains(r, domain):
            g["auth"][d] = None
        tally = days[domain][row.begin - row.begin % DAY]
        tally[0] += r.count
        tally[1] += r.count if r.dmarc_pass else 0
    out = []
    for domain in sorted(groups):
        sources = sorted(
            (
                Source(
                    name,
                    tuple(g["names"]),
                    tuple(g["ips"]),
                    aligned,
                    kind,
                    g["messages"],
                    g["passed"],
                    tuple(g["auth"]),
                )  # fmt: skip
                for (name, aligned, kind), g in groups[domain].items()
            ),
            key=lambda s: (-s.messages, s.name),
        )
        messages = sum(s.messages for s in sources)
        passed = sum(s.passed for s in sources)
        timeline = tuple(Day(d, m, p) for d, (m, p) in sorted(days[domain].items()))
        readiness = _readiness(sources, newest[domain][1])
        out.append(DomainDigest(domain, messages, passed, reports.get(domain, 0), tuple(sources), timeline, readiness))
    return out


def _readiness(sources: list[Source], policy: str | None) -> Readiness:
    lost = tuple(s for s in sources if s.legitimate and s.failed)
    spoofed = sum(s.failed for s in sources if not s.legitimate)
    fixes = [Fix(s.kind, s, s.failed, ", ".join(s.auth_domains)) for s in lost if s.kind in FIXABLE]
    fixes += [Fix(s.kind, s, s.failed, "") for s in lost if s.kind not in FIXABLE]
    fixes += [Fix("spf_only", s, 0, "") for s in sources if s.kind == "spf_only" and not s.failed]
    fixes.sort(key=lambda f: (f.kind not in FIXABLE, -f.messages, f.source.name))
    if not sources:
        verdict = "no_data"
    elif not lost:
        verdict = "ready"
    elif all(s.kind in ("mailing_list", "forwarded") for s in lost):
        verdict = "ready_but_lists"
    else:
        verdict = "not_ready"
    return Readiness(policy, sum(s.failed for s in lost), lost, spoofed, verdict, tuple(fixes))

"""Finding DMARC policy records and Organizational Domains.

- rfc9989: the DNS Tree Walk (DMARC-13..16), at most 8 queries per walk.
- rfc7489: the Public Suffix List (DMARC-18). The list is data the caller owns and passes in as `psl_org_domain`
  (name -> longest public suffix plus one label), as DKIM gets `is_public_suffix`: reading it is I/O, and the
  core keeps no process-wide copy. The shells pass toolkit.shells.psl (ICANN and private sections [ours]).

A `DmarcLookups` object lives for one message: it caches every `_dmarc` answer (DMARC-15 "cache the lookups
for each message") and keeps the DnsAnswers used, so the result can show its evidence.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from toolkit.core.dmarc.record import DmarcRecord, parse_record
from toolkit.core.dns import DnsAnswer, DnsStatus, Resolver
from toolkit.core.errors import CallerError


class DiscoveryTempError(Exception):
    """A DNS error during discovery: DMARC-12 says temperror, never "no record"."""

    def __init__(self, answer: DnsAnswer) -> None:
        super().__init__(f"{answer.name} TXT: {answer.detail or answer.status.value}")
        self.answer = answer


@dataclass(frozen=True, slots=True)
class NameRecords:
    """What `_dmarc.<name>` held: the one valid record, or why there is none."""

    name: str
    record: DmarcRecord | None
    valid_count: int  # valid DMARC records seen (2+ means all were discarded)
    answer: DnsAnswer


_CACHE_RECORD_MAX = 1024  # hostile DNS can send 64 KB TXT sets; only ordinary records are memoised


@functools.lru_cache(maxsize=4096)
def _parse_cached(joined: bytes, mode: str, name: str) -> DmarcRecord | None:
    """Records are frozen and parsing is pure, so one parse per (text, mode, name) serves every message."""
    return parse_record(joined.decode("utf-8", "replace"), mode, name)


def walk_names(start: str) -> list[str]:
    """DMARC-13: the names a walk from `start` queries, in order (at most 8)."""
    labels = start.split(".")
    names = [start]
    rest = labels[-7:] if len(labels) >= 8 else labels[1:]
    while rest:
        names.append(".".join(rest))
        rest = rest[1:]
    return names


class DmarcLookups:
    def __init__(self, resolver: Resolver, mode: str, psl_org_domain: Callable[[str], str] | None = None) -> None:
        self.resolver = resolver
        self.mode = mode
        self.psl_org_domain = psl_org_domain
        self._cache: dict[str, NameRecords] = {}
        self._walks: dict[str, list[NameRecords]] = {}
        self._orgs: dict[str, str] = {}
        self.answers: list[DnsAnswer] = []  # in the order they were first asked
        self.notes: list[str] = []

    def at(self, name: str) -> NameRecords:
        """Query `_dmarc.<name>` once per message; raise DiscoveryTempError on a DNS error."""
        cached = self._cache.get(name)
        if cached is not None:
            if cached.answer.status is DnsStatus.TEMPFAIL:
                raise DiscoveryTempError(cached.answer)
            return cached
        answer = self.resolver.query(f"_dmarc.{name}", "TXT")
        self.answers.append(answer)
        record = None
        valid = 0
        if answer.status is DnsStatus.OK:
            records = []
            for joined in answer.txt_joined():
                parsed = (
                    _parse_cached(joined, self.mode, name)
                    if len(joined) <= _CACHE_RECORD_MAX
                    else parse_record(joined.decode("utf-8", "replace"), self.mode, name)
                )
                if parsed is not None:
                    records.append(parsed)
            valid = len(records)
            if valid == 1:
                record = records[0]
            elif valid > 1:
                self.notes.append(f"_dmarc.{name} has {valid} DMARC records; all discarded (DMARC-13)")
        entry = NameRecords(name, record, valid, answer)
        self._cache[name] = entry
        if answer.status is DnsStatus.TEMPFAIL:
            raise DiscoveryTempError(answer)
        return entry

    def valid_count(self, name: str) -> int:
        """How many valid DMARC records `_dmarc.<name>` held (0 when not asked)."""
        entry = self._cache.get(name)
        return entry.valid_count if entry else 0

    def walk(self, start: str) -> list[NameRecords]:
        """DMARC-13: query each name, stopping at a single valid record with psd=y or psd=n."""
        walked = self._walks.get(start)
        if walked is not None:
            return walked
        found: list[NameRecords] = []
        for name in walk_names(start):
            entry = self.at(name)
            found.append(entry)
            if entry.record is not None and entry.record.psd in ("y", "n"):
                break
        self._walks[start] = found
        return found

    # --- Organizational Domain -------------------------------------------------------------------------------

    def org_domain(self, name: str) -> str:
        if self.mode == "rfc7489":
            return self.psl_org_domain_of(name)
        return self.treewalk_org_domain(name)

    def psl_org_domain_of(self, name: str) -> str:
        """DMARC-18: the longest matching public suffix plus one label; a bare suffix is its own org domain."""
        if self.psl_org_domain is None:
            raise CallerError("rfc7489 discovery needs the public suffix list: pass psl_org_domain")
        return self.psl_org_domain(name)

    def treewalk_org_domain(self, name: str) -> str:
        """DMARC-15: longest first, psd=n -> that name; psd=y (not N) -> one label below; else fewest labels."""
        org = self._orgs.get(name)
        if org is None:
            org = self._orgs[name] = self._treewalk_org_domain(name)
        return org

    def _treewalk_org_domain(self, name: str) -> str:
        with_records = [e for e in self.walk(name) if e.record is not None]
        if not with_records:
            return name
        for entry in sorted(with_records, key=lambda e: -e.name.count(".")):
            assert entry.record is not None
            if entry.record.psd == "n":
                return entry.name
            if entry.record.psd == "y" and entry.name != name:
                return one_label_below(name, entry.name)
        return min(with_records, key=lambda e: e.name.count(".")).name


def one_label_below(name: str, ancestor: str) -> str:
    """The name with one more label than `ancestor` on the way down to `name`."""
    extra = name[: -(len(ancestor) + 1)].split(".")
    return f"{extra[-1]}.{ancestor}"


@dataclass(frozen=True, slots=True)
class PolicyDiscovery:
    record: DmarcRecord | None
    org_domain: str  # "" when not computed yet (policy record at the Author Domain)
    method: str  # "treewalk" | "psl"
    found_at: str  # "author" | "organizational" | "psd" | ""
    multiple_at: str = ""  # a name whose several records made DMARC not apply (7489)


def discover_policy(author: str, lookups: DmarcLookups) -> PolicyDiscovery:
    """Find the policy record for an Author Domain. Raises DiscoveryTempError."""
    if lookups.mode == "rfc7489":
        return _discover_psl(author, lookups)
    return _discover_treewalk(author, lookups)


def _discover_treewalk(author: str, lookups: DmarcLookups) -> PolicyDiscovery:
    # DMARC-14 step 1: a valid record at the Author Domain is the policy record
    first = lookups.at(author)
    if first.record is not None:
        # the Org Domain is only needed for relaxed alignment of other names: computed later, on demand
        org = author if first.record.psd == "n" else ""
        return PolicyDiscovery(first.record, org, "treewalk", "author")
    # steps 2-3: walk (the first name is cached) and take the Org Domain's record, else the PSD's
    walked = lookups.walk(author)
    org = lookups.treewalk_org_domain(author)
    by_name = {e.name: e for e in walked}
    org_entry = by_name.get(org)
    if org_entry is not None and org_entry.record is not None:
        return PolicyDiscovery(org_entry.record, org, "treewalk", "organizational")
    for entry in walked:
        if entry.record is not None and entry.record.psd == "y" and org.endswith("." + entry.name):
            return PolicyDiscovery(entry.record, org, "treewalk", "psd")
    return PolicyDiscovery(None, org, "treewalk", "")


def _discover_psl(author: str, lookups: DmarcLookups) -> PolicyDiscovery:
    org = lookups.psl_org_domain_of(author)
    first = lookups.at(author)
    if first.valid_count > 1:
        return PolicyDiscovery(None, org, "psl", "", multiple_at=author)
    if first.record is not None:
        return PolicyDiscovery(first.record, org, "psl", "author")
    if org == author:
        return PolicyDiscovery(None, org, "psl", "")
    second = lookups.at(org)
    if second.valid_count > 1:
        return PolicyDiscovery(None, org, "psl", "", multiple_at=org)
    return PolicyDiscovery(second.record, org, "psl", "organizational" if second.record else "")

"""The SPF evaluator behind check_host(): one Evaluation per check, shared by the whole include/redirect
recursion so that the limits (SPF-14) and the ledger cover all of it. Pure: DNS from the Resolver, time from the
injected clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

from toolkit.core.dns import DnsAnswer, DnsStatus, Resolver
from toolkit.core.results import Verdict
from toolkit.core.spf.macro import expand_domain, expand_text
from toolkit.core.spf.names import Client, address_value, domain_problem, query_name_problem
from toolkit.core.spf.parse import (
    LOOKUP_TERMS,
    IpRun,
    MacroString,
    Mechanism,
    Modifier,
    SpfRecord,
    SpfSyntaxError,
    parse_explanation,
    parse_record,
)
from toolkit.core.spf.result import LedgerEntry, SpfReason

MAX_LOOKUP_TERMS = 10  # SPF-14
MAX_MX_HOSTS = 10  # SPF-14
MAX_PTR_NAMES = 10  # SPF-14
DEFAULT_MAX_VOID = 2  # SPF-14, configurable
DEFAULT_TIME_BUDGET = 20.0  # SPF-14: at least 20 s
# [ours] macro inputs (sender, local-part, HELO) are cut to this many characters: SMTP allows 256 for a whole path
# (RFC 5321 §4.5.3.1), and the cap bounds what a hostile record can make us do with a hostile sender
MAX_MACRO_INPUT = 1024

_QUALIFIER_VERDICT = {
    "pass": Verdict.PASS,
    "fail": Verdict.FAIL,
    "softfail": Verdict.SOFTFAIL,
    "neutral": Verdict.NEUTRAL,
}


class Abort(Exception):
    """permerror/temperror anywhere in the recursion ends the whole check (SPF-8, SPF-13)."""

    def __init__(self, verdict: Verdict, reason: SpfReason, detail: str, limit: str | None = None) -> None:
        super().__init__(detail)
        self.verdict = verdict
        self.reason = reason
        self.detail = detail
        self.limit = limit


@dataclass(slots=True)
class Outcome:
    verdict: Verdict
    reason: SpfReason
    path: tuple[str, ...] = ()
    exp: Modifier | None = None  # the exp= of the record that decided a fail
    exp_domain: str = ""
    detail: str = ""
    record: str | None = None


def _spf_records_of(records: tuple) -> list[bytes]:
    """SPF-4: TXT records (strings joined) that start with v=spf1 + space or end, case-insensitively [ours]."""
    found = []
    for record in records:
        if not isinstance(record, tuple) or (record and not isinstance(record[0], bytes)):
            continue
        text = b"".join(record)  # type: ignore[arg-type]
        if text[:6].lower() == b"v=spf1" and (len(text) == 6 or text[6:7] == b" "):
            found.append(text)
    return found


def select_record(records: tuple) -> SpfRecord | tuple[SpfReason, str] | None:
    """SPF-4/SPF-5 over one TXT RRset: the parsed record, None (no SPF record) or (reason, why) for permerror.

    No cache of its own: parse_record memoises the parse (a pure function of the text), and the resolver the
    run owns caches the answers; a module-level RRset cache would be state shared by every run in the process.
    """
    found = _spf_records_of(records)
    if not found:
        return None
    if len(found) > 1:
        return SpfReason.MULTIPLE_RECORDS, f"{len(found)} SPF records (SPF-4)"
    try:
        text = found[0].decode("ascii")
    except UnicodeDecodeError:
        return SpfReason.NON_ASCII, "non-ASCII SPF record (SPF-5)"
    try:
        return parse_record(text)
    except SpfSyntaxError as exc:
        return SpfReason.SYNTAX_ERROR, str(exc)


_first = itemgetter(0)
_NXDOMAIN = DnsStatus.NXDOMAIN
_NODATA = DnsStatus.NODATA
_new_entry = tuple.__new__


class Evaluation:
    """State of one check_host() call: counts, ledger, caches. Recursion shares it (SPF-14)."""

    __slots__ = (
        "resolver",
        "client",
        "sender",
        "local",
        "sender_domain",
        "helo",
        "max_void",
        "time_budget",
        "clock",
        "deadline",
        "receiver",
        "now",
        "lookups",
        "voids",
        "term_void",
        "ledger",
        "_pending_count",
        "in_exp",
        "top_record",
    )

    def __init__(
        self,
        resolver: Resolver,
        client: Client,
        sender: str,
        local: str,
        sender_domain: str,
        helo: str,
        max_void: int,
        time_budget: float,
        clock: Callable[[], float] | None,
        receiver: str,
        now: int | None,
    ) -> None:
        self.resolver = resolver
        self.client = client
        self.sender = sender[:MAX_MACRO_INPUT]
        self.local = local[:MAX_MACRO_INPUT]
        self.sender_domain = sender_domain
        self.helo = helo[:MAX_MACRO_INPUT]
        self.max_void = max_void
        self.time_budget = time_budget
        self.clock = clock
        self.deadline = clock() + time_budget if clock else 0.0
        self.receiver = receiver
        self.now = now
        self.lookups = 0
        self.voids = 0
        self.term_void = False  # the current term has already counted its one void lookup (SPF-14)
        self.ledger: list[LedgerEntry] = []
        self._pending_count = False  # the next ledger entry carries this term's count
        self.top_record: str | None = None  # the checked domain's record, kept for results that abort
        self.in_exp = False  # exp= lookups (and %{p} inside exp text) count against no limit (SPF-10, SPF-14)

    # --- DNS with bookkeeping -------------------------------------------------------------------------------
    def query(
        self, name: str, rdtype: str, term: str, domain: str, depth: int, *, count_void: bool = True, purpose="term"
    ) -> DnsAnswer:
        if self.clock is not None and self.clock() > self.deadline:
            self._note("limit", term, domain, depth, f"time budget of {self.time_budget:g} s spent (SPF-14)")
            raise Abort(Verdict.TEMPERROR, SpfReason.TIME_BUDGET, "time budget exceeded", "time")
        answer = self.resolver.query(name, rdtype)
        status = answer.status
        # DnsAnswer.is_void, inlined: this runs for every query. SPF-14 counts *terms* with a void answer, at most
        # one per term: the hosts of one mx or the names of one ptr (which the client chose) add nothing more
        void = count_void and (status is _NXDOMAIN or status is _NODATA) and not self.in_exp and not self.term_void
        if void:
            self.voids += 1
            self.term_void = True
        counted, self._pending_count = self._pending_count, False
        self.ledger.append(
            _new_entry(  # tuple.__new__: the NamedTuple's own __new__ is a Python-level lambda
                LedgerEntry,
                (
                    "query",
                    name,
                    rdtype,
                    status._value_,  # plain attribute: .value is a slow descriptor on this hot path
                    len(answer.records),
                    term,
                    domain,
                    depth,
                    counted,
                    void,
                    self.lookups,
                    self.voids,
                    answer.detail,
                    purpose,
                ),
            )
        )
        if void and self.voids > self.max_void:
            self._note("limit", term, domain, depth, f"void lookup {self.voids} > {self.max_void} (SPF-14)")
            raise Abort(
                Verdict.PERMERROR, SpfReason.VOID_LIMIT, f"more than {self.max_void} void lookups ({name})", "void"
            )
        return answer

    def _note(self, event: str, term: str, domain: str, depth: int, detail: str) -> None:
        counted, self._pending_count = self._pending_count, False
        self.ledger.append(
            LedgerEntry(event, term, "", "", 0, term, domain, depth, counted, False, self.lookups, self.voids, detail)
        )

    def count_term(self, term: str, domain: str, depth: int) -> None:
        """A DNS-querying term starts: it counts once (SPF-14) and may count one void lookup of its own."""
        self.term_void = False
        self.lookups += 1
        if self.lookups > MAX_LOOKUP_TERMS:
            self._note("limit", term, domain, depth, f"DNS-querying term {self.lookups} > {MAX_LOOKUP_TERMS} (SPF-14)")
            raise Abort(
                Verdict.PERMERROR,
                SpfReason.LOOKUP_LIMIT,
                f"more than {MAX_LOOKUP_TERMS} DNS lookups at {term}",
                "lookups",
            )
        self._pending_count = True

    def tempfail(self, answer: DnsAnswer, term: str) -> Abort:
        why = answer.detail or "temporary DNS failure"
        return Abort(Verdict.TEMPERROR, SpfReason.DNS_TEMPFAIL, f"{answer.name}/{answer.rdtype}: {why} at {term}")

    # --- macros ---------------------------------------------------------------------------------------------
    def letter_value(self, letter: str, domain: str, term: str, depth: int) -> str:
        if letter == "s":
            return self.sender
        if letter == "l":
            return self.local
        if letter == "o":
            return self.sender_domain
        if letter == "d":
            return domain
        if letter == "i":
            ip = self.client.ip
            if ip.version == 4:
                return str(ip)
            return ".".join(ip.exploded.replace(":", "").upper())  # dotted nibbles; upper case as the suite expects
        if letter == "v":
            return "in-addr" if self.client.version == 4 else "ip6"
        if letter == "h":
            return self.helo
        if letter == "p":
            return self.validated_name(domain, term, depth)
        if letter == "c":
            return str(self.client.ip)
        if letter == "r":
            return self.receiver
        if letter == "t":
            return str(self.now if self.now is not None else 0)
        raise SpfSyntaxError(f"macro letter {letter!r}")  # unreachable: the parser refuses other letters

    def expand(self, spec: MacroString, domain: str, term: str, depth: int) -> str:
        if spec.static is not None:
            return spec.static
        return expand_domain(spec, lambda letter: self.letter_value(letter, domain, term, depth))

    # --- PTR (ptr mechanism and %{p}) ---------------------------------------------------------------------------
    def validated_names(self, term: str, domain: str, depth: int) -> list[str]:
        """Forward-confirmed PTR names of the client, at most 10 names tried (SPF-7, SPF-14); errors skip.

        Not kept between terms: each ptr term (or %{p}) queries again, so its void lookup (one at most, however
        many names fail their forward check) counts for that term, the same whether or not the resolver caches.
        """
        ip = self.client.ip
        if ip.version == 4:
            rname = ".".join(reversed(str(ip).split("."))) + ".in-addr.arpa"
        else:
            rname = ".".join(reversed(ip.exploded.replace(":", ""))) + ".ip6.arpa"
        answer = self.query(rname, "PTR", term, domain, depth)
        names: list[str] = []
        if answer.ok:
            for ptr in answer.records[:MAX_PTR_NAMES]:
                if not isinstance(ptr, str) or query_name_problem(ptr):
                    continue
                forward = self.query(ptr, self.client.rdtype, term, domain, depth)
                if forward.ok and any(
                    isinstance(a, str) and address_value(a, self.client.version) == self.client.value
                    for a in forward.records
                ):
                    names.append(ptr.lower())
        return names

    def validated_name(self, domain: str, term: str, depth: int) -> str:
        """%{p}: a validated name, preferring the domain itself or a subdomain of it; else "unknown"."""
        names = self.validated_names(term, domain, depth)
        target = domain.lower()
        for name in names:
            if name == target:
                return name
        for name in names:
            if name.endswith("." + target):
                return name
        return names[0] if names else "unknown"

    # --- check_host -----------------------------------------------------------------------------------------
    def fetch_record(self, domain: str, term: str, parent: str, depth: int) -> tuple[SpfRecord | None, str | None]:
        """The one SPF record of `domain` (SPF-4): (None, None) when there is none."""
        # the checked domain's own record lookup is no void lookup: no record there simply means "none"
        answer = self.query(domain, "TXT", term, parent, depth, count_void=depth > 0, purpose="record")
        if answer.status is DnsStatus.TEMPFAIL:
            raise self.tempfail(answer, term)
        if not answer.ok:
            return None, None
        selected = select_record(answer.records)
        if selected is None:
            return None, None
        if isinstance(selected, SpfRecord):
            return selected, selected.text
        reason, why = selected
        raise Abort(Verdict.PERMERROR, reason, f"{domain}: {why}")

    def check(self, domain: str, depth: int, via: str, parent: str) -> Outcome:
        record, text = self.fetch_record(domain, via, parent, depth)
        if depth == 0:
            self.top_record = text
        if record is None:
            return Outcome(Verdict.NONE, SpfReason.NO_RECORD, (), None, "", f"{domain}: no SPF record")
        version, value = self.client.version, self.client.value
        for step in record.plan:
            if isinstance(step, IpRun):  # ip4 / ip6: the bulk of most records, no DNS (SPF-7)
                mech = step.first_match(version, value)
                if mech is None:
                    continue
                verdict = _QUALIFIER_VERDICT[mech.qualifier]
                return Outcome(verdict, SpfReason.MATCHED, (mech.text,), record.exp, domain, "", text)
            mech = step
            matched, inner = self.match(mech, domain, depth)
            if self._pending_count:  # the term counted but reused an earlier answer (ptr after ptr)
                self._note("term", mech.text, domain, depth, "no new query: earlier answer reused")
            if matched:
                verdict = _QUALIFIER_VERDICT[mech.qualifier]
                path = (mech.text, *inner)
                return Outcome(verdict, SpfReason.MATCHED, path, record.exp, domain, "", text)
        if record.redirect is not None and not record.has_all:  # SPF-9
            term = record.redirect.text
            self.count_term(term, domain, depth)
            target = self.expand(record.redirect.value, domain, term, depth)
            if domain_problem(target):
                self._note("skip", term, domain, depth, f"redirect target {target!r}: {domain_problem(target)}")
                raise Abort(Verdict.PERMERROR, SpfReason.REDIRECT_NO_RECORD, f"{term}: bad target {target!r}")
            outcome = self.check(target, depth + 1, term, domain)
            if outcome.verdict is Verdict.NONE:
                raise Abort(Verdict.PERMERROR, SpfReason.REDIRECT_NO_RECORD, f"{term}: {target} has no SPF record")
            outcome.path = (term, *outcome.path)
            outcome.record = text
            return outcome
        return Outcome(Verdict.NEUTRAL, SpfReason.NO_MATCH, (), None, "", f"{domain}: no term matched", text)

    def match(self, mech: Mechanism, domain: str, depth: int) -> tuple[bool, tuple[str, ...]]:
        name = mech.name
        client = self.client
        if name == "all":
            return True, ()
        if name in ("ip4", "ip6"):
            if mech.net_version != client.version:
                return False, ()
            return client.value >> mech.net_shift == mech.net_key, ()
        term = mech.text
        if name in LOOKUP_TERMS:
            self.count_term(term, domain, depth)
        target = self.expand(mech.target, domain, term, depth) if mech.target is not None else domain
        if name == "include":
            if domain_problem(target):
                self._note("skip", term, domain, depth, f"include target {target!r}: {domain_problem(target)}")
                raise Abort(Verdict.PERMERROR, SpfReason.INCLUDE_NO_RECORD, f"{term}: bad target {target!r}")
            outcome = self.check(target, depth + 1, term, domain)
            if outcome.verdict is Verdict.PASS:
                return True, outcome.path
            if outcome.verdict is Verdict.NONE:  # SPF-8
                raise Abort(Verdict.PERMERROR, SpfReason.INCLUDE_NO_RECORD, f"{term}: {target} has no SPF record")
            return False, ()
        if name == "ptr":
            suffix = target.lower()
            names = self.validated_names(term, domain, depth)
            return any(n == suffix or n.endswith("." + suffix) for n in names), ()
        problem = query_name_problem(target)
        if problem:
            self._note("skip", term, domain, depth, f"target {target!r}: {problem}; no match")
            return False, ()
        if name == "exists":
            answer = self.query(target, "A", term, domain, depth)  # SPF-7: always A
            if answer.status is DnsStatus.TEMPFAIL:
                raise self.tempfail(answer, term)
            return answer.ok, ()
        cidr = mech.cidr4 if client.version == 4 else mech.cidr6
        if name == "a":
            return self.address_match(target, cidr, term, domain, depth), ()
        # mx
        answer = self.query(target, "MX", term, domain, depth)
        if answer.status is DnsStatus.TEMPFAIL:
            raise self.tempfail(answer, term)
        if len(answer.records) > MAX_MX_HOSTS:
            self._note("limit", term, domain, depth, f"{len(answer.records)} MX hosts > {MAX_MX_HOSTS} (SPF-14)")
            raise Abort(Verdict.PERMERROR, SpfReason.MX_LIMIT, f"{term}: {len(answer.records)} MX hosts (max 10)", "mx")
        hosts = sorted((r for r in answer.records if isinstance(r, tuple) and len(r) == 2), key=_first)
        for _pref, host in hosts:
            if not isinstance(host, str) or host in ("", ".") or query_name_problem(host):
                continue  # a null MX matches nothing (SPF-7)
            if self.address_match(host, cidr, term, domain, depth):
                return True, ()
        return False, ()

    def address_match(self, name: str, cidr: int, term: str, domain: str, depth: int) -> bool:
        client = self.client
        answer = self.query(name, client.rdtype, term, domain, depth)
        if answer.status is DnsStatus.TEMPFAIL:
            raise self.tempfail(answer, term)
        bits = 32 if client.version == 4 else 128
        shift = bits - cidr
        want = client.value >> shift
        for record in answer.records:
            if isinstance(record, str):
                value = address_value(record, client.version)
                if value is not None and value >> shift == want:
                    return True
        return False

    def explanation(self, outcome: Outcome) -> str | None:
        """SPF-10: any problem with exp= means no explanation. Lookups here count against no limit."""
        if outcome.exp is None:
            return None
        self.in_exp = True
        term = outcome.exp.text
        try:
            target = self.expand(outcome.exp.value, outcome.exp_domain, term, 0)
        except Abort:
            return None
        if query_name_problem(target):
            return None
        try:
            answer = self.query(target, "TXT", term, outcome.exp_domain, 0, count_void=False, purpose="exp")
        except Abort:
            return None
        if not answer.ok or len(answer.records) != 1:
            return None
        record = answer.records[0]
        if not isinstance(record, tuple):
            return None
        try:
            text = b"".join(record).decode("ascii")  # type: ignore[arg-type]
            spec = parse_explanation(text)
            return expand_text(spec, lambda letter: self.letter_value(letter, outcome.exp_domain, term, 0))
        except (UnicodeDecodeError, SpfSyntaxError, Abort):
            return None

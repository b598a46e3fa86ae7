"""SPF checks without a client IP: the record itself and the worst-case lookup tree (SPF-4, SPF-5, SPF-8, SPF-14).

The tree follows every include and redirect as if no term matched before it, so its total is the most lookups
any client can make the receiver spend. Each node says what its subtree spends, which names the include to trim.
Work is bounded: at most MAX_QUERIES DNS queries and MAX_DEPTH levels, whatever the records say.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.core.dns import DnsAnswer, DnsStatus, Resolver
from toolkit.core.domain.findings import Finding, finding, txt_line
from toolkit.core.spf.parse import LOOKUP_TERMS, Mechanism, SpfRecord, SpfSyntaxError, parse_record

MAX_LOOKUPS = 10  # SPF-14
MAX_VOID = 2  # SPF-14
MAX_MX = 10  # SPF-14
MAX_QUERIES = 120  # [ours] bound on the walk: a 50-include tree still fits, a hostile fan-out does not
MAX_DEPTH = 12
RECORD_BYTES = 450  # RFC 7208 §3.4: keep the answer within 512-byte UDP
STRING_BYTES = 255  # RFC 1035 §3.3.14


@dataclass(frozen=True, slots=True)
class SpfNode:
    term: str  # "<record>" at the root, else the term as written
    domain: str  # whose record (include/redirect) or which name a lookup asked
    own: int  # lookups this term counts itself (SPF-14)
    total: int  # own plus the subtree's
    voids: int  # void lookups in the subtree, this term included
    children: tuple[SpfNode, ...] = ()
    record: str | None = None
    problem: str = ""  # why the walk stopped here, "" if it did not

    def to_json(self) -> dict:
        out: dict = {"term": self.term, "domain": self.domain, "lookups": self.total, "own": self.own,
                     "voids": self.voids}  # fmt: skip
        if self.record is not None:
            out["record"] = self.record
        if self.problem:
            out["problem"] = self.problem
        if self.children:
            out["children"] = [c.to_json() for c in self.children]
        return out


def spf_records(answer: DnsAnswer) -> list[tuple[bytes, ...]]:
    """SPF-4: the TXT records whose joined text is `v=spf1` alone or followed by a space (any case)."""
    out = []
    for strings in answer.records:
        if isinstance(strings, tuple) and strings and isinstance(strings[0], bytes):
            joined = b"".join(strings).lower()  # type: ignore[arg-type]
            if joined == b"v=spf1" or joined.startswith(b"v=spf1 "):
                out.append(strings)
    return out


class _Walk:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.queries = 0
        self.problems: list[Finding] = []
        self.tempfail = False

    def ask(self, name: str, rdtype: str) -> DnsAnswer | None:
        if self.queries >= MAX_QUERIES:
            return None
        self.queries += 1
        answer = self.resolver.query(name, rdtype)
        if answer.status is DnsStatus.TEMPFAIL and not self.tempfail:
            self.tempfail = True
            self.problems.append(finding("spf", "SPF_DNS_ERROR", "warn", rule="SPF-13", name=name, rdtype=rdtype,
                                         detail=answer.detail or "TEMPFAIL"))  # fmt: skip
        return answer

    def include(self, term: str, target: str, stack: tuple[str, ...], root: str) -> SpfNode:
        """include: or redirect=: one counted lookup, then the target's own tree."""
        if target in stack:
            self.problems.append(finding("spf", "SPF_INCLUDE_LOOP", "error", rule="SPF-14", term=term,
                                         chain=" -> ".join((*stack, target))))  # fmt: skip
            return SpfNode(term, target, 1, 1, 0, problem="loop")
        if len(stack) >= MAX_DEPTH:
            return SpfNode(term, target, 1, 1, 0, problem="not followed: too deep")
        answer = self.ask(target, "TXT")
        if answer is None:
            return SpfNode(term, target, 1, 1, 0, problem="not followed: work bound")
        if answer.status is DnsStatus.TEMPFAIL:
            return SpfNode(term, target, 1, 1, 0, problem=f"DNS {answer.detail or 'TEMPFAIL'}")
        records = spf_records(answer)
        void = int(answer.is_void)
        if not records:
            self.problems.append(finding("spf", "SPF_INCLUDE_MISSING", "error", rule="SPF-8", term=term, target=target,
                                         status=answer.status.value, root=root))  # fmt: skip
            return SpfNode(term, target, 1, 1, void, problem="no SPF record")
        if len(records) > 1:
            self.problems.append(finding("spf", "SPF_INCLUDE_BROKEN", "error", rule="SPF-4", term=term,
                                         detail=f"{len(records)} SPF records"))  # fmt: skip
            return SpfNode(term, target, 1, 1, void, problem="several SPF records")
        text = b"".join(records[0]).decode("utf-8", "replace")
        try:
            parsed = parse_record(text)
        except SpfSyntaxError as exc:
            self.problems.append(
                finding("spf", "SPF_INCLUDE_BROKEN", "error", rule="SPF-5", term=term, detail=str(exc))
            )
            return SpfNode(term, target, 1, 1, void, record=text, problem="syntax error")
        return self.tree(term, target, parsed, (*stack, target), own=1, voids=void, root=root)

    def tree(self, term: str, domain: str, record: SpfRecord, stack: tuple[str, ...], *, own: int, voids: int,
             root: str) -> SpfNode:  # fmt: skip
        children = []
        for mech in record.mechanisms:
            if mech.name in LOOKUP_TERMS:
                children.append(self.mechanism(mech, domain, stack, root))
        if record.redirect is not None and not record.has_all:  # SPF-9: redirect is moot beside `all`
            spec = record.redirect.value
            if spec.static is not None:
                children.append(self.include(record.redirect.text, spec.static, stack, root))
            else:
                children.append(SpfNode(record.redirect.text, spec.text, 1, 1, 0, problem="macro: not followed"))
        total = own + sum(c.total for c in children)
        return SpfNode(term, domain, own, total, voids + sum(c.voids for c in children), tuple(children), record.text)

    def mechanism(self, mech: Mechanism, domain: str, stack: tuple[str, ...], root: str) -> SpfNode:
        target = domain if mech.target is None else mech.target.static
        if target is None:  # a macro: which name depends on the client, one lookup still counts
            return SpfNode(mech.text, mech.target.text if mech.target else domain, 1, 1, 0,
                           problem="macro: depends on the client")  # fmt: skip
        if mech.name == "include":
            return self.include(mech.text, target, stack, root)
        if mech.name == "ptr":
            return SpfNode(mech.text, target, 1, 1, 0, problem="ptr: depends on the client")
        rdtype = {"a": "A", "mx": "MX", "exists": "A"}[mech.name]
        answer = self.ask(target, rdtype)
        if answer is None:
            return SpfNode(mech.text, target, 1, 1, 0, problem="not followed: work bound")
        if mech.name == "mx" and answer.ok and len(answer.records) > MAX_MX:
            self.problems.append(finding("spf", "SPF_MX_TOO_MANY", "error", rule="SPF-14", term=mech.text,
                                         count=len(answer.records)))  # fmt: skip
        problem = f"DNS {answer.detail or 'TEMPFAIL'}" if answer.status is DnsStatus.TEMPFAIL else ""
        return SpfNode(mech.text, target, 1, 1, int(answer.is_void), problem=problem)


@dataclass(frozen=True, slots=True)
class SpfAnalysis:
    domain: str
    record: str | None
    tree: SpfNode | None
    findings: tuple[Finding, ...]


def analyse_spf(domain: str, resolver: Resolver, answer: DnsAnswer | None = None) -> SpfAnalysis:
    """Every SPF finding for `domain`, and the worst-case lookup tree when there is one record to walk."""
    walk = _Walk(resolver)
    if answer is None:
        answer = walk.ask(domain, "TXT")
    assert answer is not None
    if answer.status is DnsStatus.TEMPFAIL:
        if not walk.tempfail:
            walk.problems.append(finding("spf", "SPF_DNS_ERROR", "warn", rule="SPF-13", name=domain, rdtype="TXT",
                                         detail=answer.detail or "TEMPFAIL"))  # fmt: skip
        return SpfAnalysis(domain, None, None, tuple(walk.problems))
    records = spf_records(answer)
    out: list[Finding] = []
    if not records:
        fix = txt_line(domain, "v=spf1 mx ~all")
        out.append(finding("spf", "SPF_NONE", "warn", rule="SPF-4", fix=fix, domain=domain))
        return SpfAnalysis(domain, None, None, tuple(out))
    texts = [b"".join(r).decode("utf-8", "replace") for r in records]
    if len(records) > 1:
        out.append(finding("spf", "SPF_MULTIPLE", "error", rule="SPF-4", fix=txt_line(domain, merge_records(texts)),
                           count=len(records)))  # fmt: skip
        return SpfAnalysis(domain, None, None, tuple(out))
    strings, text = records[0], texts[0]
    long_strings = [len(s) for s in strings if len(s) > STRING_BYTES]
    if long_strings:
        out.append(finding("spf", "SPF_STRING_LONG", "error", rule="SPF-4", fix=txt_line(domain, text),
                           size=max(long_strings)))  # fmt: skip
    size = sum(len(s) for s in strings)
    if size > RECORD_BYTES:
        out.append(finding("spf", "SPF_RECORD_LONG", "warn", rule="SPF-4", size=size))
    if not text.isascii():
        out.append(finding("spf", "SPF_SYNTAX", "error", rule="SPF-5", detail="non-ASCII characters in the record"))
        return SpfAnalysis(domain, text, None, tuple(out))
    try:
        parsed = parse_record(text)
    except SpfSyntaxError as exc:
        out.append(finding("spf", "SPF_SYNTAX", "error", rule="SPF-5", detail=str(exc)))
        return SpfAnalysis(domain, text, None, tuple(out))
    out += _record_findings(domain, parsed)
    tree = walk.tree("<record>", domain, parsed, (domain,), own=0, voids=0, root=domain)
    out += walk.problems
    out += _limit_findings(domain, tree)
    if not any(f.level in ("error", "critical", "warn") for f in out):
        out.insert(0, finding("spf", "SPF_OK", "ok", rule="SPF-4", record=text, lookups=tree.total, voids=tree.voids))
    return SpfAnalysis(domain, text, tree, tuple(out))


def _record_findings(domain: str, record: SpfRecord) -> list[Finding]:
    out = []
    mechs = record.mechanisms
    alls = [i for i, m in enumerate(mechs) if m.name == "all"]
    if alls and (alls[0] < len(mechs) - 1 or (record.redirect is not None)):
        ignored = " ".join(m.text for m in mechs[alls[0] + 1 :])
        if record.redirect is not None:
            ignored = (ignored + " " + record.redirect.text).strip()
        out.append(finding("spf", "SPF_AFTER_ALL", "warn", rule="SPF-6", fix=txt_line(domain, rewrite(record)),
                           ignored=ignored, all=mechs[alls[0]].text))  # fmt: skip
    if alls:
        qualifier = mechs[alls[0]].qualifier
        if qualifier == "pass":
            out.append(finding("spf", "SPF_PLUS_ALL", "error", rule="SPF-6", fix=txt_line(domain, rewrite(record))))
        elif qualifier == "neutral":
            out.append(finding("spf", "SPF_NEUTRAL_ALL", "warn", rule="SPF-12", fix=txt_line(domain, rewrite(record))))
    elif record.redirect is None:
        out.append(finding("spf", "SPF_NO_ALL", "warn", rule="SPF-12", fix=txt_line(domain, rewrite(record))))
    if any(m.name == "ptr" for m in mechs):
        out.append(finding("spf", "SPF_PTR", "warn", rule="SPF-7", fix=txt_line(domain, rewrite(record))))
    return out


def rewrite(record: SpfRecord, default_all: str = "~all") -> str:
    """The record with ptr dropped, nothing after the first `all`, and a `~all`/`-all` ending."""
    terms = []
    final = default_all
    for mech in record.mechanisms:
        if mech.name == "ptr":
            continue
        if mech.name == "all":
            final = "-all" if mech.qualifier == "fail" else default_all
            break
        terms.append(mech.text)
    else:
        if record.redirect is not None:
            return " ".join(["v=spf1", *terms, record.redirect.text])
    return " ".join(["v=spf1", *terms, final])


def merge_records(texts: list[str]) -> str:
    """One record holding every term of several (SPF-4 allows one), ending in the first record's `all`."""
    terms: list[str] = []
    final = None
    for text in texts:
        for term in text.split()[1:]:
            if term.lower().lstrip("+-~?") == "all":
                final = final or term
            elif term not in terms:
                terms.append(term)
    return " ".join(["v=spf1", *terms, final or "~all"])


def _limit_findings(domain: str, tree: SpfNode) -> list[Finding]:
    out = []
    spenders = sorted((c for c in tree.children if c.total > 1), key=lambda c: -c.total)
    named = ", ".join(f"{c.term} ({c.total})" for c in spenders[:3]) or "-"
    if tree.total > MAX_LOOKUPS:
        heavy = spenders[0] if spenders else max(tree.children, key=lambda c: c.total)
        flat = flatten(heavy) if heavy.term.lower().lstrip("+").startswith("include:") else None
        fix = None
        if flat is not None and tree.record is not None:
            terms = [t for part in (tree.record.split()) for t in (flat if part == heavy.term else [part])]
            fix = txt_line(domain, " ".join(terms))  # re-flatten when the provider changes its ranges
        out.append(finding("spf", "SPF_TOO_MANY_LOOKUPS", "error", rule="SPF-14", lookups=tree.total, spenders=named,
                           fix=fix, heavy=heavy.term))  # fmt: skip
    elif tree.total >= MAX_LOOKUPS - 1:
        out.append(finding("spf", "SPF_LOOKUPS_NEAR_LIMIT", "warn", rule="SPF-14", lookups=tree.total, spenders=named))
    if tree.voids > MAX_VOID:
        out.append(finding("spf", "SPF_TOO_MANY_VOID", "error", rule="SPF-14", voids=tree.voids))
    return out


def flatten(node: SpfNode) -> list[str] | None:
    """The ip4:/ip6: terms an include tree stands for, or None when it holds anything whose answer depends on
    the moment or the client (a, mx, exists, ptr, redirect, macros, non-pass qualifiers)."""
    if node.record is None or node.problem:
        return None
    terms: list[str] = []
    for term in node.record.split()[1:]:
        low = term.lower()
        if low.startswith(("ip4:", "ip6:", "+ip4:", "+ip6:")):
            terms.append(term.lstrip("+"))
        elif low in ("all", "+all"):
            return None  # a passing `all` in an include matches every client: nothing to flatten it to
        elif low.lstrip("+").startswith("include:") or low.lstrip("-~?") == "all" or low.startswith("exp="):
            continue  # includes come from the children; a failing `all` in an include is "no match" (SPF-8)
        else:
            return None
    for child in node.children:
        sub = flatten(child) if child.term.lower().lstrip("+").startswith("include:") else None
        if sub is None:
            return None
        terms += sub
    return list(dict.fromkeys(terms))


def tree_lines(node: SpfNode, prefix: str = "", lang: str = "en") -> list[str]:
    """The tree as text: each term with what its subtree spends."""
    ja = lang == "ja"
    if ja:
        from toolkit.core.domain.text_ja import TREE_COUNTS_JA, TREE_JA, TREE_SPEND_JA, TREE_VOID_JA
    lines = []
    if not prefix:
        counts = (TREE_COUNTS_JA.format(node=node, max=MAX_LOOKUPS, max_void=MAX_VOID) if ja else
                  f"{node.total}/{MAX_LOOKUPS} lookups, {node.voids}/{MAX_VOID} void")  # fmt: skip
        lines.append(f"{node.record or node.domain}  [{counts}]")
    for index, child in enumerate(node.children):
        last = index == len(node.children) - 1
        problem = TREE_JA.get(child.problem, child.problem) if ja else child.problem
        note = f"  ({problem})" if problem else ""
        if ja:
            spend = TREE_SPEND_JA.format(node=child) + (TREE_VOID_JA.format(node=child) if child.voids else "")
        else:
            spend = f"{child.total} lookup{'s' * (child.total != 1)}" + (f", {child.voids} void" if child.voids else "")
        lines.append(f"{prefix}{'└─' if last else '├─'} {child.term}  {spend}{note}")
        lines += tree_lines(child, prefix + ("   " if last else "│  "), lang)
    return lines

"""ARC chain validation (RFC 8617 §5.2; STANDARDS ARC-1..ARC-3).

`verify(message, resolver, now)` returns one ArcResult:
1. no ARC fields: none;
2. broken structure (parse.py), a cv= out of sequence, or any cv=fail: fail;
3. the newest AMS does not verify: fail;
4. every AS, newest first, over the ARC sets 1..i (AAR, AMS, AS; relaxed; the current b= blanked): any
   failure is fail.
Along the way the AMS of each older instance is checked, newest first, to find the oldest one that still passes:
evidence of where the message was changed. Each AMS and AS check is a signature check on the shared engine.
"""

from __future__ import annotations

from collections.abc import Callable

from toolkit.core.arc.engine import SignatureChecker
from toolkit.core.arc.parse import AAR, AMS, CV_VALUES, SEAL, ArcSet, ChainError, parse_chain
from toolkit.core.arc.result import ArcInstance, ArcReason, ArcResult, CheckStatus, SignatureCheck
from toolkit.core.dns import Resolver
from toolkit.core.message import Message, parse_message
from toolkit.core.results import Step, Verdict


def verify(
    message: Message | bytes, resolver: Resolver, now: int, clock: Callable[[], float] | None = None
) -> ArcResult:
    """The chain's verdict. `clock` (seconds, e.g. time.monotonic from a shell) bounds the time spent (5 s)."""
    parsed = message if isinstance(message, Message) else parse_message(message)
    if parsed.header_truncated:  # fields past the limit were not read: the chain cannot be judged whole
        detail = "the header block is over the size limit; ARC fields past it were not read"
        step = Step("ARC-2", "header size", False, detail)
        return ArcResult(Verdict.FAIL, ArcReason.HEADER_TOO_LARGE, detail, steps=(step,))
    try:
        sets = parse_chain(parsed)
    except ChainError as exc:
        return ArcResult(
            Verdict.FAIL, exc.reason, exc.detail, steps=(Step(exc.rule, "chain structure", False, exc.detail),)
        )
    if not sets:
        return ArcResult(
            Verdict.NONE, ArcReason.NO_CHAIN, "no ARC sets", steps=(Step("ARC-3", "ARC sets", None, "none"),)
        )
    steps = [Step("ARC-2", "chain structure", True, f"{len(sets)} complete sets, i=1..{len(sets)}")]
    ams: dict[int, SignatureCheck] = {}
    seals: dict[int, SignatureCheck] = {}

    def finish(verdict: Verdict, reason: ArcReason | None, detail: str, oldest: int | None = None) -> ArcResult:
        instances = tuple(_describe(s, ams.get(s.i), seals.get(s.i)) for s in sets)
        return ArcResult(verdict, reason, detail, oldest, instances, tuple(steps))

    failure = _cv_problem(sets)
    if failure is not None:
        steps.append(Step("ARC-2", "cv= sequence", False, failure[1]))
        return finish(Verdict.FAIL, *failure)
    checker = SignatureChecker(parsed, resolver, now, clock)
    newest = sets[-1]
    check = ams[newest.i] = checker.check_ams(newest.ams)
    if not check.passed:
        detail = f"AMS i={newest.i}: {check.detail}"
        steps.append(Step("ARC-3", "newest AMS", False, detail))
        return finish(Verdict.FAIL, ArcReason.TEMPERROR if check.temporary else ArcReason.AMS_FAILED, detail)
    steps.append(Step("ARC-3", "newest AMS", True, f"i={newest.i} d={newest.ams.tags.get('d', '')}"))
    oldest_pass = newest.i
    for arc_set in reversed(sets[:-1]):  # evidence only: where did the message change? (RFC 8617 §5.2 step 4)
        check = ams[arc_set.i] = checker.check_ams(arc_set.ams)
        if not check.passed:
            break
        oldest_pass = arc_set.i
    steps.append(Step("ARC-3", "oldest passing AMS", None, f"i={oldest_pass}"))
    for arc_set in reversed(sets):
        check = seals[arc_set.i] = checker.check_seal(sets[: arc_set.i])
        if not check.passed:
            detail = f"AS i={arc_set.i}: {check.detail}"
            steps.append(Step("ARC-3", "seals", False, detail))
            reason = ArcReason.TEMPERROR if check.temporary else ArcReason.SEAL_FAILED
            return finish(Verdict.FAIL, reason, detail, oldest_pass)
    steps.append(Step("ARC-3", "seals", True, f"{len(sets)} seals verify"))
    return finish(Verdict.PASS, None, "", oldest_pass)


def _describe(arc_set: ArcSet, ams: SignatureCheck | None, seal_check: SignatureCheck | None) -> ArcInstance:
    seal = arc_set.seal.tags
    return ArcInstance(
        ams=ams or SignatureCheck(),
        seal=seal_check or SignatureCheck(),
        i=arc_set.i,
        domain=seal.get("d", "").lower(),
        selector=seal.get("s", ""),
        algorithm=seal.get("a", "").lower(),
        cv=seal.get("cv", ""),
        authserv_id=arc_set.aar.authserv_id,
        aar=arc_set.aar.results,
    )


def _cv_problem(sets: list[ArcSet]) -> tuple[ArcReason, str] | None:
    """ARC-2: every cv= is none, pass or fail; none only at i=1, pass after; a fail anywhere ends the chain."""
    for arc_set in sets:
        cv = arc_set.seal.tags.get("cv")
        if cv is None:
            return ArcReason.BAD_CV, f"AS i={arc_set.i} has no cv="
        if cv not in CV_VALUES:  # values are case-sensitive, like every tag value we read
            return ArcReason.BAD_CV, f"AS i={arc_set.i} cv={cv[:20]!r} is not none, pass or fail"
    for arc_set in sets:
        if arc_set.seal.tags["cv"] == "fail":
            return ArcReason.CHAIN_FAILED, f"AS i={arc_set.i} says cv=fail"
    for arc_set in sets:
        cv = arc_set.seal.tags["cv"]
        wanted = "none" if arc_set.i == 1 else "pass"
        if cv != wanted:
            return ArcReason.CV_SEQUENCE, f"AS i={arc_set.i} says cv={cv}, expected cv={wanted}"
    return None


__all__ = ["AAR", "AMS", "SEAL", "CheckStatus", "SignatureCheck", "verify"]

"""AMS and AS checks (RFC 8617 §4.1.2, §4.1.3, §5.2; STANDARDS ARC-1, ARC-3) on the shared signature engine.

An AMS is a DKIM signature without v= whose i= is the instance; an AS signs the chain itself (no h=, no body
hash, always relaxed). Both take the engine's tag table, key lookup (same evidence as DKIM), and public-key check
over a canonicalized header set (toolkit.core.signature); the ARC rules stay here.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from toolkit.core.arc.parse import AMS, SEAL, ArcField, ArcSet
from toolkit.core.arc.result import CheckStatus, SignatureCheck
from toolkit.core.canon import RELAXED, BodyHash, CanonError, body_hash, parse_canon
from toolkit.core.dkim.common import (
    ALGORITHMS,
    header_hash_input,
    index_headers,
    is_digits,
    remove_b_value,
    select_headers,
    split_header_list,
    valid_domain,
    valid_header_names,
    valid_selector,
)
from toolkit.core.dkim.verify import DEFAULT_BUDGET
from toolkit.core.dns import Resolver
from toolkit.core.message import HeaderField, Message
from toolkit.core.results import Verdict
from toolkit.core.signature import KeyAnswers, KeyLookup, Stop, first_verifying, tag_problem
from toolkit.core.tags import strip_fws

# [ours] the same bounds as a message's DKIM signatures (failed key lookups, key records per selector, seconds with
# a clock); the number of checks is bounded by the structure (at most 50 sets: 100 checks)
BUDGET = DEFAULT_BUDGET


class _Fail(Exception):
    def __init__(self, reason: str, detail: str, temporary: bool = False) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.temporary = temporary


class SignatureChecker:
    """Per-message state shared by the AMS and AS checks: key answers, body hashes, canonical ARC fields."""

    def __init__(
        self, message: Message, resolver: Resolver, now: int, clock: Callable[[], float] | None = None
    ) -> None:
        self.message = message
        self._answers = KeyAnswers(resolver, BUDGET.lookup_failures, BUDGET.seconds, clock, label="ARC")
        self._body_hashes: dict[str, BodyHash] = {}
        self._by_name: dict[str, list[HeaderField]] | None = None
        self._canonical: dict[tuple[bytes, str], bytes] = {}
        self._keys: dict[tuple[str, str, str], list | _Fail] = {}
        self._selections: dict[tuple[str, ...], list[HeaderField]] = {}

    def check_ams(self, ams: ArcField) -> SignatureCheck:
        return self._guarded(self._ams, ams)

    def check_seal(self, prefix: list[ArcSet]) -> SignatureCheck:
        return self._guarded(self._seal, prefix)

    def _guarded(self, check: Callable, arg: Any) -> SignatureCheck:
        try:
            self._answers.spend_time("an ARC signature check")
            return check(arg)
        except _Fail as exc:
            return SignatureCheck(CheckStatus.FAIL, exc.reason, exc.detail, exc.temporary)
        except Stop as stop:  # the engine's key verdicts and time and lookup budgets
            return SignatureCheck(CheckStatus.FAIL, stop.reason, stop.detail, stop.verdict is Verdict.TEMPERROR)

    def _ams(self, ams: ArcField) -> SignatureCheck:
        tags = ams.tags
        algorithm, signature = self._common(AMS, tags)
        try:
            head_canon, body_canon = parse_canon(tags.get("c"))
        except CanonError as exc:
            raise _Fail("BAD_CANONICALIZATION", str(exc)) from None
        names = split_header_list(tags["h"]) if tags["h"].strip(" \t\r\n") else []
        if names and not valid_header_names(names):
            raise _Fail("BAD_HEADER_LIST", f"h={tags['h'][:80]!r}")
        if SEAL in names:  # RFC 8617 §4.1.2: the AMS must not cover ARC-Seal fields, which later hops add to
            raise _Fail("SEAL_IN_HEADER_LIST", "h= names arc-seal")
        expected_bh = _b64(strip_fws(tags["bh"]), "bh")
        records = self._key(tags, algorithm)
        if body_canon not in self._body_hashes:
            self._body_hashes[body_canon] = body_hash(self.message.body, body_canon)
        computed = self._body_hashes[body_canon].digest
        if computed != expected_bh:
            raise _Fail("BODY_HASH_MISMATCH", "body hash did not verify")
        data = header_hash_input(self._selected(ams, names), remove_b_value(ams.field.raw), head_canon, self._canonical)
        return self._signature(algorithm, records, signature, data, f"{len(names)} fields, {head_canon}/{body_canon}")

    def _seal(self, prefix: list[ArcSet]) -> SignatureCheck:
        current = prefix[-1].seal
        algorithm, signature = self._common(SEAL, current.tags)
        records = self._key(current.tags, algorithm)
        fields = [f.field for s in prefix for f in (s.aar, s.ams, s.seal)][:-1]  # ARC-3: AAR, AMS, AS per set
        data = header_hash_input(fields, remove_b_value(current.field.raw), RELAXED, self._canonical)
        return self._signature(algorithm, records, signature, data, f"over {len(prefix)} sets")

    def _common(self, kind: str, tags: dict[str, str]) -> tuple[str, bytes]:
        problem = tag_problem(kind, tags)
        if problem is not None:
            raise _Fail(*problem)
        algorithm = tags["a"].lower()
        if algorithm == "rsa-sha1":
            raise _Fail("ALGORITHM_SHA1", "rsa-sha1 is not accepted (RFC 8301)")
        if tags["a"] not in ALGORITHMS:
            raise _Fail("UNKNOWN_ALGORITHM", f"unknown a={tags['a'][:40]!r}")
        if not valid_domain(tags["d"].lower()):
            raise _Fail("BAD_DOMAIN", f"d={tags['d'][:80]!r} is not a domain name")
        if not valid_selector(tags["s"].lower()):
            raise _Fail("BAD_SELECTOR", f"s={tags['s'][:80]!r} is not a selector")
        for stamp in ("t", "x"):
            if stamp in tags and not is_digits(tags[stamp], 40):
                raise _Fail("BAD_TIMESTAMP", f"{stamp}={tags[stamp][:40]!r}")
        return algorithm, _b64(strip_fws(tags["b"]), "b")

    def _key(self, tags: dict[str, str], algorithm: str) -> list:
        """The usable key records for d=, s=, a=; one lookup per sealer however many sets it signed."""
        wanted = (tags["d"].lower(), tags["s"], algorithm)
        found = self._keys.get(wanted)
        if found is None:
            try:
                found = KeyLookup(wanted[1], wanted[0], algorithm).run(self._answers.lookup, BUDGET.key_records)
            except Stop as stop:
                found = _Fail(stop.reason, stop.detail, stop.verdict is Verdict.TEMPERROR)
            self._keys[wanted] = found
        if isinstance(found, _Fail):
            raise found
        return found

    def _selected(self, ams: ArcField, names: list[str]) -> list[HeaderField]:
        """The fields h= picks (DKIM-20), leaving out the AMS being checked (as DKIM leaves out the signature
        itself). The sets of one chain usually sign the same names: their selections are shared."""
        if self._by_name is None:
            self._by_name = index_headers(self.message.headers)
        if AMS in names:
            pool = dict(self._by_name)
            pool[AMS] = [h for h in pool.get(AMS, ()) if h is not ams.field]
            return select_headers(pool, names)
        key = tuple(names)
        selected = self._selections.get(key)
        if selected is None:
            selected = self._selections[key] = select_headers(self._by_name, names)
        return selected

    @staticmethod
    def _signature(algorithm: str, records: list, signature: bytes, data: bytes, what: str) -> SignatureCheck:
        good = first_verifying(algorithm, records, signature, data)
        if good is None:
            raise _Fail("SIGNATURE_MISMATCH", "b= does not verify")
        return SignatureCheck(CheckStatus.PASS, None, f"{algorithm}, {good.key_type} {good.key_bits} bits, {what}")


def _b64(value: str, tag: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _Fail("BAD_BASE64", f"{tag}= is not valid base64") from None

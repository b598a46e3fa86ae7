"""Find the ARC sets in a message and check their structure (RFC 8617 §4; STANDARDS ARC-1, ARC-2).

`parse_chain(message)` returns the sets ordered by instance, oldest first, or raises ChainError with a stable
ArcReason. No cryptography happens here. The work is bounded before anything is parsed: a message with more ARC
fields than 50 complete sets can hold fails at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.core.arc.result import MAX_INSTANCES, ArcReason
from toolkit.core.message import HeaderField, Message
from toolkit.core.tags import TagListError, parse_tag_list

AAR = "arc-authentication-results"
AMS = "arc-message-signature"
SEAL = "arc-seal"
KINDS = (AAR, AMS, SEAL)  # also the order the seal hashes a set in (ARC-3 step 4)
SHORT = {AAR: "AAR", AMS: "AMS", SEAL: "AS"}
CV_VALUES = ("none", "pass", "fail")

# AAR value: "i=N;" then the authserv-id (RFC 8617 §4.1.1: the i= tag comes first, then the A-R payload)
_AAR_PREFIX = re.compile(r"^[ \t\r\n]*i[ \t\r\n]*=[ \t\r\n]*([^; \t\r\n]*)[ \t\r\n]*;[ \t\r\n]*(.*)$", re.DOTALL)
_DIGITS = re.compile(r"^[0-9]{1,3}$")


class ChainError(Exception):
    """The chain's structure is broken: the verdict is fail (ARC-3 step 2)."""

    def __init__(self, reason: ArcReason, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.rule = rule
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ArcField:
    kind: str  # one of KINDS
    i: int
    field: HeaderField
    position: int  # index in message.headers
    tags: dict[str, str]  # AMS and AS; empty for the AAR
    authserv_id: str = ""  # AAR only
    results: str = ""  # AAR only: everything after the authserv-id, unfolded


@dataclass(frozen=True, slots=True)
class ArcSet:
    i: int
    aar: ArcField
    ams: ArcField
    seal: ArcField


def arc_fields(message: Message) -> list[tuple[int, HeaderField]]:
    return [(pos, h) for pos, h in enumerate(message.headers) if h.lname in KINDS]


def parse_chain(message: Message) -> list[ArcSet]:
    """The ARC sets, oldest first; [] when the message has none. Raises ChainError (ARC-1, ARC-2)."""
    found = arc_fields(message)
    if not found:
        return []
    if len(found) > 3 * MAX_INSTANCES:
        raise ChainError(
            ArcReason.TOO_MANY_INSTANCES, "ARC-2", f"{len(found)} ARC fields: more than {MAX_INSTANCES} sets hold"
        )
    by_kind: dict[str, dict[int, ArcField]] = {kind: {} for kind in KINDS}
    for position, header in found:
        parsed = parse_field(header, position)
        slot = by_kind[parsed.kind]
        if parsed.i in slot:
            raise ChainError(
                ArcReason.DUPLICATE_INSTANCE, "ARC-2", f"two {SHORT[parsed.kind]} fields with i={parsed.i}"
            )
        slot[parsed.i] = parsed
    newest = max(i for slot in by_kind.values() for i in slot)
    sets: list[ArcSet] = []
    for i in range(1, newest + 1):
        present = {kind: by_kind[kind].get(i) for kind in KINDS}
        if not any(present.values()):
            raise ChainError(ArcReason.INSTANCE_GAP, "ARC-2", f"no ARC set with i={i} below i={newest}")
        missing = [SHORT[kind] for kind, value in present.items() if value is None]
        if missing:
            raise ChainError(ArcReason.MISSING_FIELD, "ARC-2", f"instance {i} has no {' or '.join(missing)}")
        sets.append(ArcSet(i, present[AAR], present[AMS], present[SEAL]))  # type: ignore[arg-type]
    return sets


def _instance(value: str | None, kind: str) -> int:
    if value is None:
        raise ChainError(ArcReason.BAD_INSTANCE, "ARC-1", f"{SHORT[kind]} without i=")
    if not _DIGITS.match(value) or value.startswith("0") and value != "0":
        raise ChainError(ArcReason.BAD_INSTANCE, "ARC-1", f"{SHORT[kind]} i={value[:20]!r} is not an instance number")
    number = int(value)
    if number == 0:
        raise ChainError(ArcReason.BAD_INSTANCE, "ARC-1", f"{SHORT[kind]} i=0: instances start at 1")
    if number > MAX_INSTANCES:
        raise ChainError(ArcReason.TOO_MANY_INSTANCES, "ARC-2", f"{SHORT[kind]} i={number} is above {MAX_INSTANCES}")
    return number


def parse_field(header: HeaderField, position: int) -> ArcField:
    kind = header.lname
    text = header.value.decode("utf-8", "surrogateescape")
    if kind == AAR:
        match = _AAR_PREFIX.match(text)
        if match is None:
            raise ChainError(ArcReason.FIELD_SYNTAX, "ARC-1", "AAR does not start with i=N;")
        i = _instance(match.group(1), kind)
        rest = " ".join(match.group(2).split())
        authserv_id, _, results = rest.partition(";")
        return ArcField(kind, i, header, position, {}, authserv_id.strip(), results.strip())
    try:
        tags = parse_tag_list(text)  # a repeated tag is a syntax error here (DKIM-2)
    except TagListError as exc:
        raise ChainError(ArcReason.FIELD_SYNTAX, "ARC-1", f"{SHORT[kind]}: {exc}") from None
    values = tags.as_dict()
    return ArcField(kind, _instance(values.get("i"), kind), header, position, values)


def highest_instance(message: Message) -> int:
    """The highest i= any ARC field states, read leniently (to number the set that seals a broken chain)."""
    highest = 0
    for position, header in arc_fields(message):
        try:
            highest = max(highest, parse_field(header, position).i)
        except ChainError:
            continue
    return highest

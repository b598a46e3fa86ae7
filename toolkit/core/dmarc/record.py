"""DMARC policy records: `_dmarc.<name>` TXT (DMARC-2, DMARC-3, DMARC-4, DMARC-17, DMARC-20).

Lenient by design: unknown tags are ignored and invalid values fall back to their defaults with a warning.
Only `v=DMARC1` as the exact first tag decides whether a TXT string is a DMARC record at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

POLICIES = ("none", "quarantine", "reject")


@dataclass(frozen=True, slots=True)
class DmarcRecord:
    raw: str
    tags: dict[str, str]  # every tag as written (names lowercased), unknown ones included
    p: str  # effective values after defaults and DMARC-4
    sp: str
    np: str
    adkim: str  # "r" | "s"
    aspf: str
    fo: str
    rua: tuple[str, ...]
    ruf: tuple[str, ...]
    t: bool  # 9989 testing flag
    psd: str  # "y" | "n" | "u"
    pct: int  # 7489 only
    usable: bool  # False: DMARC-4 "unusable record" (permerror [ours])
    acting_as_none: bool  # invalid p/sp/np but a valid rua: act as p=none (DMARC-4)
    warnings: tuple[str, ...] = ()
    name: str = ""  # where it was found (the domain, without `_dmarc.`)
    explicit_np: bool = False
    explicit_sp: bool = False

    def to_json(self) -> dict:
        return {
            "raw": self.raw,
            "found_at": self.name,
            "tags": dict(self.tags),
            "p": self.p,
            "sp": self.sp,
            "np": self.np,
            "adkim": self.adkim,
            "aspf": self.aspf,
            "t": "y" if self.t else "n",
            "psd": self.psd,
            "pct": self.pct,
            "rua": list(self.rua),
            "ruf": list(self.ruf),
            "usable": self.usable,
            "warnings": list(self.warnings),
        }


def is_dmarc_record(text: str) -> bool:
    """DMARC-2: the first tag is exactly `v=DMARC1` (case-sensitive; whitespace around `=` allowed)."""
    first = text.split(";", 1)[0]
    name, sep, value = first.partition("=")
    return bool(sep) and name.strip(" \t") == "v" and value.strip(" \t") == "DMARC1"


def parse_uri_list(value: str) -> tuple[tuple[str, ...], list[str]]:
    """rua/ruf (DMARC-20): comma-separated URIs; `!size` dropped (DMARC-17); only mailto: kept."""
    uris: list[str] = []
    notes: list[str] = []
    for item in value.split(","):
        uri = item.strip(" \t")
        if not uri:
            continue
        uri = uri.split("!", 1)[0]
        if not uri.lower().startswith("mailto:") or "@" not in uri[7:]:
            notes.append(f"ignored report URI {uri[:80]!r} (only mailto: is supported)")
            continue
        uris.append(uri)
    return tuple(uris), notes


@dataclass(slots=True)
class _Builder:
    tags: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def parse_record(text: str, mode: str = "rfc9989", name: str = "") -> DmarcRecord | None:
    """Parse one joined TXT string. None when it is not a DMARC record (DMARC-2)."""
    if not is_dmarc_record(text):
        return None
    b = _Builder()
    for part in text.split(";")[1:]:
        if not part.strip(" \t\r\n"):
            continue
        tag, sep, value = part.partition("=")
        tag = tag.strip(" \t\r\n").lower()
        if not sep or not tag:
            b.warnings.append(f"ignored malformed tag-spec {part.strip()[:40]!r}")
            continue
        if tag in b.tags:
            b.warnings.append(f"tag {tag!r} repeated; the first value is used")
            continue
        b.tags[tag] = value.strip(" \t\r\n")
    t9989 = mode == "rfc9989"

    def policy_tag(tag: str) -> str | None | bool:
        """The value, None if absent, False if invalid."""
        if tag not in b.tags:
            return None
        value = b.tags[tag].lower()
        if value in POLICIES:
            return value
        b.warnings.append(f"invalid {tag}={b.tags[tag][:20]!r}")
        return False

    p, sp = policy_tag("p"), policy_tag("sp")
    np = policy_tag("np") if t9989 else None
    rua, notes = parse_uri_list(b.tags.get("rua", ""))
    ruf, notes2 = parse_uri_list(b.tags.get("ruf", ""))
    b.warnings.extend(notes + notes2)
    invalid = p is False or sp is False or np is False
    if p is None and not t9989:
        b.warnings.append("no p= tag (required by RFC 7489)")
        invalid = True
    usable, acting_as_none = True, False
    if invalid:
        # DMARC-4: with a valid rua act as p=none; without one the record is unusable
        if rua:
            acting_as_none = True
            b.warnings.append("invalid policy: acting as p=none because rua is valid (DMARC-4)")
        else:
            usable = False
            b.warnings.append("unusable record: invalid policy and no valid rua (DMARC-4)")
    if acting_as_none or not usable:
        p_val = sp_val = np_val = "none"
    else:
        p_val = p if isinstance(p, str) else "none"  # DMARC-4: 9989 reads a missing p as none
        sp_val = sp if isinstance(sp, str) else p_val
        np_val = np if isinstance(np, str) else sp_val
    adkim = _flag(b, "adkim", ("r", "s"), "r")
    aspf = _flag(b, "aspf", ("r", "s"), "r")
    fo = b.tags.get("fo", "0")
    if any(opt.strip() not in ("0", "1", "d", "s") for opt in fo.split(":")):
        b.warnings.append(f"invalid fo={fo[:20]!r}; using 0")
        fo = "0"
    t = _flag(b, "t", ("y", "n"), "n") == "y" if t9989 else False
    psd = _flag(b, "psd", ("y", "n", "u"), "u") if t9989 else "u"
    pct = 100
    if t9989:
        for legacy in ("pct", "rf", "ri"):
            if legacy in b.tags:
                b.warnings.append(f"{legacy}= is not part of RFC 9989 and is ignored (DMARC-17)")
    else:
        raw_pct = b.tags.get("pct")
        if raw_pct is not None:
            if raw_pct.isascii() and raw_pct.isdigit() and 0 <= int(raw_pct) <= 100:  # not "²": int() refuses it
                pct = int(raw_pct)
            else:
                b.warnings.append(f"invalid pct={raw_pct[:20]!r}; using 100")
        for new in ("np", "t", "psd"):
            if new in b.tags:
                b.warnings.append(f"{new}= is RFC 9989 only and is ignored in rfc7489 mode")
    return DmarcRecord(
        raw=text,
        tags=dict(b.tags),
        p=p_val,
        sp=sp_val,
        np=np_val,
        adkim=adkim,
        aspf=aspf,
        fo=fo,
        rua=rua,
        ruf=ruf,
        t=t,
        psd=psd,
        pct=pct,
        usable=usable,
        acting_as_none=acting_as_none,
        warnings=tuple(b.warnings),
        name=name,
        explicit_np=isinstance(np, str),
        explicit_sp=isinstance(sp, str),
    )


def _flag(b: _Builder, tag: str, allowed: tuple[str, ...], default: str) -> str:
    if tag not in b.tags:
        return default
    value = b.tags[tag].lower()
    if value in allowed:
        return value
    b.warnings.append(f"invalid {tag}={b.tags[tag][:20]!r}; using {default}")
    return default

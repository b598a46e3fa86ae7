"""The whole verifier for one message: SPF (MAIL FROM + HELO), DKIM (every signature), DMARC, and our A-R field.

DMARC consumes the SPF and DKIM results computed here; nothing is run twice. Existing Authentication-Results
fields are never used as input; those carrying our authserv-id are reported as untrusted (AR-7).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from toolkit.core import arheader
from toolkit.core.dkim import DkimBudget, DkimResult
from toolkit.core.dkim import verify as dkim_verify
from toolkit.core.dmarc import DmarcResult, evaluate
from toolkit.core.dns import Resolver
from toolkit.core.message import Message, parse_message
from toolkit.core.spf import SpfResult, check_host, check_identities

ALL_CHECKS = ("spf", "dkim", "dmarc")
DEFAULT_AUTHSERV_ID = "emlauth.localhost"  # AR-2: set your host name; pipelines require it


@dataclass(frozen=True, slots=True)
class SmtpContext:
    """What the SMTP session said. mail_from "" is the null sender; None means unknown."""

    ip: str | None = None
    helo: str | None = None
    mail_from: str | None = None

    def to_json(self) -> dict:
        return {"ip": self.ip, "helo": self.helo, "mail_from": self.mail_from}


@dataclass(frozen=True, slots=True)
class VerifyOptions:
    authserv_id: str = DEFAULT_AUTHSERV_ID
    checks: tuple[str, ...] = ALL_CHECKS
    dmarc_mode: str = "rfc9989"
    max_signatures: int = 10
    strip_forged: bool = False
    count_testing: bool = False  # DKIM-18 [ours]: a testing-mode DKIM pass does not count for DMARC
    dmarc_sample: float | None = None  # 7489 pct sampling value (tests pin it)
    multiple_authors: bool = False  # DMARC-1 [ours] option
    clock: Callable[[], float] | None = (
        None  # SPF-14 and DKIM time budgets; shells pass time.monotonic (core reads none)
    )
    dkim_budget: DkimBudget = field(default_factory=DkimBudget)  # [ours] work and time one message may cost DKIM
    # DMARC-18: rfc7489's Organizational Domain from the Public Suffix List (data the shells load and pass in)
    psl_org_domain: Callable[[str], str] | None = None


@dataclass(frozen=True, slots=True)
class Report:
    message: Message
    context: SmtpContext
    spf: SpfResult | None  # the MAIL FROM identity
    spf_helo: SpfResult | None
    dkim: tuple[DkimResult, ...]  # one per signature; empty when DKIM was not run
    dmarc: DmarcResult | None
    authentication_results: str  # the whole field text, folded with CRLF+TAB
    ar_field: bytes  # the field as CRLF-terminated bytes, ready to prepend
    forged_ar: tuple[arheader.ExistingAR, ...]
    existing_ar: tuple[arheader.ExistingAR, ...]
    options: VerifyOptions = field(default_factory=VerifyOptions)
    notes: tuple[str, ...] = ()

    def output_message(self) -> bytes:
        """The message with our A-R prepended (AR-6); forged A-R removed when strip_forged is set (AR-7)."""
        body = self.message.raw
        if self.options.strip_forged and self.forged_ar:
            body = arheader.without_fields(self.message, [f.index for f in self.forged_ar])
        return self.ar_field + body

    def to_json(self) -> dict:
        return {
            "spf": self.spf.to_json() if self.spf is not None else None,
            "spf_helo": self.spf_helo.to_json() if self.spf_helo is not None else None,
            "dkim": [d.to_json() for d in self.dkim],
            "dmarc": self.dmarc.to_json() if self.dmarc is not None else None,
            "authentication_results": self.authentication_results,
            "forged_authentication_results": [f.to_json() for f in self.forged_ar],
            "existing_authentication_results": [f.to_json() for f in self.existing_ar],
            "context": self.context.to_json(),
            "checks": list(self.options.checks),
            "message": {
                "size": len(self.message.raw),
                "header_fields": len(self.message.headers),
                "line_endings": self.message.line_endings.describe(),
                "line_endings_normalised": self.message.line_endings.normalised,
                "defects": list(self.message.defects),
            },
            "notes": list(self.notes),
        }


def verify_message(
    raw: bytes | Message,
    context: SmtpContext,
    resolver: Resolver,
    now: int,
    options: VerifyOptions | None = None,
) -> Report:
    """Verify one message. Never raises for message or DNS problems; bad options raise ValueError."""
    options = options or VerifyOptions()
    unknown = set(options.checks) - set(ALL_CHECKS)
    if unknown:
        raise ValueError(f"unknown checks: {', '.join(sorted(unknown))}")
    message = raw if isinstance(raw, Message) else parse_message(raw)
    notes: list[str] = []
    spf = spf_helo = None
    if "spf" in options.checks:
        spf, spf_helo = _run_spf(context, resolver, now, notes, options.clock)
    dkim: tuple[DkimResult, ...] = ()
    if "dkim" in options.checks:
        dkim = dkim_verify(
            message,
            resolver,
            now,
            max_signatures=options.max_signatures,
            budget=options.dkim_budget,
            clock=options.clock,
        )
    dmarc = None
    if "dmarc" in options.checks:
        ran = [name for name, result in (("spf", spf), ("dkim", dkim)) if result]
        if len(ran) < 2:
            notes.append("DMARC used only the checks that ran: " + (", ".join(ran) or "none"))
        dmarc = evaluate(
            message,
            dkim,
            spf,
            resolver,
            mode=options.dmarc_mode,
            count_testing=options.count_testing,
            sample=options.dmarc_sample,
            multiple_authors=options.multiple_authors,
            psl_org_domain=options.psl_org_domain,
        )
    text = arheader.build_field(options.authserv_id, spf=spf, spf_helo=spf_helo, dkim=dkim, dmarc=dmarc)
    existing = arheader.existing_fields(message, options.authserv_id)
    forged = tuple(f for f in existing if f.ours)
    return Report(
        message=message,
        context=context,
        spf=spf,
        spf_helo=spf_helo,
        dkim=dkim,
        dmarc=dmarc,
        authentication_results=text,
        ar_field=arheader.field_bytes(text),
        forged_ar=forged,
        existing_ar=existing,
        options=options,
        notes=tuple(notes),
    )


def _run_spf(
    context: SmtpContext, resolver: Resolver, now: int, notes: list[str], clock: Callable[[], float] | None
) -> tuple[SpfResult | None, SpfResult | None]:
    """SPF-1/SPF-2: needs the client IP and a MAIL FROM or HELO; otherwise SPF is skipped (and said so)."""
    if not context.ip:
        notes.append("SPF skipped: no client IP (use --ip or --trust-received)")
        return None, None
    if context.mail_from is None:
        if not context.helo:
            notes.append("SPF skipped: neither MAIL FROM nor HELO is known")
            return None, None
        notes.append("MAIL FROM unknown: only the HELO identity was checked")
        helo = check_host(context.ip, context.helo, f"postmaster@{context.helo}", context.helo, resolver,
                          identity="helo", now=now, clock=clock)  # fmt: skip
        return None, helo
    return check_identities(context.ip, context.mail_from, context.helo or "", resolver, now=now, clock=clock)


# --- SMTP context from a trusted Received field ([ours], SPF-2) --------------------------------------------------

_FROM_CLAUSE = re.compile(r"^\s*from\s+(\S+)(.*?)(?:\sby\s|;|$)", re.IGNORECASE | re.DOTALL)
_BRACKET_IP = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]")
_HELO_EQ = re.compile(r"\bhelo=([^\s)\]]+)", re.IGNORECASE)
_ENVELOPE_FROM = re.compile(r"envelope-from\s*[=:]?\s*<([^>]*)>|envelope-from\s*[=:]?\s*([^\s;)<>]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ReceivedContext:
    context: SmtpContext
    sources: dict[str, str]  # what came from where, e.g. {"ip": "Received #1 [192.0.2.1]"}
    problem: str = ""  # why nothing could be taken, if so

    def to_json(self) -> dict:
        return {"context": self.context.to_json(), "sources": dict(self.sources), "problem": self.problem}


def context_from_received(message: Message, index: int) -> ReceivedContext:
    """SMTP facts from the index-th Received field (1 = topmost), which the caller trusts.

    ip: the first bracketed address in the `from` clause (`from HELO (rdns [IP])`, Exim's `from [IP] (helo=X)`).
    helo: the word after `from`, or Exim's `helo=` comment when the word is a bracketed IP.
    mail_from: `envelope-from <...>` in that field, else the topmost Return-Path field (`<>` = null sender).
    """
    received = message.get_all("received")
    if not 1 <= index <= len(received):
        return ReceivedContext(SmtpContext(), {}, f"the message has {len(received)} Received fields, not {index}")
    text = received[index - 1].unfolded()
    sources: dict[str, str] = {}
    ip = helo = mail_from = None
    clause = _FROM_CLAUSE.match(text)
    if clause:
        word, rest = clause.group(1), clause.group(2)
        found = _BRACKET_IP.search(rest) or _BRACKET_IP.search(word)
        if found and _is_ip(found.group(1)):
            ip = found.group(1)
            sources["ip"] = f"Received #{index} [{ip}]"
        helo_eq = _HELO_EQ.search(rest)
        if helo_eq:
            helo = helo_eq.group(1)
            sources["helo"] = f"Received #{index} helo={helo}"
        elif not word.startswith("["):
            helo = word
            sources["helo"] = f"Received #{index} from {helo}"
    env = _ENVELOPE_FROM.search(text)
    if env:
        mail_from = env.group(1) if env.group(1) is not None else env.group(2)
        sources["mail_from"] = f"Received #{index} envelope-from"
    else:
        return_path = message.get_first("return-path")
        if return_path is not None:
            value = return_path.unfolded().strip()
            mail_from = value[1:-1].strip() if value.startswith("<") and value.endswith(">") else value
            sources["mail_from"] = "Return-Path"
    problem = "" if clause else f"Received #{index} has no 'from' clause"
    return ReceivedContext(SmtpContext(ip, helo, mail_from), sources, problem)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True

"""Real DKIM peers as test oracles: OpenDKIM (`opendkim -t`), Mail::DKIM (perl) and dkimpy (in process).

Each peer signs and verifies over real DNS served by a local knot on 127.0.0.1 (see `PeerDns`):
- OpenDKIM: libunbound (OpenDKIM is built with USE_UNBOUND) with `ResolverConfiguration` pointing at an unbound
  config that forwards "." to knot (`forward-addr: 127.0.0.1@PORT`, `do-not-query-localhost: no`).
- Mail::DKIM: `Mail::DKIM::DNS::resolver` set to a Net::DNS::Resolver with `nameservers`/`port` = knot.
- dkimpy: a `dnsfunc` that asks knot with dnspython (absolute names, no search list).

Results are normalized to RFC 8601 words (`PeerResult.verdict`, one per signature; "none" once for an unsigned
message): OpenDKIM's come from the Authentication-Results field it adds ("message not signed" -> none);
Mail::DKIM's "invalid" becomes "permerror"; dkimpy says True/False ("pass"/"fail", logged reason as detail) or
raises, which becomes "permerror" (MessageFormatError, KeyFormatError) or "fail" (body hash mismatch).

    peer = OpenDkimPeer(workdir, PeerDns(knot.host, knot.port))   # or MailDkimPeer(...), DkimpyPeer(...)
    signed = peer.sign(message, signing_key, "example.com", "sel", canon="relaxed/relaxed")
    [result] = peer.verify(signed)            # verify_many(messages) runs one process for many messages

A missing peer is an error, never a skip (`require_peers()`): CI installs them.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import dkim
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

PERL_DIR = Path(__file__).resolve().parents[1] / "interop" / "perl"
OPENDKIM = "opendkim"
PERL = "perl"
_TIMEOUT = 60


class PeerMissing(RuntimeError):
    """A peer program or module is not installed: the interop suite fails (it is never skipped)."""


@dataclass(frozen=True, slots=True)
class PeerDns:
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class PeerResult:
    """One signature's outcome as a peer saw it, in RFC 8601 words."""

    peer: str
    verdict: str  # pass | fail | permerror | temperror | neutral | none
    detail: str = ""
    domain: str = ""
    selector: str = ""
    algorithm: str = ""


class KeyLike(Protocol):
    """What a peer needs of a signing key (toolkit.core.dkim.keys.SigningKey fits)."""

    key_type: str

    def private_pem(self) -> bytes: ...

    def dkimpy_private_key(self) -> bytes: ...


def default_algorithm(key: KeyLike) -> str:
    return "ed25519-sha256" if key.key_type == "ed25519" else "rsa-sha256"


def require_peers() -> None:
    """Raise PeerMissing naming what is absent (opendkim, perl, Mail::DKIM, Net::DNS, JSON::PP)."""
    missing = [prog for prog in (OPENDKIM, PERL) if shutil.which(prog) is None]
    if shutil.which(PERL):
        for module in ("Mail::DKIM::Verifier", "Mail::DKIM::Signer", "Net::DNS::Resolver", "JSON::PP"):
            probe = subprocess.run([PERL, f"-M{module}", "-e", "1"], capture_output=True, timeout=_TIMEOUT)
            if probe.returncode != 0:
                missing.append(f"perl module {module}")
    if missing:
        raise PeerMissing(
            "interop peers missing: " + ", ".join(missing) + " (apt-get install opendkim libmail-dkim-perl)"
        )


def _write_private(path: Path, data: bytes) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


def _prepend(field_text: str, message: bytes) -> bytes:
    """Put a signature field (folded with LF or CRLF) on top of a CRLF message."""
    field_bytes = field_text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    return field_bytes + b"\r\n" + message


# ---------------------------------------------------------------------------------------------------------
# OpenDKIM
# ---------------------------------------------------------------------------------------------------------

_INSHEADER = re.compile(r"^### INSHEADER: idx=\d+ hname='([^']*)' hvalue='(.*?)'$", re.MULTILINE | re.DOTALL)
_SETREPLY = re.compile(r"^### SETREPLY: rcode='(\d+)'", re.MULTILINE)


def split_ar(value: str) -> list[str]:
    """Split an Authentication-Results value at `;` outside quotes and comments."""
    parts, current, depth, quoted, escaped = [], [], 0, False, False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == '"':
            quoted = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == ";" and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def parse_opendkim_ar(value: str, peer: str = "opendkim") -> list[PeerResult]:
    results = []
    for part in split_ar(value)[1:]:  # the first part is the authserv-id
        text = " ".join(part.split())
        match = re.match(r"dkim=(\w+)", text)
        if not match:
            continue
        reason = re.search(r'reason="([^"]*)"', text)
        comment = re.search(r"\(([^)]*)\)", text)
        props = dict(re.findall(r"header\.(\w)=(\S+)", text))
        results.append(
            PeerResult(
                peer=peer,
                verdict=match.group(1).lower(),
                detail=(reason.group(1) if reason else "") or (comment.group(1) if comment else ""),
                domain=props.get("d", "").lower(),
                selector=props.get("s", ""),
                algorithm=props.get("a", ""),
            )
        )
    return results


class OpenDkimPeer:
    """`opendkim -t` (the milter's test mode): verify and sign files, one process per call."""

    name = "opendkim"
    algorithms = ("rsa-sha256", "ed25519-sha256")

    def __init__(self, workdir: Path, dns_server: PeerDns, authserv_id: str = "peer.example") -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.authserv_id = authserv_id
        self.unbound_conf = self.workdir / "unbound.conf"
        self.unbound_conf.write_text(
            "server:\n"
            "    do-not-query-localhost: no\n"
            '    module-config: "iterator"\n'
            "forward-zone:\n"
            '    name: "."\n'
            f"    forward-addr: {dns_server.host}@{dns_server.port}\n"
        )
        self.verify_conf = self.workdir / "verify.conf"
        self.verify_conf.write_text(
            "Mode v\n"
            "Syslog no\n"
            "AlwaysAddARHeader yes\n"
            f"AuthservID {authserv_id}\n"
            f"ResolverConfiguration {self.unbound_conf}\n"
        )
        self._counter = 0

    def _tempdir(self) -> Path:
        self._counter += 1
        return Path(tempfile.mkdtemp(prefix=f"odk{self._counter:05d}-", dir=self.workdir))

    def _run(self, conf: Path, files: Sequence[Path]) -> str:
        proc = subprocess.run(
            [OPENDKIM, "-x", str(conf), "-vv", "-t", ",".join(str(f) for f in files)],
            capture_output=True,
            timeout=_TIMEOUT,
        )
        out = proc.stdout.decode("utf-8", "replace")
        if proc.returncode != 0:
            raise RuntimeError(f"opendkim exited {proc.returncode}: {proc.stderr.decode('utf-8', 'replace')}")
        return out

    def verify_many(self, messages: Sequence[bytes]) -> list[list[PeerResult]]:
        """Verify all messages in one opendkim run; one list of per-signature results per message."""
        tmp = self._tempdir()
        files = []
        for index, message in enumerate(messages):
            path = tmp / f"m{index:04d}.eml"
            path.write_bytes(message)
            files.append(path)
        out = self._run(self.verify_conf, files)
        # Each file's output ends with its status line "opendkim: <path>: ..."; cut the stream there.
        results: list[list[PeerResult]] = []
        start = 0
        for path in files:
            marker = re.compile(rf"^opendkim: {re.escape(str(path))}: .*$", re.MULTILINE)
            found = list(marker.finditer(out, start))
            if not found:
                raise RuntimeError(f"opendkim printed nothing for {path}:\n{out[start:]}")
            segment = out[start : found[-1].end()]
            status = found[-1].group(0)
            start = found[-1].end()
            results.append(self._segment_results(segment, status))
        return results

    def verify(self, message: bytes) -> list[PeerResult]:
        return self.verify_many([message])[0]

    def _segment_results(self, segment: str, status: str) -> list[PeerResult]:
        ar = [value for name, value in _INSHEADER.findall(segment) if name.lower() == "authentication-results"]
        if ar:
            return parse_opendkim_ar(ar[-1], self.name)
        if status.endswith("message not signed"):
            return [PeerResult(self.name, "none", status)]
        reply = _SETREPLY.search(segment)
        if reply and reply.group(1).startswith("4"):
            return [PeerResult(self.name, "temperror", status)]
        return [PeerResult(self.name, "permerror", status)]

    def sign(
        self,
        message: bytes,
        key: KeyLike,
        domain: str,
        selector: str,
        canon: str = "relaxed/relaxed",
        algorithm: str | None = None,
        oversign: Sequence[str] = (),
    ) -> bytes:
        """Return the CRLF message with OpenDKIM's DKIM-Signature prepended (as a milter would insert it)."""
        tmp = self._tempdir()
        keyfile = _write_private(tmp / "key.pem", key.private_pem())
        conf = tmp / "sign.conf"
        lines = [
            "Mode s",
            "Syslog no",
            "RequireSafeKeys no",
            f"Domain {domain}",
            f"Selector {selector}",
            f"KeyFile {keyfile}",
            f"SignatureAlgorithm {algorithm or default_algorithm(key)}",
            f"Canonicalization {canon}",
        ]
        if oversign:
            lines.append("OversignHeaders " + ",".join(oversign))
        conf.write_text("\n".join(lines) + "\n")
        msgfile = tmp / "message.eml"
        msgfile.write_bytes(message)
        out = self._run(conf, [msgfile])
        fields = [value for name, value in _INSHEADER.findall(out) if name.lower() == "dkim-signature"]
        if len(fields) != 1:
            raise RuntimeError(f"opendkim did not sign:\n{out}")
        return _prepend("DKIM-Signature: " + fields[0], message)

    def sign_many(self, messages: Sequence[bytes], key: KeyLike, domain: str, selector: str, **options) -> list[bytes]:
        return [self.sign(m, key, domain, selector, **options) for m in messages]


# ---------------------------------------------------------------------------------------------------------
# Mail::DKIM
# ---------------------------------------------------------------------------------------------------------

_MAIL_DKIM_WORDS = {"invalid": "permerror"}


def mail_dkim_has_ed25519() -> bool:
    """Mail::DKIM gained ed25519-sha256 after 1.20230212 (Debian 12's version); probe the algorithm module."""
    probe = subprocess.run(
        [PERL, "-MMail::DKIM::Algorithm::ed25519_sha256", "-e", "1"], capture_output=True, timeout=_TIMEOUT
    )
    return probe.returncode == 0


class MailDkimPeer:
    """Mail::DKIM::Verifier / Mail::DKIM::Signer via tests/interop/perl/*.pl, many messages per perl run."""

    name = "mail-dkim"

    def __init__(self, workdir: Path, dns_server: PeerDns) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.dns = dns_server
        self.algorithms = ("rsa-sha256", "ed25519-sha256") if mail_dkim_has_ed25519() else ("rsa-sha256",)
        self._counter = 0

    def _files(self, messages: Sequence[bytes]) -> tuple[Path, list[Path]]:
        self._counter += 1
        tmp = Path(tempfile.mkdtemp(prefix=f"mdk{self._counter:05d}-", dir=self.workdir))
        files = []
        for index, message in enumerate(messages):
            path = tmp / f"m{index:04d}.eml"
            path.write_bytes(message)
            files.append(path)
        return tmp, files

    def _perl(self, script: str, args: Sequence[str]) -> list:
        proc = subprocess.run([PERL, str(PERL_DIR / script), *args], capture_output=True, timeout=_TIMEOUT)
        if proc.returncode != 0:
            raise RuntimeError(f"{script} exited {proc.returncode}: {proc.stderr.decode('utf-8', 'replace')}")
        return json.loads(proc.stdout)

    def verify_many(self, messages: Sequence[bytes]) -> list[list[PeerResult]]:
        _, files = self._files(messages)
        data = self._perl("dkim_verify.pl", [self.dns.host, str(self.dns.port), *map(str, files)])
        results = []
        for entry in data:
            if not entry["signatures"]:
                results.append([PeerResult(self.name, entry["result"] or "none", entry["detail"])])
                continue
            results.append(
                [
                    PeerResult(
                        peer=self.name,
                        verdict=_MAIL_DKIM_WORDS.get(sig["result"], sig["result"]),
                        detail=sig["detail"],
                        domain=sig["domain"].lower(),
                        selector=sig["selector"],
                        algorithm=sig["algorithm"],
                    )
                    for sig in entry["signatures"]
                ]
            )
        return results

    def verify(self, message: bytes) -> list[PeerResult]:
        return self.verify_many([message])[0]

    def sign_many(
        self,
        messages: Sequence[bytes],
        key: KeyLike,
        domain: str,
        selector: str,
        canon: str = "relaxed/relaxed",
        algorithm: str | None = None,
        headers: Sequence[str] | None = None,
    ) -> list[bytes]:
        tmp, files = self._files(messages)
        keyfile = _write_private(tmp / "key.pem", key.private_pem())
        header_arg = ":".join(headers) if headers else "-"
        args = [str(keyfile), domain, selector, algorithm or default_algorithm(key), canon, header_arg]
        fields = self._perl("dkim_sign.pl", [*args, *map(str, files)])
        return [_prepend(field, message) for field, message in zip(fields, messages, strict=True)]

    def sign(self, message: bytes, key: KeyLike, domain: str, selector: str, **options) -> bytes:
        return self.sign_many([message], key, domain, selector, **options)[0]


# ---------------------------------------------------------------------------------------------------------
# dkimpy
# ---------------------------------------------------------------------------------------------------------


def knot_dnsfunc(dns_server: PeerDns):
    """A dkimpy `dnsfunc` asking the local server: the first TXT record's strings joined, b"" if none."""

    def dnsfunc(name: bytes | str, timeout: float = 5) -> bytes:
        qname = name.decode("ascii") if isinstance(name, bytes) else name
        if not qname.endswith("."):
            qname += "."  # absolute: no search list (DKIM-14)
        query = dns.message.make_query(qname, dns.rdatatype.TXT)
        response = dns.query.udp(query, dns_server.host, port=dns_server.port, timeout=timeout)
        if response.flags & dns.flags.TC:
            response = dns.query.tcp(query, dns_server.host, port=dns_server.port, timeout=timeout)
        if response.rcode() != dns.rcode.NOERROR:
            return b""
        for rrset in response.answer:
            if rrset.rdtype == dns.rdatatype.TXT:
                for rdata in rrset:
                    return b"".join(rdata.strings)
        return b""

    return dnsfunc


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def count_signatures(message: bytes) -> int:
    head = message.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in message else message.split(b"\n\n", 1)[0]
    return len(re.findall(rb"(?im)^dkim-signature[ \t]*:", head))


class DkimpyPeer:
    """dkimpy in process, keys from knot through `dnsfunc`."""

    name = "dkimpy"
    algorithms = ("rsa-sha256", "ed25519-sha256")

    def __init__(self, dns_server: PeerDns) -> None:
        self.dnsfunc = knot_dnsfunc(dns_server)

    def verify(self, message: bytes) -> list[PeerResult]:
        count = count_signatures(message)
        if count == 0:
            return [PeerResult(self.name, "none")]
        results = []
        for index in range(count):
            handler = _ListHandler()
            logger = logging.getLogger(f"peers.dkimpy.{id(handler)}")
            logger.propagate = False
            logger.addHandler(handler)
            try:
                verifier = dkim.DKIM(message, logger=logger)
                ok = verifier.verify(idx=index, dnsfunc=self.dnsfunc)
            except dkim.DKIMException as exc:  # dkimpy raises instead of returning False for some outcomes
                # a body hash mismatch is a fail (RFC 8601); the rest (MessageFormatError, KeyFormatError, ...)
                # are refusals to evaluate the signature
                word = "fail" if "body hash mismatch" in str(exc) else "permerror"
                results.append(PeerResult(self.name, word, f"{type(exc).__name__}: {exc}"))
                continue
            finally:
                logger.removeHandler(handler)
            detail = "; ".join(handler.messages[-2:])
            domain = (verifier.domain or b"").decode("ascii", "replace").lower()
            selector = (verifier.selector or b"").decode("ascii", "replace")
            algorithm = ((verifier.signature_fields or {}).get(b"a") or b"").decode("ascii", "replace")
            results.append(PeerResult(self.name, "pass" if ok else "fail", detail, domain, selector, algorithm))
        return results

    def verify_many(self, messages: Sequence[bytes]) -> list[list[PeerResult]]:
        return [self.verify(m) for m in messages]

    def sign(
        self,
        message: bytes,
        key: KeyLike,
        domain: str,
        selector: str,
        canon: str = "relaxed/relaxed",
        algorithm: str | None = None,
        headers: Sequence[str] | None = None,
    ) -> bytes:
        header_canon, _, body_canon = canon.partition("/")
        field = dkim.sign(
            message,
            selector.encode("ascii"),
            domain.encode("ascii"),
            key.dkimpy_private_key(),
            canonicalize=(header_canon.encode(), (body_canon or "simple").encode()),
            signature_algorithm=(algorithm or default_algorithm(key)).encode("ascii"),
            include_headers=[h.encode("ascii") for h in headers] if headers else None,
        )
        return field + message

    def sign_many(self, messages: Sequence[bytes], key: KeyLike, domain: str, selector: str, **options) -> list[bytes]:
        return [self.sign(m, key, domain, selector, **options) for m in messages]

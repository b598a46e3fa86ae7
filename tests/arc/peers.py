"""ARC peers over a local knot: Mail::DKIM's ARC Verifier/Signer (perl) and dkimpy's arc_verify/arc_sign.

Both peers' sealers copy the message's Authentication-Results for their authserv-id into the AAR and take cv from
its `arc=` result, so a hop here is: verify with that peer, add `Authentication-Results: <id>; arc=<result>`,
seal, and keep the A-R field in the message (as a real hop would).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import dkim
from support.peers import PeerDns, knot_dnsfunc

PERL_DIR = Path(__file__).resolve().parent / "perl"
NOW = 1_772_442_000


class MailDkimArc:
    name = "mail-dkim"

    def __init__(self, workdir: Path, dns_server: PeerDns) -> None:
        self.workdir = workdir
        self.dns = dns_server
        workdir.mkdir(parents=True, exist_ok=True)

    def _file(self, data: bytes) -> Path:
        with tempfile.NamedTemporaryFile(dir=self.workdir, suffix=".eml", delete=False) as handle:
            handle.write(data)
        return Path(handle.name)

    def verify_many(self, messages: list[bytes]) -> list[tuple[str, str]]:
        files = [str(self._file(m)) for m in messages]
        script = [str(PERL_DIR / "arc_verify.pl"), self.dns.host, str(self.dns.port), *files]
        out = subprocess.run(["perl", *script], capture_output=True, check=True, timeout=120).stdout
        return [(r["result"], r["detail"]) for r in json.loads(out)]

    def verify(self, message: bytes) -> tuple[str, str]:
        return self.verify_many([message])[0]

    def seal(self, message: bytes, domain: str, key_file: Path, cv: str) -> bytes:
        with_ar = f"Authentication-Results: mx.{domain}; arc={cv}\r\n".encode() + message
        args = [str(key_file), domain, "arc", f"mx.{domain}", str(NOW), str(self._file(with_ar))]
        out = subprocess.run(["perl", str(PERL_DIR / "arc_sign.pl"), *args], capture_output=True, timeout=60)
        if out.returncode:
            raise AssertionError(out.stderr.decode())
        fields = out.stdout.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        return fields + (b"" if fields.endswith(b"\r\n") else b"\r\n") + with_ar


class DkimpyArc:
    name = "dkimpy"

    def __init__(self, dns_server: PeerDns) -> None:
        self.dnsfunc = knot_dnsfunc(dns_server)

    def verify(self, message: bytes) -> tuple[str, str]:
        cv, _results, comment = dkim.arc_verify(message, dnsfunc=self.dnsfunc)
        return cv.decode(), comment

    def seal(self, message: bytes, domain: str, private_key: bytes, cv: str, algorithm: str = "rsa-sha256") -> bytes:
        with_ar = f"Authentication-Results: mx.{domain}; arc={cv}\r\n".encode() + message
        fields = dkim.arc_sign(
            with_ar,
            b"arc",
            domain.encode(),
            private_key,
            f"mx.{domain}".encode(),
            signature_algorithm=algorithm.encode(),
            timestamp=str(NOW),
        )
        return b"".join(fields) + with_ar

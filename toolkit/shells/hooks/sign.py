"""SignHandler: DKIM signatures for mail from internal hosts whose From domain is in the signing table."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from typing import Any

from toolkit.shells.hooks.api import Action, Envelope, Handler, Session, insert_header, run_cpu, split_field
from toolkit.shells.peers import address_in

DEFAULT_INTERNAL_HOSTS = ("127.0.0.0/8", "::1/128")


class SignHandler(Handler):
    """Adds DKIM-Signature fields (index 0, DKIM-32) to mail whose From domain is in the signing table and whose
    client is one of ours (`internal_hosts`, like OpenDKIM's InternalHosts: by default only loopback, so a remote
    sender forging our From domain is never signed; an unknown client address means local submission).

    Keys are loaded and signers checked once, at construction (a bad key file is a caller error at start-up).
    """

    wants = frozenset({"connect", "header", "body"})

    def __init__(
        self,
        table: Any,
        *,
        clock: Callable[[], float] | None = None,
        key_loader: Callable[[str], Any] | None = None,
        internal_hosts: Sequence[str] | None = DEFAULT_INTERNAL_HOSTS,
    ) -> None:
        import time

        from toolkit.core.dkim import SignerConfig, prepare

        self.table = table  # toolkit.core.dkim.signtable.SigningTable
        self.internal = (
            None if internal_hosts is None else [ipaddress.ip_network(n, strict=False) for n in internal_hosts]
        )
        self.clock = clock or time.time
        load = key_loader or load_key_file
        keys: dict[str, Any] = {}
        self.prepared: dict[Any, Any] = {}
        for entry in table.entries:
            if entry.key_path not in keys:
                keys[entry.key_path] = load(entry.key_path)
            config = SignerConfig(
                domain=entry.domain,
                selector=entry.selector,
                key=keys[entry.key_path],
                algorithm=entry.algorithm,
                canon=entry.canon or "relaxed/relaxed",
                expire_after=entry.expire,
                identity=entry.identity,
            )
            self.prepared[entry] = prepare(config)

    def signature_fields(self, raw: bytes) -> list[bytes]:
        """The new DKIM-Signature fields (CRLF-terminated), or [] when the From domain is not ours."""
        from toolkit.core.dkim import sign_prepared
        from toolkit.core.dmarc.address import author_domains
        from toolkit.core.message import parse_message

        parsed = parse_message(raw)
        authors = author_domains(parsed)
        if not authors.domains:
            return []
        signers = [self.prepared[e] for e in self.table.lookup(authors.domain)]
        if not signers:
            return []
        signed = sign_prepared(parsed, signers, int(self.clock()))
        new = signed[: len(signed) - len(parsed.raw)]
        return [h.raw if h.raw.endswith(b"\r\n") else h.raw + b"\r\n" for h in parse_message(new + b"\r\n").headers]

    def is_internal(self, ip: str | None) -> bool:
        """On the final client address (after PROXY and XCLIENT, see smtp.py); none known = local submission."""
        if self.internal is None or ip is None:
            return True
        return address_in(ip, self.internal)

    async def end_of_message(self, session: Session, envelope: Envelope) -> list[Action]:
        if not self.is_internal(session.client_ip):
            return []
        raw = envelope.raw_message()
        fields = await run_cpu(len(raw), self.signature_fields, raw)
        # DKIM-32: on top, in the order the signer produced them.
        return [insert_header(i, *split_field(f)) for i, f in enumerate(fields)]


def load_key_file(path: str) -> Any:
    from toolkit.core.dkim.keys import load_private_key
    from toolkit.shells.common import read_key_file

    return load_private_key(read_key_file(path), source=path)  # at most 1 MiB (issue 15)

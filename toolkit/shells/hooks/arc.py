"""ArcSealHandler: after verifying, add one ARC set (RFC 8617 §5.1; STANDARDS ARC-4), as `sign-eml --arc-seal` does.

It runs after a VerifyHandler in the same chain and reads the Report that handler left in `Envelope.report`: the
message is never verified twice. The AAR records those verdicts (arc first, then spf, dkim, dmarc); the cv= comes
from the chain as verified. Without a report there is nothing to vouch for, and no set is added; a chain that
already says cv=fail, or holds 50 sets, passes on unsealed. Either way the message is never held up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from toolkit.shells.hooks.api import Action, Envelope, Handler, Session, insert_header, run_cpu, split_field

log = logging.getLogger("emlauth.arc")


class ArcSealHandler(Handler):
    wants = frozenset({"connect", "header", "body"})

    def __init__(self, config: Any, *, clock: Callable[[], float] | None = None) -> None:
        import time

        self.config = config  # toolkit.core.arc.seal.SealConfig, checked when the first message is sealed
        self.clock = clock or time.time

    def seal_fields(self, report: Any, client_ip: str | None) -> list[bytes]:
        """The new AS, AMS and AAR (CRLF-terminated), top to bottom; [] when no set may be added."""
        from toolkit.core import arheader
        from toolkit.core.arc.seal import SealRefused, seal

        if report is None or report.arc is None:
            return []  # no verification (or ARC not among its checks): nothing to vouch for
        found = [report.arc.ar_entry(client_ip)]
        found += arheader.entries(spf=report.spf, spf_helo=report.spf_helo, dkim=report.dkim, dmarc=report.dmarc)
        results = "; ".join(arheader.format_entry(entry) for entry in found)
        try:
            sealed = seal(report.message, self.config, results, report.arc, int(self.clock()))
        except SealRefused as exc:
            log.info("%s", exc)
            return []
        return list(sealed.fields)

    async def end_of_message(self, session: Session, envelope: Envelope) -> list[Action]:
        size = envelope.size()
        fields = await run_cpu(size, self.seal_fields, envelope.report, session.client_ip)
        return [insert_header(i, *split_field(f)) for i, f in enumerate(fields)]

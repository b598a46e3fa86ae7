"""Milter-style hook API shared by the milter (milter.py) and the embedded SMTP pipeline (smtp.py).

A `Handler` implements any of the stage hooks below; a hook left at the `NOT_SET` sentinel is a stage the handler
does not need, which lets the milter tell the MTA to skip it (SMFIP_NO* flags). `wants` names stages whose data a
handler needs without hooking them (VerifyHandler reads the connect/HELO/MAIL data at end of message).

    connect(session)                       helo(session)
    mail_from(session, envelope)           rcpt(session, envelope, address)
    header(session, envelope, name, raw)   end_of_headers(session, envelope)
    body(session, envelope, chunk)         end_of_message(session, envelope)
    abort(session, envelope)               close(session)

Hooks may be plain functions or coroutines and return None (continue), one `Action` or a sequence of them.
Modifications (headers, body, quarantine) are collected; the first verdict (accept, reject, tempfail, discard)
ends the stage. State lives in `Session` (per connection) and `Envelope` (per transaction), never in handlers,
so one handler serves every connection. CPU work (verify, sign) runs off the event loop in an executor.

The API lives in api.py; the ready-made handlers in verify.py, sign.py, arc.py and chain.py.
"""

from toolkit.shells.hooks.api import (
    ACCEPT,
    CONTINUE,
    DISCARD,
    NOT_SET,
    STAGES,
    VERDICTS,
    Action,
    Envelope,
    Handler,
    Kind,
    Session,
    accept,
    add_header,
    apply_modifications,
    call_hook,
    change_header,
    decide,
    discard,
    insert_header,
    normalise,
    quarantine,
    reject,
    replace_body,
    run_blocking,
    split_field,
    tempfail,
)
from toolkit.shells.hooks.arc import ArcSealHandler
from toolkit.shells.hooks.chain import ChainHandler
from toolkit.shells.hooks.sign import DEFAULT_INTERNAL_HOSTS, SignHandler, load_key_file
from toolkit.shells.hooks.verify import DmarcAction, VerifyHandler, forged_deletions

__all__ = [
    "ArcSealHandler",
    "ACCEPT",
    "CONTINUE",
    "DISCARD",
    "NOT_SET",
    "STAGES",
    "VERDICTS",
    "Action",
    "ChainHandler",
    "DEFAULT_INTERNAL_HOSTS",
    "DmarcAction",
    "Envelope",
    "Handler",
    "Kind",
    "Session",
    "SignHandler",
    "VerifyHandler",
    "accept",
    "add_header",
    "apply_modifications",
    "call_hook",
    "change_header",
    "decide",
    "discard",
    "forged_deletions",
    "insert_header",
    "load_key_file",
    "normalise",
    "quarantine",
    "reject",
    "replace_body",
    "run_blocking",
    "split_field",
    "tempfail",
]

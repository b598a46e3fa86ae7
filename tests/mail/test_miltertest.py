"""Our milter driven by an independent client: Debian's `miltertest` (OpenDKIM's Lua-scripted milter tester).

The other milter tests drive the server with tests/support/milter_client.py, which shares the codec
(toolkit/shells/milter_protocol.py) with the server: a wrong command byte or field layout in the codec would pass
them all. miltertest is libmilter's side of the wire, written by other people: negotiation, macros, headers, body
chunks and end-of-message modifications all go through its own encoder and decoder.

Each test writes a Lua script, runs `miltertest -s script`, and reads back what the script printed (mt.echo) and
its exit status; the script calls error() when miltertest itself sees something wrong.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from support.mailworld import AUTHSERV_ID, SENDER_IP, STRANGER_IP, make_message

from toolkit.core.message import parse_message
from toolkit.shells.hooks import DmarcAction, VerifyHandler
from toolkit.shells.milter import BackgroundMilter

pytestmark = pytest.mark.peers
MILTERTEST = shutil.which("miltertest") or "/usr/bin/miltertest"


def lua(text: str | bytes) -> str:
    """A Lua string literal holding exactly these bytes (decimal escapes for anything not plain printable ASCII)."""
    data = text.encode() if isinstance(text, str) else text
    return '"' + "".join(chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\{b:03d}" for b in data) + '"'


def transaction_script(port: int, raw: bytes, ip: str, mail_from: str) -> str:
    """One SMTP transaction as libmilter's MTA side sends it: header values folded with LF (and without the
    space after the colon unless SMFIP_HDR_LEADSPC was agreed), then the body in one chunk."""
    message = parse_message(raw)
    steps = [
        # miltertest's functions return nil or an error string; say which step failed before stopping
        "local function check(r, what) if r ~= nil then mt.echo('ERROR=' .. what .. ': ' .. r); error(what) end end",
        f'local conn = mt.connect("inet:{port}@127.0.0.1", 20, 0.1)',
        'if conn == nil then error("mt.connect() failed") end',
        "check(mt.negotiate(conn, nil, nil, nil), 'negotiate failed')",
        "mt.echo('ADDHDRS=' .. tostring(mt.test_action(conn, SMFIF_ADDHDRS)))",
        "mt.echo('CHGHDRS=' .. tostring(mt.test_action(conn, SMFIF_CHGHDRS)))",
        "mt.echo('QUARANTINE=' .. tostring(mt.test_action(conn, SMFIF_QUARANTINE)))",
        f"check(mt.conninfo(conn, 'mail.example.org', {lua(ip)}), 'conninfo failed')",
        "if mt.getreply(conn) ~= SMFIR_CONTINUE then error('conninfo: not continue') end",
        "check(mt.helo(conn, 'mail.example.org'), 'helo failed')",
        "mt.macro(conn, SMFIC_MAIL, 'i', 'QUEUE42')",
        f"check(mt.mailfrom(conn, {lua('<' + mail_from + '>')}), 'mailfrom failed')",
        # the stages our milter declined at negotiation: miltertest refuses to send them (its own reading)
        "mt.echo('NORCPT=' .. tostring(mt.test_option(conn, SMFIP_NORCPT)))",
        "mt.echo('NOEOH=' .. tostring(mt.test_option(conn, SMFIP_NOEOH)))",
        # with SMFIP_HDR_LEADSPC agreed, header values keep the space after the colon (and our insertions carry it)
        "local sp = mt.test_option(conn, SMFIP_HDR_LEADSPC) and ' ' or ''",
        "mt.echo('LEADSPC=' .. tostring(sp == ' '))",
        "if not mt.test_option(conn, SMFIP_NORCPT) then check(mt.rcptto(conn, '<bob@example.net>'), 'rcptto') end",
    ]
    for field in message.headers:
        colon = field.raw.find(b":")
        value = field.raw[colon + 1 :].removesuffix(b"\r\n").replace(b"\r\n", b"\n").lstrip(b" \t")
        steps.append(f"check(mt.header(conn, {lua(field.raw[:colon])}, sp .. {lua(value)}), 'header')")
    steps += [
        "if not mt.test_option(conn, SMFIP_NOEOH) then check(mt.eoh(conn), 'eoh') end",
        f"check(mt.bodystring(conn, {lua(bytes(message.body))}), 'body failed')",
        "check(mt.eom(conn), 'eom failed')",
        "mt.echo('REPLY=' .. string.char(mt.getreply(conn)))",
        "mt.echo('AR_INSERTED=' .. tostring(mt.eom_check(conn, MT_HDRINSERT, 'Authentication-Results')))",
        "mt.echo('AR_CHANGED=' .. tostring(mt.eom_check(conn, MT_HDRCHANGE, 'Authentication-Results')))",
        "mt.echo('QUARANTINED=' .. tostring(mt.eom_check(conn, MT_QUARANTINE)))",
        "local ar = mt.getheader(conn, 'Authentication-Results', 0)",
        "mt.echo('AR=' .. (ar and (string.gsub(ar, '%s+', ' ')) or 'nil'))",
        "mt.disconnect(conn)",
    ]
    return "\n".join(steps) + "\n"


def run_miltertest(script: str, tmp_path: Path) -> dict[str, str]:
    if not Path(MILTERTEST).exists():
        pytest.fail("miltertest not found: install the Debian package 'miltertest' (scripts/setup.sh does)")
    path = tmp_path / "test.lua"
    path.write_text(script)
    done = subprocess.run([MILTERTEST, "-s", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "ERROR=" not in done.stdout, done.stdout + done.stderr
    echoed = {}
    for line in done.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.isupper():
            echoed.setdefault(key, value)
    return echoed


def test_miltertest_sees_our_ar_field_and_the_forged_one_removed(world, tmp_path):
    """A signed message from an SPF-allowed sender: miltertest's own decoder sees SMFIR_ACCEPT/CONTINUE at EOM,
    our A-R inserted (dkim, spf and dmarc pass) and the forged A-R with our authserv-id changed away (AR-7)."""
    forged = f"Authentication-Results: {AUTHSERV_ID}; dmarc=pass header.from=example.org"
    raw = world.sign_as_sender(make_message(extra_headers=(forged,), subject="Folded\r\n subject"))
    with BackgroundMilter(VerifyHandler(world.resolver(), AUTHSERV_ID)) as milter:
        seen = run_miltertest(transaction_script(milter.port, raw, SENDER_IP, "alice@example.org"), tmp_path)
    assert (seen["ADDHDRS"], seen["CHGHDRS"], seen["QUARANTINE"]) == ("true", "true", "true")
    assert (seen["NORCPT"], seen["NOEOH"]) == ("true", "true")  # VerifyHandler needs neither stage
    assert seen["REPLY"] in ("a", "c")  # SMFIR_ACCEPT or SMFIR_CONTINUE
    assert (seen["AR_INSERTED"], seen["AR_CHANGED"], seen["QUARANTINED"]) == ("true", "true", "false")
    ar = seen["AR"]
    assert seen["LEADSPC"] == "true" and ar.startswith(f" {AUTHSERV_ID};")  # the space, as agreed
    assert "dkim=pass header.d=example.org" in ar and "spf=pass smtp.mailfrom=example.org" in ar
    assert "dmarc=pass" in ar


def test_miltertest_sees_the_quarantine_request(world, tmp_path):
    """DMARC fail under p=quarantine (example.com), with the handler asked to act on it: miltertest decodes
    SMFIR_QUARANTINE at end of message, and our A-R says dmarc=fail."""
    raw = make_message(from_addr="mallory@example.com")
    handler = VerifyHandler(world.resolver(), AUTHSERV_ID, dmarc_action=DmarcAction.QUARANTINE)
    with BackgroundMilter(handler) as milter:
        seen = run_miltertest(transaction_script(milter.port, raw, STRANGER_IP, "mallory@example.com"), tmp_path)
    assert (seen["AR_INSERTED"], seen["QUARANTINED"]) == ("true", "true")
    assert "dmarc=fail" in seen["AR"]

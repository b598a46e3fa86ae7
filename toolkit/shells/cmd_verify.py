"""`verify-eml` / `emlauth verify`: SPF, DKIM and DMARC for .eml files, stdin, mbox files and Maildirs."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.core.display import printable, printable_json
from toolkit.shells.common import (
    MAX_MESSAGE_BYTES,
    BlockWriter,
    UsageError,
    add_dns_options,
    byte_size,
    default_authserv_id,
    epoch,
    resolver_from_args,
)
from toolkit.shells.exits import EXIT_FAILED, EXIT_OK, EXIT_TEMPERROR, EXIT_USAGE, report_exit_code
from toolkit.shells.psl import PslOrgDomain

if TYPE_CHECKING:
    from toolkit.core.verify import SmtpContext, VerifyOptions
    from toolkit.shells import batch

# Start-up: `verify-eml --help` and argument errors must not import the verifier (DKIM, SPF, DMARC, cryptography,
# the process pool: 3/4 of the start-up time), so run() and the workers import it and these copies of its
# constants serve configure(); tests/perf/test_batch_commands.py checks they match toolkit.core.verify's.
ALL_CHECKS = ("spf", "dkim", "arc", "dmarc")

DESCRIPTION = "Verify SPF, DKIM and DMARC of messages and write an Authentication-Results field (RFC 8601)."

EPILOG = """\
inputs: .eml files, '-' for standard input, mbox files (first line starts with 'From '; mboxrd quoting),
  Maildir directories (cur/ and new/). Default: standard input.

output (default): the message with our Authentication-Results field prepended, like a filter; forged fields
  carrying our authserv-id are listed on stderr and removed with --strip-forged. For several messages the
  default output is the header field of each, after a '==> INPUT <==' line; an mbox input gives an mbox.
  --header-only  only the Authentication-Results field
  --json         one JSON object per message, one per line (JSON Lines; a single message is one JSON document)

SMTP context: SPF runs only with a client IP and a MAIL FROM or HELO (--ip with --mail-from/--helo, or
  --trust-received N). --trust-received N reads the Nth Received field (1 = topmost): the IP from
  'from HELO (rdns [IP])' (or Exim's 'from [IP] (helo=NAME)'), the HELO from the word after 'from' (or helo=),
  and MAIL FROM from 'envelope-from <...>' in that field, else the topmost Return-Path. Explicit --ip, --helo
  and --mail-from win over what the field says.

DNS: --zones DIR is the whole DNS of an offline world: a name outside every zone does not exist (NXDOMAIN), so
  one zone file is enough. A DNS error (SERVFAIL, timeout: a --nameserver that does not answer, or a fault listed
  in the folder's faults.txt) during DMARC discovery is dmarc=temperror (DMARC-12), exit 3.

authserv-id: default this host's name, the same as the milter and pipeline (AR-2, AR-7).

exit codes: 0 DMARC pass or nothing failed; 1 a check failed; 2 usage or I/O error; 3 temporary DNS error.
  Batches: an input that cannot be read is reported on stderr (and, with --json, as a line with its "error")
  and the rest still runs. The batch exits with the first of these that happened: 2 (an input could not be
  read), 3 (a temporary DNS error on some message: retry), 1 (a check failed), 0. Each JSON line keeps its own
  exit_code.
"""

# batch precedence: an unreadable input first (the batch is incomplete), then "retry" (the run could change),
# then a failed check (final), then success
_SEVERITY = {EXIT_OK: 0, EXIT_FAILED: 1, EXIT_TEMPERROR: 2, EXIT_USAGE: 3}


def worst(codes: list[int]) -> int:
    """The batch exit code: 2 > 3 > 1 > 0 (an unknown code counts as 2)."""
    return max(codes, key=lambda c: _SEVERITY.get(c, 3), default=EXIT_OK)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help=".eml file, '-', mbox file or Maildir (default -)")
    limits = parser.add_argument_group("input limits")
    limits.add_argument(
        "--max-size", type=byte_size, default=MAX_MESSAGE_BYTES, metavar="BYTES", help="largest input file (256M)"
    )
    limits.add_argument("--follow-symlinks", action="store_true", help="read symlinks in Maildirs (default: skip them)")
    smtp = parser.add_argument_group("SMTP context")
    smtp.add_argument("--ip", help="client IP address of the SMTP session")
    smtp.add_argument("--helo", help="HELO/EHLO name")
    smtp.add_argument("--mail-from", help="MAIL FROM address; '' (empty) is the null sender <>")
    smtp.add_argument("--trust-received", type=int, metavar="N", help="take ip/helo/mail-from from the Nth Received")
    add_dns_options(parser)
    checks = parser.add_argument_group("checks")
    checks.add_argument("--now", type=epoch, metavar="EPOCH", help="verification time in Unix seconds (default: now)")
    checks.add_argument(
        "--checks",
        default=None,
        help=f"comma-separated subset of {','.join(ALL_CHECKS)} (default: all the context allows)",
    )
    checks.add_argument("--dmarc-mode", choices=("rfc9989", "rfc7489", "both"), default="rfc9989")
    checks.add_argument("--dkim-testing-counts", action="store_true", help="let a t=y DKIM pass count for DMARC")
    checks.add_argument("--max-signatures", type=int, default=10, help="verify at most this many DKIM signatures")
    checks.add_argument("--authserv-id", help="our id in A-R (default: this host's name, as the milter and pipeline)")
    checks.add_argument(
        "--arc-trusted",
        metavar="FILE|DOMAIN,...",
        help="ARC sealers we trust: their aligned pass turns a DMARC fail's disposition into none (off by default)",
    )
    checks.add_argument("--strip-forged", action="store_true", help="remove A-R fields carrying our authserv-id")
    out = parser.add_argument_group("output")
    mode = out.add_mutually_exclusive_group()
    mode.add_argument("--header-only", action="store_true", help="print only our Authentication-Results field")
    mode.add_argument("--json", action="store_true", help="JSON Lines: one object per message")
    mode.add_argument("--explain", action="store_true", help="narrated walkthrough of each message")
    out.add_argument("--lang", choices=("en", "ja"), default="en", help="language of the --explain walkthrough")
    out.add_argument("--jobs", type=int, default=0, help="processes for batches (default: every core)")
    out.add_argument("--record", metavar="URL", help="store one row per message for DMARC reports (report generate)")
    out.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")


def register(subparsers) -> None:
    parser = subparsers.add_parser("verify", help="verify SPF, DKIM and DMARC (= verify-eml)", description=DESCRIPTION)
    configure(parser)
    parser.set_defaults(func=run)


def arc_trusted(value: str | None) -> tuple[str, ...]:
    """--arc-trusted: a file of domains (one a line, # comments) or a comma-separated list (ARC-5)."""
    if not value:
        return ()
    path = Path(value)
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {value}: {getattr(exc, 'strerror', None) or exc}") from None
        names = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    else:
        names = value.split(",")
    from toolkit.core.dkim.common import valid_domain  # here: importing the DKIM package costs start-up

    domains = tuple(n.strip().lower().rstrip(".") for n in names if n.strip())
    bad = [d for d in domains if not valid_domain(d)]
    if bad or not domains:
        raise UsageError(f"--arc-trusted wants domains or a file of them; {bad[0] if bad else value!r} is not one")
    return domains


def _checks(args: argparse.Namespace, have_ip: bool) -> tuple[str, ...]:
    if args.checks is None:
        return ALL_CHECKS if have_ip else tuple(c for c in ALL_CHECKS if c != "spf")
    wanted = tuple(c.strip().lower() for c in args.checks.split(",") if c.strip())
    unknown = [c for c in wanted if c not in ALL_CHECKS]
    if unknown or not wanted:
        raise UsageError(f"--checks takes {', '.join(ALL_CHECKS)}; got {args.checks!r}")
    return wanted


@dataclass
class _Setup:
    """Picklable: rebuilt in each worker process, where it makes the resolver once."""

    dns: dict
    options: VerifyOptions
    context: SmtpContext
    trust_received: int | None
    now: int
    output: str  # "message" | "header" | "json" | "explain"
    native_eol: bool = True
    lang: str = "en"  # of the --explain walkthrough
    record: bool = False  # also return the message's row for the report store (toolkit.shells.record)
    labelled: bool = False  # each output starts with a "==> name <==" line (several messages, header or explain)
    resolver: object = field(default=None, repr=False)

    def __call__(self):
        from toolkit.core.message import parse_message
        from toolkit.core.verify import verify_message

        if self.resolver is None:  # a spawned worker; in-process runs and forked workers reuse the parent's
            self.resolver = resolver_from_args(argparse.Namespace(**self.dns))
        # imported once per process: two import statements per message cost ~4 us of a ~450 us verify (issue 14)
        self.parse_message, self.verify_message = parse_message, verify_message
        return self.process

    def __getstate__(self) -> dict:
        # a resolver holds a lock and its cache: never pickled, a spawned worker builds its own
        return {**self.__dict__, "resolver": None}

    def process(self, item: batch.Item) -> tuple[int, bytes, str]:
        if item.error:  # reported in its place; the batch goes on (exit 2 at the end)
            line = json.dumps({"input": item.label, "error": item.error, "exit_code": EXIT_USAGE}) + "\n"
            return EXIT_USAGE, line.encode() if self.output == "json" else b"", f"error: {item.error}"
        message = self.parse_message(item.data)
        context = self.context
        extra: dict = {}
        if self.trust_received:
            from toolkit.core.verify import SmtpContext, context_from_received

            found = context_from_received(message, self.trust_received)
            context = SmtpContext(
                self.context.ip if self.context.ip is not None else found.context.ip,
                self.context.helo if self.context.helo is not None else found.context.helo,
                self.context.mail_from if self.context.mail_from is not None else found.context.mail_from,
                ip_problem="" if self.context.ip is not None else found.context.ip_problem,
            )
            extra["received_context"] = found.to_json()
        options = self.options  # no IP from the field: SPF is none with the reason (never a guess, issue 15)
        report = self.verify_message(message, context, self.resolver, self.now, options)  # type: ignore[arg-type]
        warnings = []
        if self.trust_received and extra["received_context"]["problem"]:
            warnings.append(f"{item.label}: {extra['received_context']['problem']}")
        if report.forged_ar:
            action = "removed" if options.strip_forged else "kept (use --strip-forged)"
            warnings.append(
                f"{item.label}: {len(report.forged_ar)} Authentication-Results field(s) with our id, {action}"
            )
        warning = "\n".join(warnings)
        if self.record and context.ip:
            from toolkit.core.dmarc.report_xml_record import record_from_report

            return (*self.render(item, report, message, warning, extra), record_from_report(report, self.now))
        if self.record:  # a report row needs the source IP (RFC 9990 source_ip is required)
            warning = "\n".join([*warnings, f"{item.label}: not recorded: no client IP (--ip or --trust-received)"])
        return self.render(item, report, message, warning, extra)

    def label(self, item: batch.Item, data: bytes) -> bytes:
        """Which message this output is about, when there are several (made here, in the worker, not in the
        process that writes the outputs in order: its work per message is serial, issue 14)."""
        if not self.labelled or not data:
            return data
        return f"==> {printable(item.label, one_line=True)} <==\n".encode() + data

    def render(self, item: batch.Item, report, message, warning: str, extra: dict) -> tuple[int, bytes, str]:
        code = report_exit_code(report)
        if self.output == "json":
            from toolkit.core.diagnose import diagnose_message

            data = {"input": item.label, **report.to_json(), **extra, "exit_code": code}
            # why a signature failed, and risks of those that passed (the walkthrough shows the same objects)
            data["diagnoses"] = [d.to_json() for d in diagnose_message(report.message, report.dkim)]
            text = printable_json(json.dumps(data, ensure_ascii=False))  # C1 and bidi escaped too (issue 15)
            return code, (text + "\n").encode(), warning
        if self.output == "explain":
            from toolkit.walkthrough import explain  # here: only --explain pays for importing the narrator

            text = explain(report, lang=self.lang, trust_received=self.trust_received)
            text = printable(text.rstrip("\n"))  # header text may hold ESC sequences (issue 15)
            return code, self.label(item, (text + "\n").encode()), warning
        if self.output == "header":
            return code, self.label(item, _eol(report.ar_field, message, self.native_eol)), warning
        out = report.output_message()
        if item.mbox_from:
            out = item.mbox_from + b"\r\n" + _mbox_quote(out) + b"\r\n"
        return code, _eol(out, message, self.native_eol), warning


def _mbox_quote(data: bytes) -> bytes:
    return re.sub(rb"(?m)^(>*From )", rb">\1", data)


def _eol(data: bytes, message, native: bool) -> bytes:
    """Write LF line endings back when the input used bare LF only (a Unix filter keeps the file's style)."""
    facts = message.line_endings
    if native and facts.bare_lf and not facts.crlf and not facts.bare_cr:
        return data.replace(b"\r\n", b"\n")
    return data


def run(args: argparse.Namespace) -> int:
    from toolkit.core.verify import SmtpContext, VerifyOptions
    from toolkit.shells import batch

    inputs = args.inputs or ["-"]
    if args.ip is not None:
        try:
            ipaddress.ip_address(args.ip)
        except ValueError:
            raise UsageError(f"--ip {args.ip!r} is not an IP address") from None
    if args.jobs < 0:
        raise UsageError("--jobs takes 0 (every core) or a positive number")
    if args.max_signatures < 1:
        raise UsageError("--max-signatures takes a number above 0")
    if args.trust_received is not None and args.trust_received < 1:
        raise UsageError("--trust-received counts from 1 (the topmost Received field)")
    have_ip = bool(args.ip) or args.trust_received is not None
    checks = _checks(args, have_ip)
    spf_context = args.trust_received is not None or (args.ip and (args.mail_from is not None or args.helo))
    if "spf" in checks and not spf_context and args.checks is not None:
        raise UsageError("SPF needs --ip and --mail-from or --helo (or --trust-received N)")
    options = VerifyOptions(
        authserv_id=args.authserv_id or default_authserv_id(),
        checks=checks,
        dmarc_mode=args.dmarc_mode,
        max_signatures=args.max_signatures,
        strip_forged=args.strip_forged,
        count_testing=args.dkim_testing_counts,
        clock=time.monotonic,
        psl_org_domain=PslOrgDomain() if args.dmarc_mode != "rfc9989" else None,
        arc_trusted=arc_trusted(args.arc_trusted),
    )
    try:
        from toolkit.core import arheader

        arheader.build_field(options.authserv_id)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    output = "json" if args.json else "header" if args.header_only else "explain" if args.explain else "message"
    if not args.inputs and sys.stdin.isatty():  # not hung: waiting for a message typed or pasted on the terminal
        print("verify-eml: reading a message from standard input (end it with Ctrl-D; see --help)", file=sys.stderr)
    items = batch.expand_inputs(inputs, args.max_size, args.follow_symlinks)
    if not items:
        raise UsageError("no messages found in the inputs")
    if output == "message" and len(items) > 1 and not all(i.mbox_from for i in items):
        output = "header"  # several messages: one field each, labelled
    dns = {
        "zones": args.zones,
        "nameserver": args.nameserver,
        "zones_then_live": args.zones_then_live,
        "dns_timeout": args.dns_timeout,
    }
    # built once here: a bad zone folder fails now, as a usage error, and in-process runs and forked workers
    # reuse it instead of reading the zones again
    resolver = resolver_from_args(argparse.Namespace(**dns))
    setup = _Setup(
        dns=dns,
        options=options,
        context=SmtpContext(args.ip, args.helo, args.mail_from),
        trust_received=args.trust_received,
        now=args.now if args.now is not None else int(time.time()),
        output=output,
        lang=args.lang,
        resolver=resolver,
    )
    recorder = None
    if args.record:
        from toolkit.shells.record import Recorder

        recorder, setup.record = Recorder(args.record), True  # a store error is a one-line exit 2, before any work
    setup.labelled = output in ("header", "explain") and len(items) > 1  # say which message each is about
    codes: list[int] = []
    stdout = BlockWriter(sys.stdout.buffer)

    records: list = []  # --record: written 1,000 at a time, one transaction each
    recorded = [0, 0]  # new, seen

    def flush() -> None:
        recorded[0] += recorder.add(records)  # type: ignore[union-attr]
        recorded[1] += len(records)
        records.clear()

    def emit(item: batch.Item, outcome: tuple) -> None:
        code, data, warning = outcome[:3]
        records.extend(outcome[3:])
        if len(records) >= 1000:
            flush()
        codes.append(code)
        for line in warning.splitlines():
            print(f"verify-eml: {printable(line)}", file=sys.stderr)
        stdout.write(data)

    jobs = args.jobs or batch.default_jobs()
    progress = len(items) > 1 and not args.no_progress and sys.stderr.isatty()
    try:
        batch.run_items(items, setup, jobs, emit, progress)
    except BaseException:  # what came before the error is written, as a buffered stdout would at exit
        with contextlib.suppress(OSError, ValueError):
            stdout.flush()
        raise
    stdout.flush()
    if recorder is not None:
        flush()
        new, seen = recorded
        print(f"verify-eml: recorded {new} new message(s) in {recorder.label} ({seen - new} already there)",
              file=sys.stderr)  # fmt: skip
        recorder.close()
    return worst(codes)

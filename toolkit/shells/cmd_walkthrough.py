"""`emlauth walkthrough SAMPLE`: the narrated account of how one message is authenticated.

SAMPLE is a name from samples/cases.toml (`emlauth walkthrough --list`), or a path to any .eml file. A sample
brings its SMTP context (ip, helo, mail_from) and its verification time; --ip/--helo/--mail-from/--now override
them, and are how other files get theirs: like verify-eml, --trust-received N takes them from the Nth Received
field. When no IP is known, the walkthrough lists the Received fields that carry one and suggests the N. DNS comes
from samples/zones unless --zones, --nameserver or --live says otherwise, so the samples work offline.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys
import time
import tomllib
from pathlib import Path

from toolkit.shells.common import UsageError, add_dns_options, epoch, read_input, resolver_from_args
from toolkit.shells.exits import report_exit_code
from toolkit.shells.samples import samples_dir

DESCRIPTION = "Explain, step by step, how SPF, DKIM and DMARC judge a sample message (or any .eml file)."
EPILOG = (
    "exit codes (as verify-eml): 0 DMARC pass or nothing failed; 1 a check failed; 2 usage or I/O error; "
    "3 temporary DNS error."
)
DEFAULT_SAMPLES = samples_dir()


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "walkthrough", help="narrated walkthrough of a sample", description=DESCRIPTION, epilog=EPILOG
    )
    configure(parser)
    parser.set_defaults(func=run)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sample", nargs="?", metavar="SAMPLE", help="sample name (see --list) or path to an .eml file")
    parser.add_argument("--list", action="store_true", help="list the samples and their lessons")
    parser.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES, metavar="DIR", help="samples folder")
    parser.add_argument("--ip", help="client IP the SMTP server saw")
    parser.add_argument("--helo", help="HELO/EHLO name")
    parser.add_argument("--mail-from", dest="mail_from", help="MAIL FROM address ('' or '<>' for the null sender)")
    parser.add_argument(
        "--trust-received", type=int, metavar="N", help="take ip/helo/mail-from from the Nth Received (1 = topmost)"
    )
    parser.add_argument("--now", type=epoch, metavar="UNIX", help="verification time (default: the sample's, or now)")
    parser.add_argument("--lang", choices=("en", "ja"), default="en", help="language of the narration")
    parser.add_argument("--json", action="store_true", help="print the report and diagnoses as JSON instead")
    parser.add_argument("--live", action="store_true", help="use the system resolver instead of samples/zones")
    add_dns_options(parser)


def load_cases(samples: Path) -> list[dict]:
    path = samples / "cases.toml"
    try:
        with path.open("rb") as handle:
            return list(tomllib.load(handle).get("sample", []))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: {exc}") from None


def find_case(samples: Path, sample: str) -> tuple[dict | None, Path]:
    """(the case, the message path) for a sample name or a file path (a file inside samples/ keeps its case)."""
    cases = load_cases(samples) if (samples / "cases.toml").exists() else []
    for case in cases:
        if sample in (case["name"], case["file"], Path(case["file"]).name):
            return case, samples / case["file"]
    path = Path(sample)
    if path.exists():
        for case in cases:
            if (samples / case["file"]).resolve() == path.resolve():
                return case, path
        return None, path
    names = ", ".join(c["name"] for c in cases)
    raise UsageError(f"no sample or file {sample!r}" + (f"; samples: {names}" if names else ""))


def lesson(case: dict, lang: str) -> str:
    """What a sample teaches, in the narration's language."""
    from toolkit.walkthrough import ja

    return ja.LESSONS.get(case["name"], case["lesson"]) if lang == "ja" else case["lesson"]


def smtp_context(args: argparse.Namespace, case: dict, message):
    """Explicit --ip/--helo/--mail-from first, then the trusted Received field, then the sample's own context.

    Built from the field's own context, so whatever else it says (why no IP could be taken) reaches the verifier.
    """
    import dataclasses

    from toolkit.core.verify import SmtpContext, context_from_received

    found = context_from_received(message, args.trust_received).context if args.trust_received else SmtpContext()

    def pick(given, received, sample):
        return next((v for v in (given, received, sample) if v is not None), None)

    mail_from = pick(args.mail_from, found.mail_from, case.get("mail_from"))
    context = dataclasses.replace(
        found,
        ip=pick(args.ip, found.ip, case.get("ip")),
        helo=pick(args.helo, found.helo, case.get("helo")),
        mail_from="" if mail_from == "<>" else mail_from,
    )
    if context.ip:
        try:
            ipaddress.ip_address(context.ip)
        except ValueError:
            raise UsageError(f"--ip {context.ip!r} is not an IP address") from None
    return context


REPORT_BASICS_LESSON = {
    "en": "reading a DMARC aggregate report: each element, and what to do about each sender",
    "ja": "DMARC 集計レポートの読み方: 各要素の意味と、送信元ごとに何をすればよいか",
}


def run(args: argparse.Namespace) -> int:
    from toolkit.core.display import printable, printable_json
    from toolkit.core.message import parse_message
    from toolkit.core.verify import verify_message
    from toolkit.walkthrough import explain
    from toolkit.walkthrough.layout import wrap

    if args.list:
        for case in load_cases(args.samples):
            print("\n".join(wrap(lesson(case, args.lang), f"{case['name']:<20} ", " " * 21)))
        print("\n".join(wrap(REPORT_BASICS_LESSON[args.lang], f"{'report-basics':<20} ", " " * 21)))
        return 0
    if args.sample == "report-basics":
        from toolkit.shells.report_read import walkthrough_report_basics

        sys.stdout.write(walkthrough_report_basics(args.samples / "reports", args.lang))
        return 0
    if not args.sample:
        raise UsageError("name a sample (see --list) or an .eml file")
    if args.trust_received is not None and args.trust_received < 1:
        raise UsageError("--trust-received counts from 1 (the topmost Received field)")
    case, path = find_case(args.samples, args.sample)
    case = case or {}
    message = parse_message(read_input(str(path)))
    context = smtp_context(args, case, message)
    now = args.now if args.now is not None else case.get("now", int(time.time()))
    if args.zones is None and not args.nameserver and not args.live:
        args.zones = args.samples / "zones"
    resolver = resolver_from_args(args)
    report = verify_message(message, context, resolver, now)
    if args.json:
        from toolkit.core.diagnose import diagnose_message

        out = report.to_json()
        out["diagnoses"] = [d.to_json() for d in diagnose_message(report.message, report.dkim)]
        sys.stdout.write(printable_json(json.dumps(out, indent=2)) + "\n")
    else:  # control characters from headers never reach the terminal as themselves (issue 15)
        told = lesson(case, args.lang) if case else None
        sys.stdout.write(printable(explain(report, lang=args.lang, lesson=told, trust_received=args.trust_received)))
    return report_exit_code(report)

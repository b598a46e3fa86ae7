"""The `emlauth` umbrella command (the `sign-eml` / `verify-eml` entry points live in runner.py).

Each command lives in its own module with `register(subparsers)`; subcommands set `func(args) -> int`.
Caller errors (ToolkitError) become one line on stderr and exit 2, never a traceback (runner.py).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from toolkit import __version__
from toolkit.shells import (
    cmd_doctor,
    cmd_keys,
    cmd_mail,
    cmd_report,
    cmd_rules,
    cmd_sign,
    cmd_spf,
    cmd_verify,
    cmd_walkthrough,
)
from toolkit.shells.runner import OneLineErrorParser, finish, run_command, sign_eml_main, verify_eml_main

# Order here is the order `emlauth --help` lists them. Each module keeps its heavy imports inside its functions,
# so building the parser stays cheap.
COMMAND_MODULES = (
    cmd_keys,  # keygen, records, keycheck
    cmd_sign,  # sign (= sign-eml)
    cmd_verify,  # verify (= verify-eml)
    cmd_spf,  # spf
    cmd_mail,  # milter, pipeline
    cmd_walkthrough,  # walkthrough
    cmd_doctor,  # doctor
    cmd_report,  # report parse, ingest, summary, html, generate
    cmd_rules,  # rules
)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
        prog="emlauth", description="Email authentication toolkit: DKIM keys and signing, SPF, DKIM, DMARC."
    )
    parser.add_argument("--version", action="version", version=f"emlauth {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return finish(run_command(args.func, args, f"emlauth {args.command}"), argv)


__all__ = ["COMMAND_MODULES", "OneLineErrorParser", "build_parser", "main", "sign_eml_main", "verify_eml_main"]

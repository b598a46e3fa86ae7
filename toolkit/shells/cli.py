"""The `emlauth` umbrella command and the `sign-eml` / `verify-eml` entry points.

Each command lives in its own module with `register(subparsers)`; subcommands set `func(args) -> int`.
Caller errors (ToolkitError) become one line on stderr and exit 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

from toolkit import __version__
from toolkit.core.errors import ToolkitError

# Order here is the order `emlauth --help` lists them.
COMMAND_MODULES = (
    "toolkit.shells.cmd_keys",  # keygen, records, keycheck
    "toolkit.shells.cmd_sign",  # sign (= sign-eml)
    "toolkit.shells.cmd_verify",  # verify (= verify-eml)
    "toolkit.shells.cmd_spf",  # spf
    "toolkit.shells.cmd_mail",  # milter, pipeline
    "toolkit.shells.cmd_walkthrough",  # walkthrough
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="emlauth", description="Email authentication toolkit: DKIM keys and signing, SPF, DKIM, DMARC."
    )
    parser.add_argument("--version", action="version", version=f"emlauth {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # a command not built yet
            raise
        module.register(subparsers)
    return parser


def run_command(func: Callable[[argparse.Namespace], int], args: argparse.Namespace, prog: str) -> int:
    try:
        return func(args)
    except ToolkitError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return run_command(args.func, args, f"emlauth {args.command}")


def _standalone(module_name: str, prog: str, argv: Sequence[str] | None) -> int:
    module = import_module(module_name)
    parser = argparse.ArgumentParser(prog=prog, description=module.DESCRIPTION)
    module.configure(parser)
    args = parser.parse_args(argv)
    return run_command(module.run, args, prog)


def sign_eml_main(argv: Sequence[str] | None = None) -> int:
    return _standalone("toolkit.shells.cmd_sign", "sign-eml", argv)


def verify_eml_main(argv: Sequence[str] | None = None) -> int:
    return _standalone("toolkit.shells.cmd_verify", "verify-eml", argv)

"""The `emlauth` umbrella command and the `sign-eml` / `verify-eml` entry points.

Each command lives in its own module with `register(subparsers)`; subcommands set `func(args) -> int`.
Caller errors (ToolkitError) become one line on stderr and exit 2, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import NoReturn

from toolkit import __version__
from toolkit.core.display import printable
from toolkit.core.errors import ToolkitError

# Order here is the order `emlauth --help` lists them.
COMMAND_MODULES = (
    "toolkit.shells.cmd_keys",  # keygen, records, keycheck
    "toolkit.shells.cmd_sign",  # sign (= sign-eml)
    "toolkit.shells.cmd_verify",  # verify (= verify-eml)
    "toolkit.shells.cmd_spf",  # spf
    "toolkit.shells.cmd_mail",  # milter, pipeline
    "toolkit.shells.cmd_walkthrough",  # walkthrough
    "toolkit.shells.cmd_doctor",  # doctor
    "toolkit.shells.cmd_report",  # report parse, ingest, summary, html, generate
    "toolkit.shells.cmd_rules",  # rules
)


class OneLineErrorParser(argparse.ArgumentParser):
    """A bad argument is one line on stderr and exit 2, like every other caller error (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
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


class _ClosedStdout:
    """Stands in for sys.stdout when the process started with it closed (`>&-`): writing fails as an OSError
    (one line, exit 2), while commands that print nothing (milter, pipeline) still run."""

    def write(self, data: object) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:  # called again at interpreter exit: stay quiet
        pass

    @property
    def buffer(self) -> _ClosedStdout:
        return self


def _discard_stdout() -> None:
    """After a failed write, point fd 1 at /dev/null so the exit-time flush of what is buffered cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # no real file descriptor (a test's capture, or _ClosedStdout)


def run_command(func: Callable[[argparse.Namespace], int], args: argparse.Namespace, prog: str) -> int:
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()  # type: ignore[assignment]
    try:
        return func(args)
    except ToolkitError as exc:
        print(f"{prog}: error: {printable(str(exc), one_line=True)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        _discard_stdout()
        return 0
    except OSError as exc:  # writing the output failed: disk full (/dev/full), standard output closed
        _discard_stdout()
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{prog}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
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
    parser = OneLineErrorParser(prog=prog, description=module.DESCRIPTION)
    module.configure(parser)
    args = parser.parse_args(argv)
    return run_command(module.run, args, prog)


def sign_eml_main(argv: Sequence[str] | None = None) -> int:
    return _standalone("toolkit.shells.cmd_sign", "sign-eml", argv)


def verify_eml_main(argv: Sequence[str] | None = None) -> int:
    return _standalone("toolkit.shells.cmd_verify", "verify-eml", argv)

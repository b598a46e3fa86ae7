"""`emlauth rules [ID...] [--lang ja]`: the rules reference that output and code cite (DKIM-19, DMARC-11, ...).

The text lives in toolkit/rules (shipped with the package); docs/rules.md is generated from it.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from toolkit.shells.common import UsageError

if TYPE_CHECKING:
    from toolkit.rules import Rule

DESCRIPTION = "Print the rules that emlauth's output cites (e.g. DKIM-19, SPF-14, DMARC-11), in plain words."
EPILOG = "examples: emlauth rules DMARC-11 --lang ja; emlauth rules DKIM-5..12; emlauth rules SES (a whole family)"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rules", help="explain the rule IDs the output cites", description=DESCRIPTION, epilog=EPILOG
    )
    configure(parser)
    parser.set_defaults(func=run)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "ids", nargs="*", metavar="ID", help="rule IDs, ranges (DKIM-5..12) or families (DKIM); all if none"
    )
    parser.add_argument("--lang", choices=("en", "ja"), default="en", help="language of the statements")


def select(ids: list[str]) -> list[Rule]:
    from toolkit.rules import FAMILIES, RULES, resolve  # here, not at the top: `emlauth` starts every command

    if not ids:
        return list(RULES.values())
    families = {family for family, _, _ in FAMILIES}
    chosen: dict[str, Rule] = {}
    for ref in ids:
        if ref.upper() in families:
            chosen.update((r.id, r) for r in RULES.values() if r.family == ref.upper())
            continue
        try:
            chosen.update((r.id, r) for r in resolve(ref))
        except KeyError:
            raise UsageError(
                f"no rule {ref!r} (IDs look like DKIM-19, SPF-14, DMARC-11; families: {', '.join(sorted(families))})"
            ) from None
    return list(chosen.values())


def render(rules: list[Rule], lang: str) -> str:
    from toolkit.walkthrough.layout import wrap

    lines: list[str] = []
    for rule in rules:
        lines.append(f"{rule.id}  ({rule.ref})")
        lines += wrap(rule.text(lang), "    ", "    ")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(render(select(args.ids), args.lang))
    return 0

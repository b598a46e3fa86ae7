"""Sub-commands of `emlauth report` (see cmd_report.py)."""

from __future__ import annotations

import argparse


def register(actions: argparse._SubParsersAction) -> None:
    """Add this module's actions to `emlauth report`."""

"""`emlauth report summary`: what the stored reports say, per domain, and whether it is safe to tighten."""

from __future__ import annotations

import argparse
import time


def day(ts: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def register(actions: argparse._SubParsersAction) -> None:
    pass

"""The Public Suffix List for DMARC's rfc7489 mode (DMARC-18): loaded here, in the shell, and passed into the core.

`PslOrgDomain()` is the run's copy: it reads the list (the publicsuffixlist package's data file, ICANN and private
sections [ours]) on first use and keeps it for the rest of the run. It pickles without the list, so each batch
worker loads its own once instead of receiving it over a pipe.
"""

from __future__ import annotations

from typing import Any


class PslOrgDomain:
    """name -> the longest matching public suffix plus one label; a bare suffix is its own org domain."""

    def __init__(self) -> None:
        self._psl: Any = None

    def __call__(self, name: str) -> str:
        if self._psl is None:
            from publicsuffixlist import PublicSuffixList  # reads its data file: only when rfc7489 is asked for

            self._psl = PublicSuffixList()
        return self._psl.privatesuffix(name) or name

    def __getstate__(self) -> dict:
        return {}

    def __setstate__(self, state: dict) -> None:
        self._psl = None

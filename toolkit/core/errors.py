"""Caller errors only (bad key file, bad arguments). Message and DNS problems are verdicts, not exceptions.

Whose fault it is decides the class (as h11 does): everything here is the caller's. The shells add their own
(UsageError for a bad command line, ZoneFileError for a bad zone folder); the CLI prints any ToolkitError as one line.
"""


class ToolkitError(Exception):
    """A problem the caller must fix; its str() is a one-line message fit for a CLI."""


class CallerError(ToolkitError):
    """A value the caller passed cannot be used (a key size, an algorithm, a signing-table line ...)."""


class KeyFileError(CallerError):
    """Key material the caller handed over is not a usable key."""

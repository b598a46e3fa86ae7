"""Caller errors only (bad key file, bad arguments). Message and DNS problems are verdicts, not exceptions."""


class ToolkitError(Exception):
    """A problem the caller must fix; its str() is a one-line message fit for a CLI."""


class KeyFileError(ToolkitError):
    pass


class UsageError(ToolkitError):
    pass


class ZoneFileError(ToolkitError):
    pass

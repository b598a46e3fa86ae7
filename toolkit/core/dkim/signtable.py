"""Signing table: which keys sign mail from which sender domain (OpenDKIM's SigningTable and KeyTable in one file).

Format, one signature per line:

    # comment                          (also after an entry: everything from ' #' on is ignored)
    <sender-pattern>  <d=domain>  <selector>  <key path>  [option=value ...]

- `sender-pattern` is matched against the domain of the From address, case-insensitively:
  `example.com` matches exactly that domain; `*.example.com` matches any subdomain (not example.com itself);
  `*` matches every domain. OpenDKIM's SigningTable spellings mean the same: `*@example.com` is `example.com`,
  `*@*.example.com` is `*.example.com`, `*@*` is `*` (a local part other than `*` is refused: the table picks
  keys by domain).
- `d=domain` is the signing domain (the `d=` tag); the `d=` prefix is optional.
- `selector` is the `s=` tag; the key record lives at `<selector>._domainkey.<domain>`.
- `key path` is the private key file; relative paths are taken from `base_dir` (the table file's folder).
- Options: `algorithm=rsa-sha256|ed25519-sha256`, `canon=relaxed/relaxed`, `expire=SECONDS`, `identity=I`.
- Several lines that match one sender all apply: that is how mail gets both an RSA and an Ed25519 signature
  (DKIM-33). Only the lines of the most specific matching pattern apply (exact domain, then the longest
  `*.` wildcard, then `*`), in file order.

Example:

    example.com      d=example.com  rsa2026   keys/example.com.rsa.pem
    example.com      d=example.com  ed2026    keys/example.com.ed25519.pem
    *.example.com    d=example.com  rsa2026   keys/example.com.rsa.pem
    *                d=relay.example.net  relay  /etc/emlauth/relay.pem

Parsing is pure; the shell reads the key files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from toolkit.core.dkim.common import valid_domain, valid_selector
from toolkit.core.errors import CallerError

_OPTIONS = ("algorithm", "canon", "expire", "identity")


@dataclass(frozen=True, slots=True)
class SigningEntry:
    pattern: str
    domain: str
    selector: str
    key_path: str
    line: int
    algorithm: str | None = None
    canon: str | None = None
    expire: int | None = None
    identity: str | None = None

    def matches(self, sender_domain: str) -> bool:
        sender = sender_domain.lower().rstrip(".")
        if self.pattern == "*":
            return True
        if self.pattern.startswith("*."):
            return sender.endswith(self.pattern[1:])
        return sender == self.pattern

    @property
    def specificity(self) -> int:
        """Exact beats longer wildcard beats shorter wildcard beats '*'."""
        if self.pattern == "*":
            return 0
        if self.pattern.startswith("*."):
            return len(self.pattern)
        return 10_000

    def to_json(self) -> dict:
        return {
            "pattern": self.pattern,
            "domain": self.domain,
            "selector": self.selector,
            "key_path": self.key_path,
            "line": self.line,
            "algorithm": self.algorithm,
            "canon": self.canon,
            "expire": self.expire,
            "identity": self.identity,
        }


@dataclass(frozen=True, slots=True)
class SigningTable:
    entries: tuple[SigningEntry, ...]

    @classmethod
    def parse(cls, text: str, base_dir: str | PurePath | None = None, source: str = "signing table") -> SigningTable:
        """Parse the table; a bad line raises CallerError naming `source:line`."""
        entries = []
        for number, line in enumerate(text.splitlines(), 1):
            line = line.split(" #", 1)[0].split("\t#", 1)[0].strip()
            if not line or line.startswith("#"):
                continue
            entries.append(_parse_line(line, number, base_dir, source))
        return cls(tuple(entries))

    def lookup(self, sender_domain: str) -> list[SigningEntry]:
        """The entries that sign mail from this domain, in file order (empty if none)."""
        matching = [e for e in self.entries if e.matches(sender_domain)]
        if not matching:
            return []
        best = max(e.specificity for e in matching)
        return [e for e in matching if e.specificity == best]


PATTERN_FORMS = "example.com, *.example.com, * (or OpenDKIM's *@example.com, *@*.example.com)"
LINE_FORM = "<pattern> <d=domain> <selector> <key path> [algorithm=|canon=|expire=|identity=...]"


def _pattern(text: str, where: str) -> str:
    """The sender pattern in our spelling; OpenDKIM's `*@domain` forms are accepted (module docstring)."""
    pattern = text.lower().rstrip(".")
    local, at, domain_part = pattern.rpartition("@")
    if at:
        if local not in ("*", ""):
            raise CallerError(f"{where}: {text!r} names one address; patterns match the From domain: {PATTERN_FORMS}")
        pattern = domain_part
    bare = pattern[2:] if pattern.startswith("*.") else pattern
    if pattern != "*" and not valid_domain(bare):
        raise CallerError(f"{where}: bad sender pattern {text!r}; accepted: {PATTERN_FORMS}")
    return pattern


def _parse_line(line: str, number: int, base_dir: str | PurePath | None, source: str) -> SigningEntry:
    where = f"{source}:{number}"
    fields = line.split()
    if len(fields) < 4:
        raise CallerError(f"{where}: expected {LINE_FORM}")
    pattern, domain, selector, key_path, *extra = fields
    pattern = _pattern(pattern, where)
    domain = domain.removeprefix("d=").lower().rstrip(".")
    if not valid_domain(domain):
        raise CallerError(f"{where}: bad signing domain {fields[1]!r}")
    selector = selector.removeprefix("s=")
    if not valid_selector(selector.lower()):
        raise CallerError(f"{where}: bad selector {fields[2]!r}")
    if base_dir is not None and not PurePath(key_path).is_absolute():
        key_path = str(PurePath(base_dir) / key_path)
    options: dict[str, str] = {}
    for item in extra:
        name, eq, value = item.partition("=")
        if not eq or name not in _OPTIONS:
            raise CallerError(f"{where}: unknown option {item!r} (known: {', '.join(_OPTIONS)})")
        options[name] = value
    expire = None
    if "expire" in options:
        if not (options["expire"].isascii() and options["expire"].isdigit()) or int(options["expire"]) <= 0:
            raise CallerError(f"{where}: expire= needs a positive number of seconds")
        expire = int(options["expire"])
    return SigningEntry(
        pattern,
        domain,
        selector,
        key_path,
        number,
        algorithm=options.get("algorithm"),
        canon=options.get("canon"),
        expire=expire,
        identity=options.get("identity"),
    )

"""`sign-eml` / `emlauth sign`: add DKIM-Signature fields to .eml files (DKIM-28..33).

Signers come from repeatable `--domain/--selector/--key` groups (the Nth of each makes one signer) or from a
`--sign-table` keyed by the From domain. One input goes to `-o OUT` or standard output; several inputs need
`--output-dir`, where each signed file keeps its name.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from toolkit.core.dkim import PreparedSigner, SignerConfig, prepare, sign_prepared
from toolkit.core.dkim.keys import SigningKey, load_private_key
from toolkit.core.dkim.signtable import SigningEntry, SigningTable
from toolkit.core.message import parse_message
from toolkit.shells import arc_seal
from toolkit.shells.common import (
    MAX_MESSAGE_BYTES,
    UsageError,
    add_dns_options,
    byte_size,
    epoch,
    load_signing_table,
    read_input,
    read_key_file,
    resolver_from_args,
    warn,
)

DESCRIPTION = "Sign .eml messages with DKIM (rsa-sha256 or ed25519-sha256), prepending DKIM-Signature fields."

EPILOG = """\
examples:
  sign-eml --domain example.com --selector s2026 --key keys/example.com/s2026.private.pem msg.eml -o signed.eml
  sign-eml --domain example.com --selector rsa --key rsa.pem --domain example.com --selector ed --key ed.pem msg.eml
  sign-eml --sign-table signing.table --output-dir out/ mail/*.eml
  sign-eml --arc-seal -d lists.example.net -s arc -k arc.pem --authserv-id mx.lists.example.net \
      --ip 192.0.2.70 --helo mail.example.com --mail-from bounce@example.com --zones zones/ msg.eml
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    signer = parser.add_argument_group("signers (repeat the three options for several signatures)")
    signer.add_argument("--domain", "-d", action="append", default=[], help="signing domain (d=)")
    signer.add_argument("--selector", "-s", action="append", default=[], help="selector (s=)")
    signer.add_argument("--key", "-k", action="append", default=[], metavar="PATH", help="private key file")
    signer.add_argument("--sign-table", metavar="FILE", type=Path, help="choose signers by the From domain")
    signer.add_argument(
        "--raw-ed25519", action="store_true", help="also read a key file holding a bare base64 Ed25519 seed"
    )
    opts = parser.add_argument_group("signature options (once for all signers, or once per signer)")
    opts.add_argument("--algorithm", "-a", action="append", help="rsa-sha256 | ed25519-sha256 (default: key type)")
    opts.add_argument("--canon", "-c", action="append", help="header/body canonicalization (relaxed/relaxed)")
    opts.add_argument("--headers", metavar="LIST", help="header names to sign, ':' or ',' separated (DKIM-30)")
    opts.add_argument("--oversign", metavar="LIST", help="names signed once more than they occur ('' for none)")
    opts.add_argument("--expire", type=int, metavar="SECONDS", help="add x= this many seconds after t=")
    opts.add_argument("--identity", "-i", metavar="I", help="i= (the agent or user identifier)")
    opts.add_argument("--body-length", action="store_true", help="add l= (not recommended)")
    opts.add_argument("--now", type=epoch, metavar="EPOCH", help="signing time t= (default: now)")
    out = parser.add_argument_group("input and output")
    out.add_argument("inputs", nargs="*", default=["-"], metavar="IN.eml", help="messages ('-' = stdin, default)")
    out.add_argument("-o", "--output", metavar="OUT", help="output file for one input (default: stdout)")
    out.add_argument("--output-dir", metavar="DIR", type=Path, help="write each signed input under its own name")
    out.add_argument("--jobs", type=int, default=0, help="processes with --output-dir (default: every core)")
    out.add_argument(
        "--fsync", action="store_true", help="with --output-dir: flush each file to disk before renaming it in place"
    )
    out.add_argument(
        "--max-size", type=byte_size, default=MAX_MESSAGE_BYTES, metavar="BYTES", help="largest input (256M)"
    )
    arc_seal.add_options(parser)
    add_dns_options(parser)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sign", help="DKIM-sign .eml messages (= sign-eml)", description=DESCRIPTION)
    configure(parser)
    parser.set_defaults(func=run)


def _names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [n.strip() for n in text.replace(",", ":").split(":") if n.strip()]


def _per_signer(values: list[str] | None, count: int, option: str) -> list[str | None]:
    if not values:
        return [None] * count
    if len(values) == 1:
        return values * count
    if len(values) != count:
        raise UsageError(f"give {option} once, or once per signer ({count})")
    return list(values)


class _KeyCache:
    """Each key file is read and parsed once per run."""

    def __init__(self, raw_ed25519: bool = False) -> None:
        self._keys: dict[str, SigningKey] = {}
        self.raw_ed25519 = raw_ed25519

    def get(self, path: str) -> SigningKey:
        if path not in self._keys:
            data = read_key_file(path)  # at most 1 MiB
            self._keys[path] = load_private_key(data, source=path, raw_ed25519=self.raw_ed25519)
        return self._keys[path]


def _signer(
    args: argparse.Namespace, keys: _KeyCache, domain: str, selector: str, key_path: str, **over
) -> PreparedSigner:
    config = SignerConfig(
        domain=domain,
        selector=selector,
        key=keys.get(key_path),
        algorithm=over.get("algorithm"),
        canon=over.get("canon") or "relaxed/relaxed",
        headers=_names(args.headers),
        oversign=_names(args.oversign),
        expire_after=over.get("expire", args.expire),
        identity=over.get("identity", args.identity),
        body_length=args.body_length,
    )
    prepared = prepare(config)
    key = config.key  # a SigningKey: _KeyCache loads every key through toolkit.core.dkim.keys
    if key.key_type == "rsa" and key.bits < 2048:
        warn(f"{key_path}: RSA key of {key.bits} bits; 2048 is recommended (DKIM-29)")
    return prepared


def _command_line_signers(args: argparse.Namespace, keys: _KeyCache) -> list[PreparedSigner]:
    count = len(args.domain)
    if not count or len(args.selector) != count or len(args.key) != count:
        raise UsageError("give --domain, --selector and --key the same number of times (or use --sign-table)")
    algorithms = _per_signer(args.algorithm, count, "--algorithm")
    canons = _per_signer(args.canon, count, "--canon")
    return [
        _signer(args, keys, d, s, k, algorithm=a, canon=c)
        for d, s, k, a, c in zip(args.domain, args.selector, args.key, algorithms, canons, strict=True)
    ]


def _table_signers(
    args: argparse.Namespace, table: SigningTable, keys: _KeyCache, raw: bytes, name: str, prepared: dict
) -> list[PreparedSigner]:
    """The signers for this message's From domain; `prepared` keeps them per set of table entries, so each is
    checked (and warned about) once per run and process, not once per message."""
    from toolkit.core.dmarc.address import author_domains  # here: only --sign-table needs the DMARC package

    authors = author_domains(parse_message(raw))
    if not authors.domains:
        raise UsageError(f"{name}: no usable From domain for the signing table ({authors.detail or authors.error})")
    entries: list[SigningEntry] = table.lookup(authors.domain)
    if not entries:
        raise UsageError(f"{name}: the signing table has no entry for {authors.domain}")
    key = tuple(entries)
    if key not in prepared:
        prepared[key] = [
            _signer(
                args,
                keys,
                e.domain,
                e.selector,
                e.key_path,
                algorithm=e.algorithm or (args.algorithm[0] if args.algorithm else None),
                canon=e.canon or (args.canon[0] if args.canon else None),
                expire=e.expire if e.expire is not None else args.expire,
                identity=e.identity if e.identity is not None else args.identity,
            )
            for e in entries
        ]
    return prepared[key]


def run(args: argparse.Namespace) -> int:
    inputs = args.inputs or ["-"]
    if len(inputs) > 1 and args.output_dir is None:
        raise UsageError("several inputs need --output-dir")
    if args.output and (args.output_dir is not None or len(inputs) > 1):
        raise UsageError("-o is for one input; use --output-dir for several")
    if args.sign_table and args.domain:
        raise UsageError("use either --sign-table or --domain/--selector/--key, not both")
    if args.output_dir is not None and "-" in inputs:
        raise UsageError("--output-dir needs named input files, not '-'")
    now = args.now if args.now is not None else int(time.time())
    keys = _KeyCache(args.raw_ed25519)
    table = load_signing_table(args.sign_table) if args.sign_table else None
    arc = arc_seal.sealer(args, keys.get) if args.arc_seal else None
    resolver = resolver_from_args(args) if arc else None
    fixed = None if table or arc else _command_line_signers(args, keys)
    by_entries: dict = {}  # --sign-table: the prepared signers of each set of entries
    if args.output_dir is not None:
        try:
            args.output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create {args.output_dir}: {exc.strerror or exc}") from None

    def sign_one(name: str, raw: bytes) -> bytes:
        if arc is not None:
            return arc_seal.seal_one(raw, name, arc, args, resolver, now)
        signers = _table_signers(args, table, keys, raw, name, by_entries) if table else fixed
        return sign_prepared(parse_message(raw), signers, now)

    if args.output_dir is not None:
        _sign_to_dir(args, inputs, sign_one)
        return 0
    for name in inputs:
        signed = sign_one(name, read_input(name, args.max_size))
        if args.output:
            _write(Path(args.output), signed)
        else:
            sys.stdout.buffer.write(signed)
            sys.stdout.buffer.flush()
    return 0


def _sign_to_dir(args: argparse.Namespace, inputs: list[str], sign_one: Callable[[str, bytes], bytes]) -> None:
    """Each input signed into DIR under its own name, by --jobs processes (batch.run_items, forked: the keys and
    signers built above are shared, not rebuilt), each with a writer thread (outdir.FolderWriter). Every file is
    written whole under a temporary name in DIR and renamed over the target, so a crash leaves the old file or the
    new one, never a torn one (README: durability)."""
    from toolkit.shells import batch  # here: only --output-dir pays for the process pool
    from toolkit.shells.outdir import fsync_dir

    if args.jobs < 0:
        raise UsageError("--jobs takes 0 (every core) or a positive number")
    # named on the command line: followed like read_input follows them (Maildir entries are what is not followed)
    items = [batch.Item(name, b"", path=name, max_size=args.max_size, follow_symlinks=True) for name in inputs]
    folder = str(args.output_dir)

    def setup() -> _FolderSigner:  # once per process, after the fork: threads do not survive one
        return _FolderSigner(folder, args.fsync, sign_one)

    batch.run_items(items, setup, args.jobs or batch.default_jobs(), lambda item, outcome: None, False)
    if args.fsync:
        fsync_dir(args.output_dir)  # the renames themselves


class _FolderSigner:
    """The per-item function of one process: sign, then hand the file to the process's writer thread. run_items
    calls flush() after each chunk of work and at the end, so a finished chunk is a written one."""

    def __init__(self, folder: str, fsync: bool, sign_one: Callable[[str, bytes], bytes]) -> None:
        from toolkit.shells.outdir import FolderWriter

        self.folder, self.sign_one = folder, sign_one
        self.writer = FolderWriter(fsync)

    def __call__(self, item) -> tuple[int, bytes, str]:
        if item.error:  # an input that could not be read
            raise UsageError(item.error)
        signed = self.sign_one(item.label, item.data)
        # basename: what Path(label).name gives for a file that could be read, without a Path per message
        self.writer.submit(os.path.join(self.folder, os.path.basename(item.label)), signed)
        return 0, b"", ""

    def flush(self) -> None:
        self.writer.flush()


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None

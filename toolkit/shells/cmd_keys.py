"""`emlauth keygen`, `emlauth records`, `emlauth keycheck`: the DKIM key lifecycle (DKIM-34..36, SES-2..7).

keygen writes a PKCS#8 PEM private key (mode 0600, no window where it is readable by others) and prints the
zone-file line to publish; records prints the DNS (and, on request, Amazon SES) forms of an existing key;
keycheck asks DNS whether the published record is present, parses, and matches the private key.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import stat
import sys
from pathlib import Path

from toolkit.core.display import printable, printable_json
from toolkit.core.dkim.keycheck import KeyCheckResult, KeyCheckStatus, check_published_key
from toolkit.core.dkim.keys import (
    DEFAULT_TTL,
    SigningKey,
    check_domain,
    check_selector,
    check_ses_selector,
    generate_key,
    load_private_key,
    record_name,
)
from toolkit.core.domain.records import FORMATS
from toolkit.shells.common import UsageError, add_dns_options, read_key_file, resolver_from_args, warn
from toolkit.shells.exits import keycheck_exit

DEFAULT_KEY_DIR = Path("keys")

KEYCHECK_EPILOG = """\
exit codes:
  0  the published record matches the private key
  1  a record is published but holds another key (or another key type)
  2  usage error (bad arguments, unreadable or unusable key file)
  3  no record: NXDOMAIN or no TXT at the name (DKIM-14)
  4  record revoked (empty p=) or not a valid DKIM key record (DKIM-15..17)
  5  DNS error: timeout, SERVFAIL, refused (temperror, DKIM-14)
"""

SES_HINTS = (
    "SES-2: in SES choose 'Provide DKIM authentication token (BYODKIM)'; publish the TXT record above at "
    "{name} (SES shows it as p=<public key>; our v=DKIM1; k=rsa; p= form is the same key)",
    "SES-5: while a domain moves from Easy DKIM to BYODKIM, SES sends unsigned; stage it on a subdomain first",
    "SES-6: set a custom MAIL FROM subdomain (not receiving mail) with MX 10 feedback-smtp.<region>.amazonses.com "
    'and TXT "v=spf1 include:amazonses.com ~all"',
    "SES-7: without a custom MAIL FROM, SPF never aligns, so DMARC rests on aligned DKIM alone",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    keygen = subparsers.add_parser(
        "keygen",
        help="generate a DKIM key and print the DNS record to publish",
        description="Generate a DKIM private key (PKCS#8 PEM, mode 0600) at DIR/DOMAIN/SELECTOR.private.pem, "
        "write the zone-file line next to it as SELECTOR.txt, and print that line.",
    )
    _add_identity(keygen)
    keygen.add_argument("--type", dest="key_type", choices=("rsa", "ed25519"), default="rsa", help="key type (rsa)")
    keygen.add_argument("--bits", type=int, help="RSA size, 1024..4096 (2048); SES takes 1024 or 2048")
    keygen.add_argument("--out", type=Path, default=DEFAULT_KEY_DIR, metavar="DIR", help="key folder (keys/)")
    keygen.add_argument("--force", action="store_true", help="replace an existing key for this selector")
    _add_record_options(keygen)
    keygen.add_argument(
        "--ses", action="store_true", help="also write the Amazon SES BYODKIM private-key string (0600 file)"
    )
    keygen.set_defaults(func=run_keygen)

    records = subparsers.add_parser(
        "records",
        help="print DNS records: DKIM for a key, or build DMARC and SPF records",
        description="Print the DKIM TXT record for an existing private key (records [dkim] --domain D --selector S "
        "--key K), or build a DMARC or SPF record (records dmarc|spf ...). --ses adds the Amazon SES forms.",
    )
    _add_dkim_records(records, required=False)
    records.set_defaults(func=run_records)
    kinds = records.add_subparsers(dest="kind", metavar="KIND", required=False)
    dkim = kinds.add_parser("dkim", help="the DKIM TXT record for a private key", description="DKIM TXT record")
    _add_dkim_records(dkim, required=True)
    dkim.set_defaults(func=run_records)
    from toolkit.shells.records_build import register_builders

    register_builders(kinds, _add_common_record_options)

    keycheck = subparsers.add_parser(
        "keycheck",
        help="check the published DKIM record against a private key",
        description="Look up TXT <selector>._domainkey.<domain>. and check that it is present, valid,\n"
        "not revoked, and holds the public half of the private key (DKIM-14..17).",
        epilog=KEYCHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_identity(keycheck)
    keycheck.add_argument("--key", required=True, type=Path, metavar="PATH", help="private key file")
    _add_raw_ed25519(keycheck)
    add_dns_options(keycheck)
    keycheck.add_argument("--json", action="store_true", help="print a JSON object")
    keycheck.set_defaults(func=run_keycheck)


def _add_identity(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument("--domain", required=required, help="signing domain (d=)")
    parser.add_argument("--selector", required=required, help="selector (s=)")


def _add_raw_ed25519(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw-ed25519", action="store_true", help="also read a bare base64 Ed25519 seed as --key")


def _add_record_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ttl", type=_ttl, default=DEFAULT_TTL, help=f"TTL in the zone line ({DEFAULT_TTL})")
    parser.add_argument("--testing", action="store_true", help="publish with t=y (DKIM-36: testing)")
    parser.add_argument("--json", action="store_true", help="print a JSON object")


def _add_common_record_options(parser: argparse.ArgumentParser) -> None:
    """--format, and --ses --region for the SES forms: shared by every records command."""
    parser.add_argument("--format", choices=FORMATS, default="zone", help="output form (zone)")
    parser.add_argument("--region", metavar="R", help="with --ses: the SES region, for the custom MAIL FROM pair")
    parser.add_argument("--mail-from-domain", metavar="NAME", help="with --ses: the custom MAIL FROM (mail.DOMAIN)")


def _add_dkim_records(parser: argparse.ArgumentParser, *, required: bool) -> None:
    _add_identity(parser, required)
    parser.add_argument("--key", required=required, type=Path, metavar="PATH", help="private key file")
    _add_raw_ed25519(parser)
    _add_record_options(parser)
    parser.add_argument("--ses", action="store_true", help="print the SES BYODKIM private-key string and notes")
    _add_common_record_options(parser)


def _ttl(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) > 2**31 - 1:  # RFC 2181 §8
        raise argparse.ArgumentTypeError(f"TTL must be 0 to {2**31 - 1} seconds")
    return int(text)


def _check_identity(args: argparse.Namespace) -> tuple[str, str]:
    domain = args.domain.rstrip(".").lower()
    for problem in (check_domain(domain), check_selector(args.selector)):
        if problem:
            raise UsageError(problem)
    if getattr(args, "ses", False) and (problem := check_ses_selector(args.selector)):
        raise UsageError(problem)
    return domain, args.selector


def read_key(path: Path, raw_ed25519: bool = False) -> SigningKey:
    data = read_key_file(path)  # at most 1 MiB: real key files are a few kB; never slurp a device
    key = load_private_key(data, str(path), raw_ed25519=raw_ed25519)
    mode = _mode(path)
    if mode is not None and mode & 0o077:
        warn(f"{path} is readable by others (mode {mode:04o}); chmod 600 it")
    return key


def _mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None


def record_json(key: SigningKey, domain: str, selector: str, args: argparse.Namespace) -> dict:
    return {
        "domain": domain,
        "selector": selector,
        "type": key.key_type,
        "bits": key.bits,
        "record_name": record_name(selector, domain),
        "record_type": "TXT",
        "record_value": key.dns_record_value(testing=args.testing),
        "txt_strings": key.dns_txt_strings(testing=args.testing),
        "zone_line": key.zone_line(selector, domain, ttl=args.ttl, testing=args.testing),
        "public_key_sha256": key.fingerprint(),
    }


def _ses_string(key: SigningKey) -> str:
    text = key.ses_private_key_string()  # raises a one-line UsageError for Ed25519 / other sizes
    warn("the SES BYODKIM string printed on stdout IS the private key: paste it only into SES, never into DNS or chat")
    return text


# -- keygen --------------------------------------------------------------------------------------------------


def run_keygen(args: argparse.Namespace) -> int:
    domain, selector = _check_identity(args)
    if args.key_type == "ed25519":
        if args.bits not in (None, 256):
            raise UsageError("--bits applies to RSA only; Ed25519 keys have a fixed size")
        if args.ses:
            raise UsageError("Amazon SES BYODKIM accepts RSA keys only, not Ed25519 (SES-3); drop --ses or --type")
        key = generate_key("ed25519")
    else:
        bits = args.bits if args.bits is not None else 2048
        if args.ses and bits not in (1024, 2048):
            raise UsageError(f"Amazon SES BYODKIM accepts RSA 1024 or 2048 bits, not {bits} (SES-3)")
        key = generate_key("rsa", bits)
    if (text := key.warning()) is not None:
        warn(text)

    folder = args.out / domain
    key_path = folder / f"{selector}.private.pem"
    txt_path = folder / f"{selector}.txt"
    if not args.force:
        for path in (key_path, txt_path, folder / f"{selector}.ses-private-key.txt"):
            if path.exists() or path.is_symlink():
                raise UsageError(f"{path} exists; pick a new selector (DKIM-36) or pass --force to replace it")
    if folder.is_symlink():
        _open_key_folder(folder)  # raises the one-line refusal before anything is created or warned about
    _make_private_dir(args.out, warn_if_open=False)  # keys/ itself holds the public README and test keys
    _make_private_dir(folder, warn_if_open=True)
    zone_line = key.zone_line(selector, domain, ttl=args.ttl, testing=args.testing)
    folder_fd = _open_key_folder(folder)
    try:  # both files are created inside the folder opened above: swapping it for a symlink now changes nothing
        write_new_file(key_path, key.private_pem(), 0o600, replace=args.force, dir_fd=folder_fd)
        write_new_file(txt_path, (zone_line + "\n").encode("ascii"), 0o644, replace=args.force, dir_fd=folder_fd)
    finally:
        os.close(folder_fd)
    print(f"wrote {key_path} ({key.key_type} {key.bits}, mode 0600) and {txt_path}", file=sys.stderr)

    ses_path = folder / f"{selector}.ses-private-key.txt"
    if args.ses:  # SES-3: the paste string IS the private key; it goes to a 0600 file, never unlabelled to stdout
        write_new_file(ses_path, (key.ses_private_key_string() + "\n").encode("ascii"), 0o600, replace=args.force)
    if args.json:
        out = {"key_path": str(key_path), "txt_path": str(txt_path), **record_json(key, domain, selector, args)}
        if args.ses:
            out["ses_private_key_path"] = str(ses_path)
        print(json.dumps(out, indent=2))
    else:
        print(zone_line)
        if args.ses:
            print(f"; SES-3 DomainSigningPrivateKey (it IS the private key) written to {ses_path} (mode 0600)")
    return 0


def _make_private_dir(path: Path, *, warn_if_open: bool) -> None:
    """Create with 0700; an existing folder open to others only gets a warning (it may be shared on purpose)."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=False)
        return
    except FileExistsError:
        pass
    except OSError as exc:
        raise UsageError(f"cannot create {path}: {exc.strerror or exc}") from None
    if not path.is_dir():
        raise UsageError(f"{path} exists and is not a directory")
    mode = _mode(path)
    if warn_if_open and mode is not None and mode & 0o077:
        warn(f"{path} is open to others (mode {mode:04o}); chmod 700 it")


def _open_key_folder(folder: Path) -> int:
    """The DOMAIN folder under --out, refused when it is a symlink (issue 15: keygen wrote through a symlinked
    domain folder). O_NOFOLLOW makes the check and the open one step."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(folder, flags)
    except OSError as exc:
        if folder.is_symlink():
            raise UsageError(
                f"{folder} is a symbolic link; keygen writes keys only into a real folder (remove the link or "
                "point --out at the folder it names)"
            ) from None
        raise UsageError(f"cannot open {folder}: {exc.strerror or exc}") from None


def write_new_file(path: Path, data: bytes, mode: int, *, replace: bool, dir_fd: int | None = None) -> None:
    """Create `path` with `mode` from the first byte (O_CREAT|O_EXCL, no chmod afterwards, so no race).

    With `replace`, write a fresh temporary file the same way and rename it over the old one, so the old key
    stays whole until the new one is complete. With `dir_fd`, `path` names a file in that open folder.
    """
    target = path.with_name(f".{path.name}.tmp{os.getpid()}") if replace else path
    if dir_fd is not None:
        path, target = Path(path.name), Path(target.name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags, mode, dir_fd=dir_fd)
    except FileExistsError:
        raise UsageError(f"{path} exists; pick a new selector (DKIM-36) or pass --force to replace it") from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(target, path, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except OSError as exc:
        if replace:
            with contextlib.suppress(OSError):
                os.unlink(target, dir_fd=dir_fd)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


# -- records -------------------------------------------------------------------------------------------------


def run_records(args: argparse.Namespace) -> int:
    if not (args.domain and args.selector and args.key):
        raise UsageError("records needs --domain, --selector and --key (or: records dmarc|spf ... --help)")
    domain, selector = _check_identity(args)
    key = read_key(args.key, args.raw_ed25519)
    if args.format != "zone" or args.region:
        from toolkit.shells.records_build import dkim_output

        return dkim_output(args, key, domain, selector)
    if (text := key.warning()) is not None:
        warn(text)
    name = record_name(selector, domain)
    ses = _ses_string(key) if args.ses else None
    hints = [hint.format(name=name) for hint in SES_HINTS] if args.ses else []
    if args.json:
        out = {"key_path": str(args.key), **record_json(key, domain, selector, args)}
        if ses is not None:
            out["ses_private_key"] = ses
            out["ses_notes"] = hints
        print(json.dumps(out, indent=2))
        return 0
    # Everything but the SES string is a zone-file comment or record, so the output can go into a zone file.
    about = f"{key.key_type} {key.bits}, public key sha256 {key.fingerprint()}"
    print(f"; DKIM key record: selector {selector}, domain {domain}, {about}")
    print(key.zone_line(selector, domain, ttl=args.ttl, testing=args.testing))
    if ses is not None:
        for hint in hints:
            print(f"; {hint}")
        print("; SES-3 DomainSigningPrivateKey (this IS the private key, keep it secret):")
        print(ses)
    return 0


# -- keycheck ------------------------------------------------------------------------------------------------


def run_keycheck(args: argparse.Namespace) -> int:
    domain, selector = _check_identity(args)
    key = read_key(args.key, args.raw_ed25519)
    result = check_published_key(key, selector, domain, resolver_from_args(args))
    if args.json:
        print(printable_json(json.dumps({**result.to_json(), "exit_code": keycheck_exit(result)}, indent=2)))
    else:
        for line in keycheck_lines(result):
            print(printable(line, one_line=True))  # TXT records are attacker text (issue 15)
    return keycheck_exit(result)


def keycheck_lines(result: KeyCheckResult) -> list[str]:
    answer = result.answer
    source = f" ({answer.source})" if answer.source else ""
    lines = [f"private key: {result.key_type} {result.key_bits}, public key sha256 {result.key_sha256}"]
    if result.status is KeyCheckStatus.TEMPFAIL:
        lines.append(f"TXT {result.name}: DNS error {answer.detail or 'TEMPFAIL'}{source}")
    elif not result.records:
        lines.append(f"TXT {result.name}: {answer.status.value}{source}, no key record published")
    else:
        lines.append(f"TXT {result.name}: {len(result.records)} record(s){source}")
    for number, record in enumerate(result.records, 1):
        value = record.raw.decode("utf-8", "backslashreplace")
        shown = value if len(value) <= 72 else value[:69] + "..."
        lines.append(f"  record {number}: {shown}")
        if record.status in (KeyCheckStatus.MATCH, KeyCheckStatus.MISMATCH):
            what = "matches the private key" if record.status is KeyCheckStatus.MATCH else "holds ANOTHER key"
            lines.append(f"    k={record.key_type} {record.key_bits} bits: {what}")
        else:
            lines.append(f"    {record.status.value}: {record.problem}")
        lines.extend(f"    note: {note}" for note in record.notes)
    lines.append(f"result: {result.status.value} (exit {keycheck_exit(result)})")
    return lines

"""`emlauth records dmarc|spf` and the non-zone formats of `emlauth records [dkim]` (a shell over
toolkit.core.domain.records; kept out of cmd_keys.py so the key lifecycle stays readable).

Exit codes: 0 printed, 1 refused (an SPF record over 10 lookups, or one that would be a permerror), 2 usage.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable

from toolkit.core.dkim.keys import DEFAULT_TTL, SigningKey, check_domain
from toolkit.core.domain.records import (
    DnsRecord,
    RecordSet,
    dmarc_records,
    render,
    ses_byodkim_calls,
    ses_easy_dkim,
    ses_mail_from,
    spf_records,
)
from toolkit.shells.common import UsageError, add_dns_options, resolver_from_args, warn
from toolkit.shells.psl import PslOrgDomain

_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}\Z")
POLICY = ("none", "quarantine", "reject")


def register_builders(kinds: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]) -> None:
    dmarc = kinds.add_parser(
        "dmarc", help="build the _dmarc TXT record (and the rua authorization records)",
        description="Build the DMARC record for _dmarc.DOMAIN. A bare --rua address becomes mailto:; an external "
        "report address gets the authorization record its domain must publish (DMARC-20).",
    )  # fmt: skip
    dmarc.add_argument("--domain", required=True)
    dmarc.add_argument("--policy", required=True, choices=POLICY)
    dmarc.add_argument("--rua", action="append", default=[], metavar="URI", help="aggregate reports (repeatable)")
    dmarc.add_argument("--ruf", action="append", default=[], metavar="URI", help="failure reports (repeatable)")
    dmarc.add_argument("--pct", type=int, metavar="N", help="RFC 7489 only: percent of failing mail (0-100)")
    dmarc.add_argument("--sp", choices=POLICY, help="policy for subdomains")
    dmarc.add_argument("--np", choices=POLICY, help="policy for names that do not exist (RFC 9989)")
    dmarc.add_argument("--adkim", choices=("r", "s"))
    dmarc.add_argument("--aspf", choices=("r", "s"))
    dmarc.add_argument("--testing", action="store_true", help="t=y: receivers apply one policy lower (RFC 9989)")
    _ses_and_ttl(dmarc, common)
    dmarc.set_defaults(func=run_dmarc)

    spf = kinds.add_parser(
        "spf", help="build an SPF record and count the lookups it costs",
        description="Build the SPF record for DOMAIN and count its worst-case DNS lookups over the given DNS; "
        "refuse past 10 and name the include to trim or flatten (SPF-14).",
    )  # fmt: skip
    spf.add_argument("--domain", required=True)
    spf.add_argument("--include", action="append", default=[], metavar="DOMAIN")
    spf.add_argument("--ip4", action="append", default=[], metavar="NET")
    spf.add_argument("--ip6", action="append", default=[], metavar="NET")
    spf.add_argument("--mx", action="store_true")
    spf.add_argument("--a", action="store_true")
    spf.add_argument("--all", dest="all_", choices=("soft", "fail"), default="soft", help="~all or -all (soft)")
    _ses_and_ttl(spf, common)
    add_dns_options(spf)
    spf.set_defaults(func=run_spf)


def _ses_and_ttl(parser: argparse.ArgumentParser, common) -> None:
    parser.add_argument("--ttl", type=int, default=DEFAULT_TTL, help=f"TTL ({DEFAULT_TTL})")
    parser.add_argument("--ses", action="store_true", help="also print the SES custom MAIL FROM pair (needs --region)")
    common(parser)


def _domain(args: argparse.Namespace) -> str:
    domain = args.domain.rstrip(".").lower()
    if problem := check_domain(domain):
        raise UsageError(problem)
    if not 0 <= args.ttl <= 2**31 - 1:
        raise UsageError("--ttl must be 0 to 2147483647 seconds")
    return domain


def _ses_sets(args: argparse.Namespace, domain: str, *, required: bool) -> list[RecordSet]:
    if args.region and not args.ses:
        raise UsageError("--region goes with --ses")
    if not args.ses or (not args.region and not required):
        return []
    if not args.region:
        raise UsageError("--ses needs --region R (the SES region, for feedback-smtp.R.amazonses.com)")
    if not _REGION.match(args.region):
        raise UsageError(f"--region {args.region!r} is not an AWS region name such as us-east-1")
    mail_from = (args.mail_from_domain or f"mail.{domain}").rstrip(".").lower()
    if mail_from != domain and not mail_from.endswith("." + domain):
        raise UsageError(f"the custom MAIL FROM must be a subdomain of {domain} (SES-6)")
    return [ses_mail_from(domain, args.region, mail_from, args.ttl)]


def _print(sets: list[RecordSet], fmt: str) -> None:
    if fmt == "sesv2" and not any(s.ses_calls for s in sets):
        raise UsageError("--format sesv2 is for SES API calls: BYODKIM (records dkim --ses) or --ses --region R")
    if fmt == "route53":
        for record in (r for s in sets for r in s.records if r.foreign):
            warn(f"not in the change batch: {record.note}: {record.name}. TXT {record.rdata()}")
    sys.stdout.write(render(sets, fmt))


def run_dmarc(args: argparse.Namespace) -> int:
    domain = _domain(args)
    if args.pct is not None and not 0 <= args.pct <= 100:
        raise UsageError("--pct must be 0 to 100")
    for uri in args.rua + args.ruf:
        if "@" not in uri or uri.count(",") or uri.count("!"):
            raise UsageError(f"{uri!r} is not a report address (want name@domain or mailto:name@domain)")
    sets = [dmarc_records(domain, args.policy, args.rua, args.ruf, pct=args.pct, sp=args.sp, np=args.np,
                          adkim=args.adkim, aspf=args.aspf, testing=args.testing, ttl=args.ttl,
                          org_domain=PslOrgDomain())]  # fmt: skip
    sets += _ses_sets(args, domain, required=True)
    _print(sets, args.format)
    return 0


def run_spf(args: argparse.Namespace) -> int:
    domain = _domain(args)
    if not (args.include or args.ip4 or args.ip6 or args.mx or args.a or args.ses):
        raise UsageError("name at least one sender: --include, --ip4, --ip6, --mx or --a")
    includes = list(args.include)
    ses = _ses_sets(args, domain, required=True)
    build = spf_records(domain, resolver_from_args(args), includes=includes, ip4=args.ip4, ip6=args.ip6,
                        mx=args.mx, a=args.a, all_=args.all_, ttl=args.ttl)  # fmt: skip
    if build.problem:
        print(f"emlauth records spf: refused: {build.problem}", file=sys.stderr)
        return 1
    sets = ([build.records] if args.include or args.ip4 or args.ip6 or args.mx or args.a else []) + ses
    _print(sets, args.format)
    return 0


def dkim_output(args: argparse.Namespace, key: SigningKey, domain: str, selector: str) -> int:
    """`records [dkim]` in a format other than the classic zone fragment, or with --ses --region."""
    value = key.dns_record_value(testing=args.testing)
    about = f"{key.key_type} {key.bits}, public key sha256 {key.fingerprint()}"
    byod = RecordSet(f"DKIM key record: selector {selector}, domain {domain}, {about}",
                     (DnsRecord(f"{selector}._domainkey.{domain}", "TXT", value, args.ttl),))  # fmt: skip
    sets = [byod]
    if args.ses:
        sets.append(ses_easy_dkim(domain, args.ttl))
        sets += _ses_sets(args, domain, required=False)
    if args.format == "sesv2":
        if not args.ses:
            raise UsageError("--format sesv2 prints the SES BYODKIM calls: add --ses")
        private = key.ses_private_key_string()
        warn("the sesv2 bodies hold DomainSigningPrivateKey, which IS the private key: keep the files 0600")
        calls = ses_byodkim_calls(domain, selector, private, args.region)
        sets[0] = RecordSet(byod.title, byod.records, byod.notes, calls)
    if args.json and args.format == "zone":
        args.format = "json"
    _print(sets, args.format)
    return 0

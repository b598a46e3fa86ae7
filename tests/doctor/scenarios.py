"""One zone-file scenario per doctor finding code: a change to the good world (tests/doctor/world.py) that makes
that code fire, and no other error. `kw` are diagnose() options over the defaults in DEFAULTS."""

from __future__ import annotations

from .world import KEY_1024, KEY_2048, KEY_2048_B, PRIVATE_1024, REGION, SES, key_512, txt

DEFAULTS = {"selectors": ("s1",), "ses_region": REGION, "ses_domain": SES}
COM, NET, REV = "example.com", "example.net", "2.0.192.in-addr.arpa"
GOOD_RUA = "rua=mailto:dmarc@example.com"


def spf(record: str) -> dict:
    return {COM: {"spf": f'@ IN TXT "{record}"'}}


def dmarc(record: str) -> dict:
    return {COM: {"dmarc": f'_dmarc IN TXT "{record}"'}}


def dkim(record: str) -> dict:
    return {COM: {"s1": f"s1._domainkey IN TXT {txt(record)}"}}


def includes(count: int) -> dict:
    terms = " ".join(f"include:i{n}.example.com" for n in range(count))
    zone = {f"i{n}": f'i{n} IN TXT "v=spf1 ip4:192.0.2.{n + 1} -all"' for n in range(count)}
    return {COM: {"spf": "@ IN TXT " + txt(f"v=spf1 {terms} ~all"), **zone}}


def merge(*parts: dict) -> dict:
    out: dict = {}
    for part in parts:
        for origin, lines in part.items():
            out.setdefault(origin, {}).update(lines)
    return out


LONG_SPF = "v=spf1 " + " ".join(f"ip4:198.51.100.{n}" for n in range(1, 26)) + " include:amazonses.example.net ~all"

# code: (changes, diagnose options, faults.txt, domain)
SCENARIOS: dict[str, tuple] = {
    "SPF_OK": ({}, {}, "", COM),
    "SPF_NONE": ({COM: {"spf": None}}, {}, "", COM),
    "SPF_MULTIPLE": ({COM: {"spf2": '@ IN TXT "v=spf1 -all"'}}, {}, "", COM),
    "SPF_RECORD_LONG": ({COM: {"spf": f"@ IN TXT {txt(LONG_SPF)}"}}, {}, "", COM),
    "SPF_SYNTAX": (spf("v=spf1 include:amazonses.example.net foo:bar ~all"), {}, "", COM),
    "SPF_AFTER_ALL": (spf("v=spf1 include:amazonses.example.net ~all -all"), {}, "", COM),
    "SPF_PLUS_ALL": (spf("v=spf1 +all"), {}, "", COM),
    "SPF_NEUTRAL_ALL": (spf("v=spf1 include:amazonses.example.net ?all"), {}, "", COM),
    "SPF_NO_ALL": (spf("v=spf1 include:amazonses.example.net"), {}, "", COM),
    "SPF_PTR": (spf("v=spf1 ptr ~all"), {}, "", COM),
    "SPF_DNS_ERROR": ({}, {}, "amazonses.example.net TXT TIMEOUT\n", COM),
    "SPF_INCLUDE_LOOP": (
        merge(
            spf("v=spf1 include:loop.example.com ~all"),
            {COM: {"loop": 'loop IN TXT "v=spf1 include:example.com ~all"'}},
        ),
        {},
        "",
        COM,
    ),
    "SPF_INCLUDE_MISSING": (spf("v=spf1 include:nothing.example.net ~all"), {}, "", COM),
    "SPF_INCLUDE_BROKEN": (
        merge(spf("v=spf1 include:broken.example.net ~all"), {NET: {"broken": 'broken IN TXT "v=spf1 bogus -all"'}}),
        {},
        "",
        COM,
    ),
    "SPF_MX_TOO_MANY": (
        merge(
            spf("v=spf1 mx:many.example.com ~all"),
            {COM: {f"many{n}": f"many IN MX {n} mx.example.com." for n in range(11)}},
        ),
        {},
        "",
        COM,
    ),
    "SPF_TOO_MANY_LOOKUPS": (includes(11), {}, "", COM),
    "SPF_LOOKUPS_NEAR_LIMIT": (includes(9), {}, "", COM),
    "SPF_TOO_MANY_VOID": (spf("v=spf1 a:v1.example.com a:v2.example.com a:v3.example.com ~all"), {}, "", COM),
    "SPF_IP_PASS": ({}, {"ip": "192.0.2.130"}, "", COM),
    "SPF_IP_NOT_PASS": (
        {REV: {"7": "7 IN PTR out7.example.net."}, NET: {"out7": "out7 IN A 192.0.2.7"}},
        {"ip": "192.0.2.7"},
        "",
        COM,
    ),
    "DKIM_OK": ({}, {}, "", COM),
    "DKIM_NO_SELECTOR": ({}, {"selectors": ()}, "", COM),
    "DKIM_DNS_ERROR": ({}, {}, "s1._domainkey.example.com TXT TIMEOUT\n", COM),
    "DKIM_MISSING": ({}, {"selectors": ("nope",)}, "", COM),
    "DKIM_ESP_CNAME": ({}, {"selectors": ("tok1", "tok2", "tok3")}, "", COM),
    "DKIM_MULTIPLE": ({COM: {"s1b": f"s1._domainkey IN TXT {txt('v=DKIM1; k=rsa; p=' + KEY_2048_B)}"}}, {}, "", COM),
    "DKIM_REVOKED": (dkim("v=DKIM1; k=rsa; p="), {}, "", COM),
    "DKIM_KEY_WEAK": (dkim("v=DKIM1; k=rsa; p=" + key_512()), {}, "", COM),
    "DKIM_KEY_SHORT": (dkim("v=DKIM1; k=rsa; p=" + KEY_1024), {}, "", COM),
    "DKIM_TESTING": (dkim("v=DKIM1; k=rsa; t=y; p=" + KEY_2048), {}, "", COM),
    "DKIM_SHA1_ONLY": (dkim("v=DKIM1; k=rsa; h=sha1; p=" + KEY_2048), {}, "", COM),
    "DKIM_PRIVATE_KEY": (dkim("v=DKIM1; k=rsa; p=" + PRIVATE_1024), {}, "", COM),
    "DKIM_TRUNCATED": (dkim(("v=DKIM1; k=rsa; p=" + KEY_2048)[:255]), {}, "", COM),
    "DKIM_K_MISMATCH": (dkim("v=DKIM1; k=ed25519; p=" + KEY_2048), {}, "", COM),
    "DKIM_SYNTAX": (dkim("v=DKIM1; k=rsa; p=!!not-base64!!"), {}, "", COM),
    "DMARC_OK": ({}, {}, "", COM),
    "DMARC_NONE": ({COM: {"dmarc": None, "bimi": None}}, {}, "", COM),
    "DMARC_INHERITED": (
        {COM: {"sub": "sub IN A 192.0.2.81"}},
        {"selectors": (), "ses_region": None},
        "",
        "sub.example.com",
    ),
    "DMARC_MULTIPLE": ({COM: {"dmarc2": f'_dmarc IN TXT "v=DMARC1; p=none; {GOOD_RUA}"'}}, {}, "", COM),
    "DMARC_V_NOT_FIRST": (merge(dmarc(f"p=reject; v=DMARC1; {GOOD_RUA}"), {COM: {"bimi": None}}), {}, "", COM),
    "DMARC_DNS_ERROR": ({}, {}, "_dmarc.example.com TXT TIMEOUT\n", COM),
    "DMARC_UNKNOWN_TAG": (dmarc(f"v=DMARC1; p=reject; {GOOD_RUA}; adkm=s"), {}, "", COM),
    "DMARC_BAD_VALUE": (dmarc(f"v=DMARC1; p=reject; {GOOD_RUA}; adkim=x"), {}, "", COM),
    "DMARC_BAD_POLICY": (merge(dmarc(f"v=DMARC1; p=rejct; {GOOD_RUA}"), {COM: {"bimi": None}}), {}, "", COM),
    "DMARC_NO_POLICY": (merge(dmarc(f"v=DMARC1; {GOOD_RUA}"), {COM: {"bimi": None}}), {}, "", COM),
    "DMARC_PCT": (merge(dmarc(f"v=DMARC1; p=reject; pct=50; {GOOD_RUA}"), {COM: {"bimi": None}}), {}, "", COM),
    "DMARC_LEGACY_TAG": (dmarc(f"v=DMARC1; p=reject; {GOOD_RUA}; ri=3600"), {}, "", COM),
    "DMARC_NO_RUA": (dmarc("v=DMARC1; p=reject"), {}, "", COM),
    "DMARC_URI_SYNTAX": (dmarc("v=DMARC1; p=reject; rua=dmarc@example.com"), {}, "", COM),
    "DMARC_EXTERNAL_OK": ({}, {}, "", COM),
    "DMARC_EXTERNAL_UNAUTHORIZED": ({NET: {"report-auth": None}}, {}, "", COM),
    "DMARC_TESTING": (merge(dmarc(f"v=DMARC1; p=reject; t=y; {GOOD_RUA}"), {COM: {"bimi": None}}), {}, "", COM),
    "DMARC_NEXT_STEP": (merge(dmarc(f"v=DMARC1; p=quarantine; {GOOD_RUA}"), {COM: {"bimi": None}}), {}, "", COM),
    "DMARC_ENFORCED": ({}, {}, "", COM),
    "DOMAIN_INVALID": ({}, {}, "", "example..com"),
    "DOMAIN_IDN": (
        {
            "xn--bcher-kva.example": {
                "spf": '@ IN TXT "v=spf1 -all"',
                "mx": "@ IN MX 0 .",
                "dmarc": '_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:d@xn--bcher-kva.example"',
            }
        },
        {"selectors": (), "ses_region": None},
        "",
        "bücher.example",
    ),
    "DOMAIN_NOT_FOUND": ({}, {}, "", "nowhere.example.com"),
    "MX_OK": ({}, {}, "", COM),
    "MX_NONE": ({COM: {"mx": None}}, {}, "", COM),
    "MX_NULL": ({COM: {"mx": "@ IN MX 0 ."}}, {}, "", COM),
    "MX_NULL_MIXED": ({COM: {"mx0": "@ IN MX 0 ."}}, {}, "", COM),
    "MX_TARGET_MISSING": ({COM: {"mx": "@ IN MX 10 gone.example.com."}}, {}, "", COM),
    "MX_DNS_ERROR": ({}, {}, "example.com MX TIMEOUT\n", COM),
    "ADDRESS_OK": ({}, {}, "", COM),
    "ADDRESS_NONE": ({COM: {"a": None}}, {}, "", COM),
    "MAILFROM_OK": ({}, {}, "", COM),
    "MAILFROM_NOT_SET": ({COM: {"mailfrom-mx": None, "mailfrom-spf": None}}, {}, "", COM),
    "MAILFROM_MX_MISSING": ({COM: {"mailfrom-mx": None}}, {}, "", COM),
    "MAILFROM_MX_WRONG": ({COM: {"mailfrom-mx": "mail IN MX 10 mx.example.com."}}, {}, "", COM),
    "MAILFROM_SPF_MISSING": ({COM: {"mailfrom-spf": None}}, {}, "", COM),
    "MAILFROM_SPF_NO_SES": ({COM: {"mailfrom-spf": 'mail IN TXT "v=spf1 ip4:192.0.2.1 ~all"'}}, {}, "", COM),
    "MAILFROM_DNS_ERROR": ({}, {}, "mail.example.com MX TIMEOUT\n", COM),
    "PTR_OK": ({}, {"ip": "192.0.2.130"}, "", COM),
    "PTR_MISSING": ({}, {"ip": "192.0.2.131"}, "", COM),
    "PTR_NOT_CONFIRMED": ({REV: {"132": "132 IN PTR out130.example.net."}}, {"ip": "192.0.2.132"}, "", COM),
    "PTR_GENERIC": (
        {REV: {"133": "133 IN PTR 192-0-2-133.dsl.example.net."}, NET: {"dsl": "192-0-2-133.dsl IN A 192.0.2.133"}},
        {"ip": "192.0.2.133"},
        "",
        COM,
    ),
    "PTR_DNS_ERROR": ({}, {"ip": "192.0.2.130"}, "130.2.0.192.in-addr.arpa PTR TIMEOUT\n", COM),
    "MTA_STS_OK": ({}, {}, "", COM),
    "MTA_STS_NONE": ({COM: {"mta-sts": None}}, {}, "", COM),
    "MTA_STS_BAD": ({COM: {"mta-sts": '_mta-sts IN TXT "v=STSv1; id=not_ok!"'}}, {}, "", COM),
    "MTA_STS_DNS_ERROR": ({}, {}, "_mta-sts.example.com TXT TIMEOUT\n", COM),
    "TLS_RPT_OK": ({}, {}, "", COM),
    "TLS_RPT_NONE": ({COM: {"tls-rpt": None}}, {}, "", COM),
    "TLS_RPT_BAD": ({COM: {"tls-rpt": '_smtp._tls IN TXT "v=TLSRPTv1; rua=ftp://example.com/x"'}}, {}, "", COM),
    "TLS_RPT_DNS_ERROR": ({}, {}, "_smtp._tls.example.com TXT TIMEOUT\n", COM),
    "BIMI_OK": ({}, {}, "", COM),
    "BIMI_NONE": ({COM: {"bimi": None}}, {}, "", COM),
    "BIMI_BAD": ({COM: {"bimi": 'default._bimi IN TXT "v=BIMI1; l=http://example.com/logo.svg"'}}, {}, "", COM),
    "BIMI_NEEDS_ENFORCEMENT": (dmarc(f"v=DMARC1; p=none; {GOOD_RUA}"), {}, "", COM),
    "BIMI_DNS_ERROR": ({}, {}, "default._bimi.example.com TXT TIMEOUT\n", COM),
}

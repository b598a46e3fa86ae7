"""Cases for the checkdmarc differential: one subdomain of example.com per case, SPF and DMARC records on it.

Case name -> (SPF record or None, DMARC record or None, extra zone lines). Served by knot to checkdmarc and read
from the same files by the zone-file resolver for doctor.
"""

from __future__ import annotations

from pathlib import Path

from .world import txt, write_world

GOOD_DMARC = "v=DMARC1; p=reject; rua=mailto:d@example.com"
GOOD_SPF = "v=spf1 include:amazonses.example.net ~all"
ELEVEN = " ".join(f"include:i{n}.example.com" for n in range(11))

SPF_CASES: dict[str, tuple[str | None, list[str]]] = {
    "spf-good": (GOOD_SPF, []),
    "spf-none": (None, []),
    "spf-plusall": ("v=spf1 +all", []),
    "spf-neutralall": ("v=spf1 include:amazonses.example.net ?all", []),
    "spf-noall": ("v=spf1 include:amazonses.example.net", []),
    "spf-afterall": ("v=spf1 include:amazonses.example.net ~all -all", []),
    "spf-ptr": ("v=spf1 ptr ~all", []),
    "spf-syntax": ("v=spf1 include:amazonses.example.net foo:bar ~all", []),
    "spf-badcidr": ("v=spf1 ip4:192.0.2.0/33 ~all", []),
    "spf-missing-include": ("v=spf1 include:nothing.example.net ~all", []),
    "spf-loop": ("v=spf1 include:spf-loop.example.com ~all", []),
    "spf-eleven": (f"v=spf1 {ELEVEN} ~all", []),
    "spf-ten": ("v=spf1 " + " ".join(f"include:i{n}.example.com" for n in range(10)) + " ~all", []),
    "spf-void": ("v=spf1 a:v1.example.com a:v2.example.com a:v3.example.com ~all", []),
    "spf-mx-a": ("v=spf1 mx a ip4:192.0.2.1 -all", ["{name} IN MX 10 mx.example.com.", "{name} IN A 192.0.2.1"]),
    "spf-redirect": ("v=spf1 redirect=amazonses.example.net", []),
}
SPF_CASES["spf-multiple"] = (GOOD_SPF, ['{name} IN TXT "v=spf1 -all"'])

DMARC_CASES: dict[str, tuple[str | None, list[str]]] = {
    "dmarc-good": (GOOD_DMARC, []),
    "dmarc-v-not-first": ("p=none; v=DMARC1; rua=mailto:d@example.com", []),
    "dmarc-bad-policy": ("v=DMARC1; p=rejct; rua=mailto:d@example.com", []),
    "dmarc-no-policy": ("v=DMARC1; rua=mailto:d@example.com", []),
    "dmarc-unknown-tag": ("v=DMARC1; p=reject; rua=mailto:d@example.com; adkm=s", []),
    "dmarc-bad-adkim": ("v=DMARC1; p=reject; rua=mailto:d@example.com; adkim=x", []),
    "dmarc-no-mailto": ("v=DMARC1; p=reject; rua=d@example.com", []),
    "dmarc-external-unauth": ("v=DMARC1; p=reject; rua=mailto:d@elsewhere.example.net", []),
    "dmarc-external-auth": ("v=DMARC1; p=reject; rua=mailto:dmarc@reports.example.net", []),
    "dmarc-pct": ("v=DMARC1; p=reject; pct=50; rua=mailto:d@example.com", []),
    "dmarc-none-policy": ("v=DMARC1; p=none; rua=mailto:d@example.com", []),
    "dmarc-no-rua": ("v=DMARC1; p=reject", []),
    "dmarc-multiple": (GOOD_DMARC, ['_dmarc.{name} IN TXT "v=DMARC1; p=none"']),
    "dmarc-missing": (None, []),
}


def write_diff_world(folder: Path) -> Path:
    lines: dict[str, str] = {}
    for n in range(11):
        lines[f"i{n}"] = f'i{n} IN TXT "v=spf1 ip4:192.0.2.{n + 1} -all"'
    for case, (spf, extra) in SPF_CASES.items():
        lines[f"{case}-a"] = f"{case} IN A 192.0.2.80"
        if spf is not None:
            lines[f"{case}-spf"] = f"{case} IN TXT {txt(spf)}"
        lines.update({f"{case}-x{i}": line.format(name=case) for i, line in enumerate(extra)})
        lines[f"{case}-dmarc"] = f"_dmarc.{case} IN TXT {txt(GOOD_DMARC)}"
    lines["loop"] = 'spf-loop IN TXT "v=spf1 include:spf-loop.example.com ~all"'
    for case, (dmarc, extra) in DMARC_CASES.items():
        lines[f"{case}-a"] = f"{case} IN A 192.0.2.80"
        lines[f"{case}-spf"] = f"{case} IN TXT {txt(GOOD_SPF)}"
        if dmarc is not None:
            lines[f"{case}-dmarc"] = f"_dmarc.{case} IN TXT {txt(dmarc)}"
        lines.update({f"{case}-x{i}": line.format(name=case) for i, line in enumerate(extra)})
    # DMARC-20: reports.example.net authorizes the case that sends it reports
    auth = {"auth": 'dmarc-external-auth.example.com._report._dmarc.reports IN TXT "v=DMARC1"'}
    # the good world's own example.com _dmarc would apply to a case without one: remove it (dmarc-missing)
    # an empty com. zone, so that both sides see NXDOMAIN (not knot's REFUSED) when the tree walk reaches _dmarc.com
    return write_world(folder, {"example.com": {**lines, "dmarc": None}, "example.net": auth, "com": {}})

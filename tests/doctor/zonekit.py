"""Write small zone folders for doctor scenarios: each zone gets its SOA and NS, so knot can serve it too."""

from __future__ import annotations

from pathlib import Path

HEAD = """$ORIGIN {origin}.
$TTL 300
@ IN SOA ns1.{origin}. hostmaster.{origin}. ( 1 7200 3600 1209600 300 )
  IN NS ns1.{origin}.
ns1 IN A 192.0.2.53
"""


def write_zones(folder: Path, zones: dict[str, str], faults: str = "") -> Path:
    """`zones` maps an origin ("example.com") to zone-file lines relative to it."""
    folder.mkdir(parents=True, exist_ok=True)
    for origin, body in zones.items():
        (folder / f"{origin}.zone").write_text(HEAD.format(origin=origin) + body.strip("\n") + "\n", encoding="utf-8")
    if faults:
        (folder / "faults.txt").write_text(faults, encoding="utf-8")
    return folder

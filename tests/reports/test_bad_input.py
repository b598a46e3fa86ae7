"""Hostile and huge inputs (issue 10, "Bad input"; STANDARDS DMARC-22): each is a one-line error or a warning,
never a traceback, and memory stays flat while a 100 MB report streams through."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import zipfile
import zlib

import pytest
from reports.makers import SAMPLE, gzipped, messages_in, report_chunks, report_mail, report_xml

from toolkit.shells.cli import main

MB = 1 << 20


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(["report", *[str(a) for a in argv]])
    out, err = capsys.readouterr()
    return code, out, err


def one_error(capsys, path, *extra) -> str:
    """Parse `path` next to the sample: the sample still parses, `path` gets exactly one line on stderr."""
    code, out, err = run(capsys, "parse", *extra, path, SAMPLE)
    assert code == 1
    assert "1762 messages" in out
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err.strip()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE feedback [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<feedback><report_metadata><org_name>&d;</org_name></report_metadata></feedback>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE feedback [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<feedback><report_metadata><org_name>&x;</org_name></report_metadata></feedback>
"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE], ids=["entity-bomb", "external-entity"])
def test_entity_expansion_and_dtds_are_refused(capsys, tmp_path, data):
    path = tmp_path / "bomb.xml"
    path.write_bytes(data)
    assert "refused: the XML has a DOCTYPE" in one_error(capsys, path)


def _gzip_of_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * MB
    return b"".join([packer.compress(block) for _ in range(size // MB)] + [packer.flush()])


def test_gzip_bomb_stops_at_the_cap(capsys, tmp_path):
    path = tmp_path / "bomb.xml.gz"
    path.write_bytes(_gzip_of_zeros(400 * MB))  # 400 MB of zeros in under 1 MB
    assert path.stat().st_size < 2 * MB
    error = one_error(capsys, path)
    assert error.endswith("refused: more than 50 MB once decompressed (see --max-size)")
    assert "refused: more than 1 MB" in one_error(capsys, path, "--max-size", "1M")


def test_gzip_bomb_inside_a_report_mail(capsys, tmp_path):
    path = tmp_path / "bomb.eml"
    path.write_bytes(report_mail(_gzip_of_zeros(200 * MB), "r.xml.gz"))
    assert "refused: more than 50 MB once decompressed" in one_error(capsys, path)


def test_zip_bomb_stops_at_the_cap(capsys, tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("r.xml", "w") as member:
        for _ in range(300):
            member.write(b"\0" * MB)
    assert path.stat().st_size < 2 * MB
    assert "refused: more than 50 MB once decompressed" in one_error(capsys, path)


def test_zip_with_too_many_members(capsys, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(1000):
            archive.writestr(f"r{i}.xml", b"")
    path = tmp_path / "many.zip"
    path.write_bytes(buffer.getvalue())
    assert one_error(capsys, path).endswith("refused: zip has 1000 files, more than 50")


def test_nesting_is_capped(capsys, tmp_path):
    data = report_xml(1)
    for _ in range(6):
        data = gzip.compress(data, mtime=0)
    path = tmp_path / "deep.xml.gz"
    path.write_bytes(data)
    assert one_error(capsys, path).endswith("refused: containers nested deeper than 4")


def test_deep_elements_are_capped(capsys, tmp_path):
    path = tmp_path / "deep.xml"
    path.write_bytes(b"<feedback>" + b"<a>" * 100 + b"</a>" * 100 + b"</feedback>")
    assert one_error(capsys, path).endswith("refused: elements nested deeper than 32")


def test_50000_rows(capsys, tmp_path):
    path = tmp_path / "big.xml.gz"
    path.write_bytes(gzipped(report_xml(50_000)))
    code, out, err = run(capsys, "parse", path)
    assert (code, err) == (0, "")
    assert f"50000 records, {messages_in(50_000)} messages" in out


def _peak_rss_kb(path, *extra) -> tuple[int, str]:
    """Run `emlauth report parse` in a child and return the child's peak RSS (KB) and its stderr."""
    code = (
        "import resource, sys; from toolkit.shells.cli import main; rc = main(sys.argv[1:]); "
        "sys.stderr.write(f'PEAK {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n'); sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "report", "parse", *extra, str(path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    peak = int(result.stderr.rsplit("PEAK ", 1)[1].split()[0])
    return peak, result.stderr.rsplit("PEAK ", 1)[0] + f"rc={result.returncode}"


@pytest.mark.slow
def test_100_mb_report_streams_in_bounded_memory(tmp_path):
    small, big = tmp_path / "small.xml", tmp_path / "big.xml"
    with small.open("wb") as f:
        f.writelines(report_chunks(2_000))
    with big.open("wb") as f:
        f.writelines(report_chunks(240_000))
    assert big.stat().st_size > 100 * MB
    small_peak, _ = _peak_rss_kb(small, "--json")
    big_peak, err = _peak_rss_kb(big, "--json", "--max-size", "200M")
    assert err == "rc=0", err
    assert big_peak - small_peak < 30 * 1024, (small_peak, big_peak)  # KB: 50x the rows, under 30 MB more
    # without --max-size the 50 MB default refuses it, in one line
    _, err = _peak_rss_kb(big)
    assert err.strip().splitlines() == [
        f"emlauth report parse: {big}: refused: more than 50 MB once decompressed (see --max-size)",
        "rc=1",
    ]

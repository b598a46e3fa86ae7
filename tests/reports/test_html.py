"""`emlauth report html`: one self-contained page, rendered by a real headless Chromium (Debian `chromium`):
the key numbers are in the DOM, the failing sources are highlighted, and the screenshot is not blank."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from toolkit.shells.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "reports"
INPUTS = sorted(SAMPLES.glob("*.xml")) + sorted(SAMPLES.glob("*.eml"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def chromium(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium not found: apt-get install chromium (scripts/setup.sh does)", pytrace=False)
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={cwd}/profile",
         "--window-size=1200,1600", *args],
        capture_output=True, text=True, timeout=120, cwd=cwd, check=False,
    )  # fmt: skip


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes): width, height and the unfiltered rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * channels, [], bytes(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            predictor = (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]
            line[i] = (line[i] + predictor) & 0xFF
        prev = bytes(line)
        rows.append(b"".join(prev[x : x + 3] for x in range(0, stride, channels)))
    return width, height, rows


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_html_page_in_headless_chromium(tmp_path, capsys, lang):
    db = tmp_path / "reports.db"
    assert main(["report", "ingest", *map(str, INPUTS), "--db", str(db)]) == 0
    capsys.readouterr()
    page = tmp_path / "reports.html"
    argv = ["report", "html", "--db", str(db), "--zones", str(SAMPLES / "zones"), "-o", str(page), "--lang", lang]
    assert main(argv) == 0
    assert capsys.readouterr().out == f"wrote {page}: 1 domain(s), 4,661 messages\n"
    html = page.read_text()
    assert not re.search(r"(src|href)=|https?://|<script", html)  # self-contained: nothing to fetch, no script

    dom = chromium("--dump-dom", page.as_uri(), cwd=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = dom.stdout
    assert '<div class="stat" data-stat="messages"><b>4,661</b>' in text
    assert re.search(r'data-stat="pass_rate"><b>8\d\.\d%</b>', text)
    assert "<svg" in text and text.count("<rect") == 6  # two bars per day, three days
    failing = re.findall(r'<tr class="fail" data-kind="(\w+)">', text)
    assert sorted(failing) == ["mailing_list", "unaligned"]
    assert 'class="verdict not_ready"' in text
    assert ("270 messages" if lang == "en" else "270 通") in text
    if lang == "ja":
        assert "判定: まだ早いです。" in text

    shot = tmp_path / "shot.png"
    result = chromium(f"--screenshot={shot}", page.as_uri(), cwd=tmp_path)
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    width, height, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 1600)
    colors = {}
    for row in rows[::4]:
        for x in range(0, len(row), 12):
            colors[row[x : x + 3]] = colors.get(row[x : x + 3], 0) + 1
    assert len(colors) > 20  # not blank
    assert colors.get(bytes.fromhex("2f6db5"), 0) > 50  # the passing bars are drawn
    assert colors.get(bytes.fromhex("fde8e6"), 0) > 50  # the failing sources are highlighted

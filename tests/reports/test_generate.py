"""`emlauth report generate` over a store of recorded messages, on SQLite and on a real PostgreSQL server.

Catches: reports that do not validate against the RFC schemas (DMARC-21/22), a report spanning two policy
domains, lost or double-counted messages, the wrong default period, files written outside --out (a symlink in
--out is refused, not followed), and tracebacks instead of one-line errors.
"""

from __future__ import annotations

import gzip
import os
import sqlite3

import pytest
from support.report_world import DAY, in_day, read_reports, record_samples, schema

from toolkit.shells.cli import main

ARGS = ["report", "generate", "--org-name", "Receiver Test", "--email", "dmarc-reports@receiver.test"]


def generate(db: str, out, *extra: str) -> int:
    return main([*ARGS, "--db", db, "--out", str(out), *extra])


@pytest.mark.parametrize("fmt", ["rfc9990", "rfc7489"])
def test_one_valid_report_per_policy_domain(store_url, tmp_path, capsys, fmt) -> None:
    records = record_samples(store_url)
    out = tmp_path / "out"
    out.mkdir()
    assert generate(store_url, out, "--day", "2026-03-02", "--format", fmt) == 0
    printed = capsys.readouterr().out
    names = sorted(p.name for p in out.iterdir())
    gz = [n for n in names if n.endswith(".xml.gz")]
    assert len(gz) == 3 and len(names) == 6  # example.com, example.org, strict.example.org: .xml.gz and .eml each
    for name in gz:
        receiver, domain, begin, end, rest = name.split("!")
        assert (receiver, begin, end) == ("receiver.test", str(DAY), str(DAY + 86399))
        assert rest.removesuffix(".xml.gz").isalnum()
        schema(fmt).validate(gzip.decompress((out / name).read_bytes()).decode())
        assert domain in printed
    parsed = read_reports(out)
    by_domain = {r.head.domain: r for r in parsed.values()}
    for domain, report in by_domain.items():  # every message under this policy domain, counted once
        assert report.messages == sum(1 for r in records if in_day(r) and r.policy_domain == domain)
        assert report.head.begin == DAY and report.head.format == fmt
    assert sum(r.messages for r in parsed.values()) == sum(1 for r in records if in_day(r)) == 15
    assert by_domain["example.org"].head.policy.p == "reject"
    # nothing outside --out but the store itself (SQLite's -wal and -shm files are the database's own)
    assert not [p for p in tmp_path.iterdir() if p.name != "out" and not p.name.startswith("reports.db")]


def test_default_period_is_the_previous_utc_day_and_iso_periods_agree(tmp_path, capsys) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    record_samples(db)
    outs = [tmp_path / name for name in ("default", "day", "iso", "epoch")]
    for out in outs:
        out.mkdir()
    assert generate(db, outs[0], "--now", str(DAY + 86400 + 3600)) == 0
    assert generate(db, outs[1], "--day", "2026-03-02") == 0
    assert generate(db, outs[2], "--begin", "2026-03-02T00:00:00+00:00", "--end", "2026-03-03") == 0
    assert generate(db, outs[3], "--begin", str(DAY), "--end", str(DAY + 86400)) == 0
    listings = [sorted(p.name for p in out.iterdir()) for out in outs]
    assert listings[0] and all(listing == listings[0] for listing in listings)
    # the same period again gives the same names and bytes (RFC 9990: a re-sent report keeps its file name)
    again = tmp_path / "again"
    again.mkdir()
    assert generate(db, again, "--day", "2026-03-02") == 0
    for name in listings[0]:
        if name.endswith(".xml.gz"):
            assert (again / name).read_bytes() == (outs[1] / name).read_bytes()


def test_a_period_without_mail_writes_nothing(tmp_path, capsys) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    record_samples(db)
    out = tmp_path / "out"
    out.mkdir()
    assert generate(db, out, "--day", "2026-03-05") == 0
    assert "no reports" in capsys.readouterr().out
    assert list(out.iterdir()) == []


def test_a_symlink_in_out_is_refused_not_followed(tmp_path, capsys) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    record_samples(db)
    first = tmp_path / "first"
    first.mkdir()
    assert generate(db, first, "--day", "2026-03-02") == 0
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    name = next(p.name for p in first.iterdir() if p.name.endswith(".xml.gz"))
    os.symlink(victim, out / name)
    assert generate(db, out, "--day", "2026-03-02") == 2
    err = capsys.readouterr().err
    assert "cannot write" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert victim.read_text() == "keep me"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--begin", "2026-03-02"], "--begin needs --end"),
        (["--begin", "2026-03-03", "--end", "2026-03-02"], "--end must be after --begin"),
        (["--end", "2026-03-02"], "--end needs --begin"),
        (["--send"], "--send needs --smtp"),
    ],
)
def test_usage_errors_are_one_line(tmp_path, capsys, extra, message) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    record_samples(db)
    assert generate(db, tmp_path, *extra) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_store_problems_are_one_line(tmp_path, capsys) -> None:
    assert generate(str(tmp_path / "missing.db"), tmp_path) == 2
    assert "no report store" in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()  # generating never creates a store
    newer = tmp_path / "newer.db"
    record_samples(f"sqlite:///{newer}")
    with sqlite3.connect(newer) as conn:
        conn.execute("INSERT INTO emlauth_schema (version, description) VALUES (99, 'from the future')")
    assert generate(str(newer), tmp_path) == 2
    err = capsys.readouterr().err
    assert "newer than this emlauth knows" in err and "Traceback" not in err
    assert generate(str(newer), tmp_path / "nope", "--day", "2026-03-02") == 2
    assert "no such directory" in capsys.readouterr().err

"""Recording verified messages (--record) on SQLite and PostgreSQL: once per message, from several processes at
once, from the pipeline's and milter's own Report (no second verification), rejected mail included, and never at
the cost of a message when the store fails.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import smtplib

import pytest
from support.report_world import CASES, SAMPLES, record_samples, sample_reports

from toolkit.core.dmarc.report_xml_record import record_from_report
from toolkit.resolvers.zonefile import ZoneFileResolver
from toolkit.shells import cmd_mail
from toolkit.shells.cli import main
from toolkit.shells.common import UsageError
from toolkit.shells.hooks import DmarcAction, VerifyHandler
from toolkit.shells.record import Recorder, RecordHandler
from toolkit.shells.smtp import Pipeline
from toolkit.shells.store import StoreError, open_store

AUTHSERV = "mx.receiver.test"


def _rows(url: str, columns: str = "message_key") -> list[tuple]:
    with open_store(url) as store:
        return store.query(f"SELECT {columns} FROM recorded_message ORDER BY id")


def test_the_same_message_is_recorded_once(store_url) -> None:
    records = record_samples(store_url)
    recorder = Recorder(store_url)
    assert recorder.add(records) == 0  # already there: nothing new
    assert recorder.add(records[:3] + records[:3]) == 0
    recorder.close()
    keys = [k for (k,) in _rows(store_url)]
    assert len(keys) == len(set(keys)) == len(CASES)


def _writer(url: str, keys: list[str]) -> None:
    base = record_from_report(sample_reports()[0][1], 1772442120, ["ann@receiver.test"])
    recorder = Recorder(url, timeout=30)
    for key in keys:  # one transaction per message, as the milter writes: the most contention
        recorder.add([dataclasses.replace(base, message_key=key)])
    recorder.close()


def test_two_processes_recording_into_one_store_lose_and_double_nothing(store_url) -> None:
    Recorder(store_url).close()  # create the schema first, as the first milter to start would
    a = [f"a{i}" for i in range(150)] + [f"both{i}" for i in range(100)]
    b = [f"b{i}" for i in range(150)] + [f"both{i}" for i in range(100)]
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_writer, args=(store_url, keys)) for keys in (a, b)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    keys = [k for (k,) in _rows(store_url)]
    assert len(keys) == len(set(keys)) == 400  # 150 + 150 + 100 shared, each exactly once


def _send(pipeline: Pipeline, case: dict, rcpt: str) -> bool:
    raw = (SAMPLES / case["file"]).read_bytes()
    with smtplib.SMTP(pipeline.host, pipeline.port, timeout=30) as client:
        client.ehlo("localhost")
        client.docmd("XCLIENT", f"ADDR={case['ip']} NAME=sender.test HELO={case['helo']}")
        client.ehlo(case["helo"])
        try:
            client.sendmail(case["mail_from"], [rcpt], raw)
        except smtplib.SMTPDataError as exc:
            assert exc.smtp_code == 550
            return False
    return True


class CountingVerify(VerifyHandler):
    calls = 0

    def verify(self, *args):
        CountingVerify.calls += 1
        return super().verify(*args)


def test_the_pipeline_records_its_own_report_rejected_mail_included(store_url, tmp_path) -> None:
    cases = {c["name"]: c for c in CASES}
    verify = CountingVerify(ZoneFileResolver(SAMPLES / "zones"), AUTHSERV, clock=lambda: 1772443920.0,
                            dmarc_action=DmarcAction.REJECT)  # fmt: skip
    CountingVerify.calls = 0
    handler = RecordHandler(verify, Recorder(store_url), clock=lambda: 1772443920.0)
    with Pipeline(handler, maildir=tmp_path / "Maildir") as pipeline:
        assert _send(pipeline, cases["forwarded"], "ann@receiver.test") is True
        assert _send(pipeline, cases["spoofed-from"], "bob@shop.receiver.test") is False  # p=reject: rejected
        delivered = pipeline.messages()
    assert len(delivered) == 1
    assert CountingVerify.calls == 2  # one verification per message: recording did not verify again
    rows = _rows(store_url, "source_ip, header_from, envelope_to, disposition, dmarc_result, received_at")
    assert rows == [
        ("198.51.100.40", "example.org", "receiver.test", "pass", "pass", 1772443920),
        ("203.0.113.66", "example.org", "shop.receiver.test", "quarantine", "fail", 1772443920),
    ]


def test_a_store_that_fails_never_costs_the_message(tmp_path, caplog) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    recorder = Recorder(url)
    with open_store(url) as store:
        store.execute("DROP TABLE recorded_message")  # every insert fails from now on
    cases = {c["name"]: c for c in CASES}
    verify = VerifyHandler(ZoneFileResolver(SAMPLES / "zones"), AUTHSERV, clock=lambda: 1772443020.0)
    with Pipeline(RecordHandler(verify, recorder), maildir=tmp_path / "Maildir") as pipeline:
        assert _send(pipeline, cases["forwarded"], "ann@receiver.test") is True
        assert len(pipeline.messages()) == 1
    assert "not recorded for DMARC reports" in caplog.text


def test_milter_and_pipeline_options(tmp_path) -> None:
    parser = __import__("argparse").ArgumentParser()
    cmd_mail.register(parser.add_subparsers(dest="command"))
    url = f"sqlite:///{tmp_path / 'r.db'}"
    args = parser.parse_args(["milter", "--listen", "inet:127.0.0.1:0", "--authserv-id", AUTHSERV,
                              "--zones", str(SAMPLES / "zones"), "--record", url])  # fmt: skip
    handler = cmd_mail.build_handler(args)
    assert isinstance(handler, RecordHandler) and handler.needs("rcpt") and handler.needs("header")
    args = parser.parse_args(["pipeline", "--maildir", str(tmp_path / "md"), "--authserv-id", AUTHSERV,
                              "--no-verify", "--record", url])  # fmt: skip
    with pytest.raises(UsageError, match="--record needs verification"):
        cmd_mail.build_handler(args)


def test_verify_eml_record_reports_new_and_known(tmp_path, capsys) -> None:
    maildir = tmp_path / "Maildir"
    (maildir / "cur").mkdir(parents=True)
    (maildir / "new").mkdir()
    for case in CASES[:4]:
        (maildir / "cur" / case["file"].split("/")[1]).write_bytes((SAMPLES / case["file"]).read_bytes())
    url = f"sqlite:///{tmp_path / 'r.db'}"
    argv = ["--zones", str(SAMPLES / "zones"), "--ip", "198.51.100.17", "--mail-from", "x@mail.example.com",
            "--now", "1772442120", "--header-only", "--record", url, str(maildir)]  # fmt: skip
    main(["verify", *argv])
    assert "recorded 4 new message(s)" in capsys.readouterr().err
    main(["verify", *argv])
    err = capsys.readouterr().err
    assert "recorded 0 new message(s)" in err and "(4 already there)" in err
    assert len(_rows(url)) == 4
    assert main(["verify", *argv[:-3], "--record", str(tmp_path / "no" / "such" / "dir.db"), str(maildir)]) == 2
    capsys.readouterr()
    no_ip = ["--zones", str(SAMPLES / "zones"), "--now", "1772442120", "--header-only", "--record", url, str(maildir)]
    main(["verify", *no_ip])  # without a client IP there is no source_ip for the report: said, not recorded
    err = capsys.readouterr().err
    assert err.count("not recorded: no client IP") == 4 and "recorded 0 new message(s)" in err


def test_the_milter_records_its_own_report_with_the_recipient_domain(store_url) -> None:
    from support.milter_client import MilterClient

    from toolkit.shells.milter import BackgroundMilter

    case = {c["name"]: c for c in CASES}["forwarded"]
    verify = CountingVerify(ZoneFileResolver(SAMPLES / "zones"), AUTHSERV, clock=lambda: float(case["now"]))
    CountingVerify.calls = 0
    handler = RecordHandler(verify, Recorder(store_url), clock=lambda: float(case["now"]))
    raw = (SAMPLES / case["file"]).read_bytes()
    with BackgroundMilter(handler) as milter, MilterClient((milter.host, milter.port)) as client:
        client.negotiate()
        client.connect(ip=case["ip"], hostname=case["helo"])
        outcome = client.transaction(raw, case["mail_from"], ["ann@receiver.test"], helo=case["helo"])
        assert outcome.code == b"c"  # continue: the message goes on, with our A-R
        client.quit()
    assert CountingVerify.calls == 1
    rows = _rows(store_url, "source_ip, header_from, envelope_from, envelope_to, dkim_aligned, spf_aligned")
    assert rows == [("198.51.100.40", "example.org", "example.org", "receiver.test", "pass", "fail")]


def test_a_locked_store_is_one_line_for_verify_eml(tmp_path, capsys) -> None:
    import sqlite3

    path = tmp_path / "r.db"
    Recorder(f"sqlite:///{path}").close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        recorder = Recorder(f"sqlite:///{path}", timeout=0.2)
        with pytest.raises(StoreError, match="locked by another process"):
            recorder.add([record_from_report(sample_reports()[0][1], 1772442120)])
        case = CASES[0]
        argv = ["verify", "--zones", str(SAMPLES / "zones"), "--ip", case["ip"], "--mail-from", case["mail_from"],
                "--now", str(case["now"]), "--header-only", "--record", str(path),
                str(SAMPLES / case["file"])]  # fmt: skip
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "locked" in err and "Traceback" not in err
    finally:
        holder.execute("ROLLBACK")
        holder.close()

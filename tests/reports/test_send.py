"""`report generate --send`: reports mailed to rua addresses through a real SMTP server on 127.0.0.1 (aiosmtpd).

Catches: sending to an external address without its `<domain>._report._dmarc.<host>` TXT v=DMARC1 (DMARC-20,
RFC 9990 §4), a 7489 `!size` limit ignored, a report email that is not the RFC's (subject, gzip attachment),
and a send failure that goes unreported.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import gzip
import socket

import pytest
from aiosmtpd.controller import Controller
from support.report_world import DAY, sample_reports, schema

from toolkit.core.dmarc.report_xml_record import record_from_report
from toolkit.shells.cli import main
from toolkit.shells.record import Recorder

ZONE = """$ORIGIN {origin}.
$TTL 300
@ IN SOA ns1.{origin}. hostmaster.{origin}. 1 7200 900 1209600 60
@ IN NS ns1.{origin}.
{extra}
"""


class Inbox:
    def __init__(self) -> None:
        self.mail: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.mail.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


@pytest.fixture
def inbox():
    box = Inbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, f"127.0.0.1:{port}"
    controller.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def zones(tmp_path):
    directory = tmp_path / "zones"
    directory.mkdir()
    # example.net accepts reports for example.com; example.org publishes nothing for it
    # reports.example.net swaps in another of its own addresses; bad.example.net tries to send them elsewhere
    (directory / "example.net.zone").write_text(ZONE.format(origin="example.net", extra="\n".join([
        'example.com._report._dmarc IN TXT "v=DMARC1"',
        'example.com._report._dmarc.reports IN TXT "v=DMARC1; rua=mailto:other@reports.example.net"',
        'example.com._report._dmarc.bad IN TXT "v=DMARC1; rua=mailto:victim@example.org"',
    ])))  # fmt: skip
    (directory / "example.org.zone").write_text(ZONE.format(origin="example.org", extra="www IN A 192.0.2.1"))
    # example.com's own record makes it the Organizational Domain of reports.example.com (tree walk, DMARC-15)
    (directory / "example.com.zone").write_text(
        ZONE.format(origin="example.com", extra='_dmarc IN TXT "v=DMARC1; p=none"')
    )
    return directory


def _store(tmp_path, rua: str) -> str:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    all_pass = sample_reports()[0][1]
    base = record_from_report(all_pass, DAY + 3600, ["ann@receiver.test"])
    assert base.policy_domain == "example.com"
    recorder = Recorder(url)
    recorder.add([dataclasses.replace(base, message_key=f"m{i}", rua=rua) for i in range(5)])
    recorder.close()
    return url


def _generate(url, out, zones, smtp, *extra) -> int:
    return main(["report", "generate", "--db", url, "--org-name", "Receiver Test", "--email",
                 "dmarc-reports@receiver.test", "--day", "2026-03-02", "--out", str(out), "--send", "--smtp", smtp,
                 "--zones", str(zones), *extra])  # fmt: skip


def test_only_authorized_destinations_get_the_report(tmp_path, zones, inbox, capsys) -> None:
    box, smtp = inbox
    rua = ("mailto:dmarc@example.com,mailto:agg@example.net,mailto:agg@example.org,https://x.test/,"
           "mailto:dmarc@reports.example.com,mailto:r@reports.example.net,mailto:x@bad.example.net")  # fmt: skip
    url = _store(tmp_path, rua)
    out = tmp_path / "out"
    out.mkdir()
    assert _generate(url, out, zones, smtp) == 0
    printed = capsys.readouterr().out
    assert sorted(r for rcpts, _ in box.mail for r in rcpts) == [
        "agg@example.net", "dmarc@example.com", "dmarc@reports.example.com", "other@reports.example.net"]  # fmt: skip
    assert "which names this address instead" in printed  # RFC 9990 §4 step 9: the override, same host
    assert "skipped x@bad.example.net: not authorized: its record redirects reports to another host" in printed
    assert "sent to dmarc@reports.example.com (same Organizational Domain as the policy domain)" in printed
    assert "sent to agg@example.net (authorized by example.com._report._dmarc.example.net TXT)" in printed
    assert (
        "skipped agg@example.org: not authorized: no v=DMARC1 record at example.com._report._dmarc.example.org"
        in printed
    )
    assert "only mailto: is supported" in printed
    for _, raw in box.mail:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert msg["Subject"].startswith("Report Domain: example.com Submitter: receiver.test Report-ID: ")
        (part,) = [p for p in msg.walk() if p.get_content_type() == "application/gzip"]
        assert part.get_filename().startswith("receiver.test!example.com!")
        schema("rfc9990").validate(gzip.decompress(part.get_content()).decode())


def test_7489_respects_the_size_limit_and_9990_ignores_it(tmp_path, zones, inbox, capsys) -> None:
    box, smtp = inbox
    url = _store(tmp_path, "mailto:dmarc@example.com!1k,mailto:agg@example.net!10m")
    out = tmp_path / "out"
    out.mkdir()
    assert _generate(url, out, zones, smtp, "--format", "rfc7489") == 0
    printed = capsys.readouterr().out
    assert [rcpts for rcpts, _ in box.mail] == [["agg@example.net"]]
    assert "skipped dmarc@example.com: report is" in printed and "over its !size limit of 1024" in printed
    box.mail.clear()
    assert _generate(url, out, zones, smtp) == 0  # DMARC-17: RFC 9989 mode ignores !size
    assert sorted(r for rcpts, _ in box.mail for r in rcpts) == ["agg@example.net", "dmarc@example.com"]


def test_an_unreachable_server_is_reported_and_exits_1(tmp_path, zones, capsys) -> None:
    url = _store(tmp_path, "mailto:dmarc@example.com")
    port = _free_port()  # nobody listens there
    out = tmp_path / "out"
    out.mkdir()
    assert _generate(url, out, zones, f"127.0.0.1:{port}") == 1
    captured = capsys.readouterr()
    assert "NOT sent to dmarc@example.com" in captured.err and "Traceback" not in captured.err
    assert any(p.name.endswith(".xml.gz") for p in out.iterdir())  # the report is still written

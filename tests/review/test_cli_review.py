"""Review of the user-facing shells: hostile input gives one line on stderr and exit 2; the walkthrough never
contradicts the verdicts it narrates."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from toolkit.shells import cli
from toolkit.shells.cli import main, sign_eml_main, verify_eml_main

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
ZONES = SAMPLES / "zones"
KEY = REPO / "keys" / "test" / "example.com" / "s2048.private.pem"
TEMPLATE = SAMPLES / "templates" / "messages" / "all-pass.eml"
SIGNER = ["-d", "example.com", "-s", "s2048", "-k", str(KEY)]


def outcome(capsys, entry, argv: list[str]) -> tuple[int, str, str]:
    """Exit code, stdout, stderr of one in-process run; argparse's SystemExit counts as an exit code."""
    try:
        code = entry(argv)
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_usage_error(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err


# -- standard input closed (`cmd <&-`): Python sets sys.stdin to None -----------------------------------------


@pytest.mark.parametrize(
    "entry, argv",
    [
        (verify_eml_main, ["--zones", str(ZONES), "-"]),
        (sign_eml_main, [*SIGNER, "-"]),
    ],
)
def test_closed_stdin_is_a_usage_error(capsys, monkeypatch, entry, argv):
    monkeypatch.setattr(sys, "stdin", None)
    code, out, err = outcome(capsys, entry, argv)
    assert_one_line_usage_error(code, err, "standard input")
    assert out == ""


# -- output paths ----------------------------------------------------------------------------------------------


def test_sign_output_dir_below_a_file_is_a_usage_error(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, _, err = outcome(capsys, sign_eml_main, [*SIGNER, "--output-dir", str(blocker / "out"), str(TEMPLATE)])
    assert_one_line_usage_error(code, err, "cannot create")


# -- argparse errors are one line too (no usage dump) ----------------------------------------------------------


@pytest.mark.parametrize(
    "entry, argv",
    [
        (verify_eml_main, ["--zones", str(ZONES), "--now", "abc", str(TEMPLATE)]),
        (sign_eml_main, [*SIGNER, "--now", "abc", str(TEMPLATE)]),
        (main, ["spf", "--ip", "192.0.2.1", "--mail-from", "a@example.com", "--max-void", "x"]),
        (main, ["keygen", "--domain", "example.com", "--selector", "s1", "--ttl", "-1"]),
        (main, ["no-such-command"]),
    ],
)
def test_argument_errors_are_one_line(capsys, entry, argv):
    code, _, err = outcome(capsys, entry, argv)
    assert_one_line_usage_error(code, err, "error:")
    assert "usage:" not in err


# -- bad --now: a negative or over-12-digit clock is a typo, and would write t=-5 into a signature ----------


@pytest.mark.parametrize("now", ["-5", str(10**12), "99999999999999999999", "1e9"])
@pytest.mark.parametrize("command", ["sign", "verify", "walkthrough"])
def test_bad_now_is_refused(capsys, tmp_path, command, now):
    argv = {
        "sign": ["sign", *SIGNER, "-o", str(tmp_path / "out.eml"), str(TEMPLATE)],
        "verify": ["verify", "--zones", str(ZONES), str(TEMPLATE)],
        "walkthrough": ["walkthrough", "all-pass"],
    }[command]
    code, out, err = outcome(capsys, main, [*argv, f"--now={now}"])
    assert_one_line_usage_error(code, err, "--now")
    assert out == "" and not (tmp_path / "out.eml").exists()


def test_sign_accepts_a_plain_now(capsys):
    code, out, _ = outcome(capsys, sign_eml_main, [*SIGNER, "--now", "1772442000", str(TEMPLATE)])
    assert code == 0 and "t=1772442000;" in out


# -- bad timeouts: nan, negative, zero ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "-1", "0", "inf"])
def test_bad_dns_timeout_is_refused(capsys, value):
    argv = ["spf", "--ip", "192.0.2.1", "--mail-from", "a@example.com", "--nameserver", "127.0.0.1:1"]
    code, out, err = outcome(capsys, main, [*argv, f"--dns-timeout={value}"])
    assert_one_line_usage_error(code, err, "--dns-timeout")
    assert out == ""


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_spf_time_budget_nan_is_refused(capsys, value):
    argv = ["spf", "--ip", "192.0.2.1", "--mail-from", "a@example.com", "--zones", str(ZONES)]
    code, out, err = outcome(capsys, main, [*argv, "--time-budget", value])
    assert_one_line_usage_error(code, err, "--time-budget")


# -- walkthrough --ip is checked like verify-eml's -------------------------------------------------------------


def test_walkthrough_bad_ip_is_refused(capsys):
    code, out, err = outcome(capsys, main, ["walkthrough", "all-pass", "--ip", "bad"])
    assert_one_line_usage_error(code, err, "--ip")
    assert out == ""


# -- milter and pipeline: caller errors before anything listens ------------------------------------------------


@pytest.fixture
def never_serve(monkeypatch):
    """If a check is missing, fail instead of serving forever."""
    from toolkit.shells import milter, smtp

    def refuse(*args, **kwargs):
        raise AssertionError("started serving despite bad arguments")

    monkeypatch.setattr(milter, "serve", refuse)
    monkeypatch.setattr(smtp.Pipeline, "serve_forever", refuse)


MILTER = ["milter", "--listen", "inet:127.0.0.1:1", "--zones", str(ZONES)]


@pytest.mark.parametrize(
    "extra, word",
    [
        (["--authserv-id", "mx.example.org", "--workers", "0"], "--workers"),
        (["--authserv-id", "bad id;"], "authserv-id"),
        (["--authserv-id", "mx.example.org", "--timeout", "nan"], "--timeout"),
    ],
)
def test_milter_bad_arguments(capsys, never_serve, extra, word):
    code, _, err = outcome(capsys, main, [*MILTER, *extra])
    assert_one_line_usage_error(code, err, word)


def test_milter_missing_sign_table_names_the_reason_once(capsys, never_serve, tmp_path):
    missing = tmp_path / "missing.table"
    code, _, err = outcome(capsys, main, [*MILTER, "--authserv-id", "mx.example.org", "--sign-table", str(missing)])
    assert_one_line_usage_error(code, err, "No such file or directory")
    assert "Errno" not in err


def test_pipeline_maildir_that_is_a_file(capsys, never_serve, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    argv = ["pipeline", "--listen", "127.0.0.1:1", "--maildir", str(blocker), "--authserv-id", "mx.example.org"]
    code, _, err = outcome(capsys, main, [*argv, "--zones", str(ZONES)])
    assert_one_line_usage_error(code, err, "--maildir")


# -- the walkthrough agrees with the verdicts ------------------------------------------------------------------


def walkthrough(capsys, name: str, *extra: str) -> tuple[int, str]:
    code, out, err = outcome(capsys, main, ["walkthrough", name, *extra])
    assert "Traceback" not in err
    return code, out


def summary(text: str) -> str:
    return text.split("In short", 1)[1] if "In short" in text else text.split("まとめ", 1)[1]


def test_summary_does_not_contradict_the_policy(capsys):
    # DMARC-11: p=reject alone gives a quarantine recommendation; the summary used to say "a receiver following
    # the domain's policy (reject) would treat the message as quarantine", which is self-contradictory
    code, text = walkthrough(capsys, "mailing-list")
    short = " ".join(summary(text).split())
    assert code == 1
    assert "would treat the message as" not in short
    assert "policy for failing mail is reject" in short and "recommended disposition: quarantine" in short
    assert "DMARC-11" in short


def test_temperror_names_no_disposition(capsys):
    # DMARC-7: a temperror applies no policy, so the narration must not recommend one right after saying so
    code, text = walkthrough(capsys, "dns-temperror")
    assert code == 3
    assert "no policy is applied" in text
    assert "recommended disposition" not in text and "Published policy" not in text


def test_pass_summary_names_each_identifier_once(capsys):
    _, text = walkthrough(capsys, "all-pass")
    short = " ".join(summary(text).split())
    assert "through DKIM (example.com) and SPF (mail.example.com)." in short
    assert "DKIM (example.com) and DKIM (example.com)" not in short


def test_japanese_wrap_does_not_split_a_domain(capsys):
    # a line with wide characters and a late space used to be cut mid-word ("header.d=example." / "org")
    _, text = walkthrough(capsys, "forwarded", "--lang", "ja")
    assert "header.d=example.org" in text
    assert not any(line.rstrip().endswith("example.") for line in text.splitlines())


def test_japanese_summary_for_reject(capsys):
    _, text = walkthrough(capsys, "mailing-list", "--lang", "ja")
    short = summary(text)
    assert "推奨する扱いは quarantine" in short and "DMARC-11" in short
    assert "として扱います" not in short


def test_entry_points_share_the_one_line_parser():
    assert isinstance(cli.build_parser(), cli.OneLineErrorParser)


@pytest.mark.parametrize("count", ["0", "-1"])
def test_verify_max_signatures_below_one_is_refused(capsys, count):
    # it used to mark every signature dkim=policy "too many signatures" and exit 1
    code, out, err = outcome(capsys, verify_eml_main, ["--zones", str(ZONES), "--max-signatures", count, str(TEMPLATE)])
    assert_one_line_usage_error(code, err, "--max-signatures")
    assert out == ""


# -- standard output closed or full: one line, exit 2 -----------------------------------------------------------


class _FullDisk:
    def write(self, data: object) -> int:
        raise OSError(28, "No space left on device")

    def flush(self) -> None:
        pass

    @property
    def buffer(self) -> _FullDisk:
        return self


SPF_PASS = ["spf", "--ip", "198.51.100.17", "--mail-from", "news@mail.example.com", "--zones", str(ZONES)]


@pytest.mark.parametrize(
    "entry, argv",
    [
        (verify_eml_main, ["--zones", str(ZONES), str(TEMPLATE)]),
        (sign_eml_main, [*SIGNER, str(TEMPLATE)]),
        (main, SPF_PASS),
        (main, ["walkthrough", "all-pass"]),
    ],
)
@pytest.mark.parametrize("stdout, words", [(None, "standard output is closed"), (_FullDisk(), "No space left")])
def test_unwritable_stdout_is_one_line(capsys, monkeypatch, entry, argv, stdout, words):
    monkeypatch.setattr(sys, "stdout", stdout)
    code = entry(argv)
    err = capsys.readouterr().err
    assert_one_line_usage_error(code, err, words)


def test_walkthrough_help_documents_its_exit_codes(capsys):
    # it returns verify's exit code (the samples give 0, 1 and 3) but its --help did not say so
    with pytest.raises(SystemExit):
        main(["walkthrough", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "exit codes" in text and "3 temporary DNS error" in text


def test_verify_help_says_what_zones_do_outside_every_zone(capsys, tmp_path):
    # the epilog said "a name outside every zone is a DNS error" (dmarc=temperror); the resolver answers NXDOMAIN
    (tmp_path / "example.com.zone").write_bytes((ZONES / "example.com.zone").read_bytes())
    code, out, _ = outcome(capsys, verify_eml_main, ["--zones", str(tmp_path), "--json", str(TEMPLATE)])
    assert code != 3 and '"temperror"' not in out
    with pytest.raises(SystemExit):
        verify_eml_main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "outside every zone is a DNS error" not in text
    assert "outside every zone does not exist (NXDOMAIN)" in text


def test_walkthrough_without_from_reads_as_sentences(capsys, tmp_path):
    # used to print "Author Domain: ?. ... asked these names: (no queries)" and "...record). the message has..."
    message = tmp_path / "no-from.eml"
    message.write_bytes(b"Subject: hi\r\n\r\nbody\r\n")
    code, text = walkthrough(capsys, str(message))
    assert code == 1
    assert "Author Domain: ?" not in text and "(no queries)" not in text
    assert "). the message" not in text and "Here: the message has no From field." in text


def test_batch_never_starts_more_workers_than_messages(monkeypatch):
    # `--jobs 300` on 18 messages forked 300 processes (the workers start up front)
    import os

    from toolkit.shells import batch

    forks: list[int] = []
    real_fork = os.fork

    def counting_fork() -> int:
        forks.append(1)  # counted in the parent; a child's copy of the list is its own
        return real_fork()

    monkeypatch.setattr(os, "fork", counting_fork)
    items = [batch.Item(f"m{i}", b"From: a@example.com\r\n\r\n") for i in range(batch.PARALLEL_THRESHOLD + 2)]
    seen: list[str] = []
    batch.run_items(items, lambda: lambda item: (0, b"", ""), 300, lambda item, _: seen.append(item.label), False)
    assert len(forks) == len(items) and seen == [i.label for i in items]


def test_explain_labels_each_message_of_a_batch(capsys):
    messages = [str(SAMPLES / "messages" / f"{name}.eml") for name in ("all-pass", "forwarded")]
    code, out, _ = outcome(capsys, verify_eml_main, ["--zones", str(ZONES), "--explain", *messages])
    assert code in (0, 1)
    assert out.count("Walkthrough:") == 2
    assert all(f"==> {m} <==" in out for m in messages)
    assert out.index(f"==> {messages[0]} <==") < out.index("Walkthrough:")

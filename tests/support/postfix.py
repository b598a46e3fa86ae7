"""A private Postfix instance for integration tests (Debian package `postfix`; must run as root).

    with start_postfix(milter="inet:127.0.0.1:8891", domains=["example.net"]) as pf:
        swaks --server 127.0.0.1:<pf.port> ...
        pf.wait_for_files(1)

Everything lives in one fresh directory under /tmp (mode 0755, because Postfix daemons run as `mail_owner` and
pytest's own tmp folders are 0700): config (`postfix -c <abs dir>`), queue_directory, data_directory, the virtual
Maildir base and the log (`maillog_file`, served by postlogd). smtpd listens on 127.0.0.1:<free port>; nothing
is chrooted; all recipients in `domains` are delivered by virtual(8) into one Maildir (`<base>/mailbox/`) as
`virtual_uid_maps` = the `postfix` user (virtual(8) needs no real user, local(8) would). XCLIENT is allowed from
127.0.0.0/8 so tests can play remote senders; after XCLIENT the client is no longer in mynetworks, so recipients
are accepted because their domains are virtual mailbox domains. Anything else goes to the `error` transport:
no mail ever leaves the machine.

Notes: Postfix reports start-up errors only to syslog unless stdout is a terminal, so `postfix start` runs under
`script -qec` to capture them; the milter must already listen when the first message arrives
(milter_default_action = tempfail otherwise defers it).
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"
SWAKS = shutil.which("swaks") or "/usr/bin/swaks"
MAIL_OWNER = "postfix"

MASTER_CF = """\
{port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None, timeout: float = 20.0) -> None:
    """Until something listens on 127.0.0.1:port; fails early if `process` (the would-be listener) exits."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"exited early: {process.stderr.read() if process.stderr else process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


def require_root() -> None:
    if os.geteuid() != 0:
        raise RuntimeError("the Postfix tests must run as root (Postfix's master starts as root)")
    try:
        pwd.getpwnam(MAIL_OWNER)
        grp.getgrnam("postdrop")
    except KeyError as exc:
        raise RuntimeError(
            "missing postfix user/group: groupadd -r postfix; groupadd -r postdrop; "
            "useradd -r -g postfix -d /var/spool/postfix -s /usr/sbin/nologin postfix"
        ) from exc
    if not Path(POSTFIX).exists():
        raise RuntimeError("postfix not installed (apt-get install postfix)")


@dataclass
class PostfixInstance:
    root: Path
    port: int
    milter: str | None
    domains: tuple[str, ...]
    extra: dict[str, str] = field(default_factory=dict)
    running: bool = False

    @property
    def config_dir(self) -> Path:
        return self.root / "etc"

    @property
    def maildir(self) -> Path:
        return self.root / "mail" / "mailbox"

    @property
    def log_file(self) -> Path:
        return self.root / "maillog"

    def main_cf(self) -> str:
        owner = pwd.getpwnam(MAIL_OWNER)
        settings = {
            "compatibility_level": "3.6",
            "queue_directory": str(self.root / "queue"),
            "data_directory": str(self.root / "data"),
            "command_directory": "/usr/sbin",
            "daemon_directory": "/usr/lib/postfix/sbin",
            "shlib_directory": "/usr/lib/postfix",
            "meta_directory": "/etc/postfix",
            "mail_owner": MAIL_OWNER,
            "setgid_group": "postdrop",
            "myhostname": "mx.example.net",
            "mydomain": "example.net",
            "myorigin": "$myhostname",
            "mydestination": "",
            "relay_domains": "",
            "relayhost": "",
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
            "default_transport": "error:no mail leaves the test instance",
            "relay_transport": "error:no relaying in the test instance",
            "virtual_mailbox_domains": " ".join(self.domains),
            "virtual_mailbox_base": str(self.root / "mail"),
            "virtual_mailbox_maps": "static:mailbox/",
            "virtual_uid_maps": f"static:{owner.pw_uid}",
            "virtual_gid_maps": f"static:{owner.pw_gid}",
            "virtual_minimum_uid": "1",
            "smtpd_authorized_xclient_hosts": "127.0.0.0/8",
            "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
            "smtpd_recipient_restrictions": "permit_mynetworks, reject_unauth_destination",
            "smtpd_milters": self.milter or "",
            "non_smtpd_milters": "",
            "milter_default_action": "tempfail",
            "milter_protocol": "6",
            "maillog_file": str(self.log_file),
            "maillog_file_prefixes": str(self.root),
            "biff": "no",
            "smtputf8_enable": "no",
            "smtpd_banner": "$myhostname ESMTP",
            "smtpd_tls_security_level": "none",
            "smtp_tls_security_level": "none",
            "notify_classes": "",
            "bounce_notice_recipient": "postmaster",
            "delay_warning_time": "0",
            "queue_run_delay": "5s",
            "minimal_backoff_time": "5s",
            "maximal_backoff_time": "10s",
            "in_flow_delay": "0",
            "smtpd_client_connection_rate_limit": "0",
            "smtpd_client_connection_count_limit": "0",
            "smtpd_error_sleep_time": "0",
            "smtpd_soft_error_limit": "1000",
            "smtpd_hard_error_limit": "1000",
            "default_process_limit": "50",
            "message_size_limit": "52428800",
            "virtual_mailbox_limit": "0",
        }
        settings.update(self.extra)
        return "".join(f"{k} = {v}\n" for k, v in settings.items())

    def write_config(self) -> None:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "main.cf").write_text(self.main_cf())
        (self.config_dir / "master.cf").write_text(MASTER_CF.format(port=f"127.0.0.1:{self.port}"))
        owner = pwd.getpwnam(MAIL_OWNER)
        for sub in ("queue", "data", "mail"):
            (self.root / sub).mkdir(exist_ok=True)
        os.chown(self.root / "data", owner.pw_uid, owner.pw_gid)
        os.chown(self.root / "mail", owner.pw_uid, owner.pw_gid)

    def postfix(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        # `script` gives postfix a terminal, so fatal start-up errors reach us instead of only syslog.
        command = " ".join([POSTFIX, "-c", str(self.config_dir), *args])
        result = subprocess.run(
            ["script", "-qec", command, "/dev/null"], capture_output=True, text=True, timeout=60, check=False
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"postfix {' '.join(args)} failed:\n{result.stdout}{result.stderr}\n{self.log_text()}")
        return result

    def start(self) -> PostfixInstance:
        require_root()
        self.write_config()
        self.postfix("start")
        self.running = True
        deadline = time.time() + 20
        while time.time() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                if sock.recv(100).startswith(b"220"):
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"postfix did not listen on 127.0.0.1:{self.port}\n{self.log_text()}")

    def stop(self) -> None:
        if not self.running:
            return
        pid_file = self.root / "queue" / "pid" / "master.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pid = None
        self.postfix("stop", check=False)
        self.running = False
        deadline = time.time() + 10
        while pid is not None and time.time() < deadline:  # master exits after its children
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def flush(self) -> None:
        """Ask the queue manager to retry deferred mail now."""
        self.postfix("flush", check=False)

    def log_text(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return "(no maillog)"

    def delivered_files(self) -> list[Path]:
        new, cur = self.maildir / "new", self.maildir / "cur"
        return sorted(p for d in (new, cur) if d.is_dir() for p in d.iterdir() if p.is_file())

    def delivered(self) -> list[bytes]:
        return [p.read_bytes() for p in self.delivered_files()]

    def queue_is_empty(self) -> bool:
        for sub in ("incoming", "active", "deferred", "maildrop", "hold"):
            d = self.root / "queue" / sub
            if d.is_dir() and any(p.is_file() for p in d.rglob("*")):
                return False
        return True

    def wait_for_files(self, count: int, timeout: float = 60.0) -> list[Path]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            files = self.delivered_files()
            if len(files) >= count:
                return files
            time.sleep(0.1)
        raise TimeoutError(f"{len(self.delivered_files())} of {count} messages delivered\n{self.log_text()[-4000:]}")

    def __enter__(self) -> PostfixInstance:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def start_postfix(
    milter: str | None, domains: Iterable[str] = ("example.net",), extra: dict[str, str] | None = None
) -> PostfixInstance:
    root = Path(tempfile.mkdtemp(prefix="emlauth-pf-", dir="/tmp"))
    root.chmod(0o755)
    return PostfixInstance(root, free_port(), milter, tuple(domains), dict(extra or {}))


def swaks(
    port: int,
    data: bytes,
    *,
    mail_from: str,
    to: str,
    helo: str,
    xclient_addr: str | None = None,
    xclient_name: str | None = None,
    timeout: float = 60.0,
    workdir: Path | None = None,
) -> subprocess.CompletedProcess:
    """Send one message with swaks (XCLIENT plays a remote sender; swaks says EHLO again after it, with --helo)."""
    with tempfile.NamedTemporaryFile("wb", suffix=".eml", dir=workdir, delete=False) as handle:
        handle.write(data)
        path = handle.name
    try:
        command = [SWAKS, "--server", f"127.0.0.1:{port}", "--from", mail_from, "--to", to, "--helo", helo]
        command += ["--data", "@" + path, "--timeout", str(int(timeout))]
        if xclient_addr:
            command += ["--xclient-addr", xclient_addr, "--xclient-helo", helo]
            if xclient_name:
                command += ["--xclient-name", xclient_name]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout + 10, check=False)
    finally:
        os.unlink(path)


@contextlib.contextmanager
def running_postfix(milter: str | None, **kwargs) -> Iterator[PostfixInstance]:
    instance = start_postfix(milter, **kwargs)
    try:
        yield instance.start()
    finally:
        instance.cleanup()


def smtp_send(
    port: int,
    data: bytes,
    *,
    mail_from: str,
    rcpts: list[str],
    helo: str,
    xclient_addr: str | None = None,
    timeout: float = 60.0,
) -> tuple[int, str]:
    """Send one message with smtplib (faster than swaks for many messages): (code, text) of the final reply.

    A refusal at any step is returned, not raised; 0 means the connection failed.
    """
    import smtplib

    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=timeout) as client:
            client.ehlo("localhost")
            if xclient_addr:
                code, text = client.docmd("XCLIENT", f"ADDR={xclient_addr} HELO={helo}")
                if code != 220:
                    return code, text.decode(errors="replace")
            client.ehlo(helo)
            client.sendmail(mail_from, rcpts, data)
            return 250, "queued"
    except smtplib.SMTPResponseException as exc:
        return exc.smtp_code, exc.smtp_error.decode(errors="replace")
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return code, text.decode(errors="replace")
    except (OSError, smtplib.SMTPException) as exc:
        return 0, str(exc)

"""Where the embedded SMTP pipeline (smtp.py) puts a message once the hooks have passed it: a Maildir (quarantined
mail in its `.Quarantine` folder) or the next hop over SMTP."""

from __future__ import annotations

import mailbox
import smtplib
import threading
from collections.abc import Sequence
from pathlib import Path


class MaildirDelivery:
    def __init__(self, path: Path | str, return_path: bool = False) -> None:
        self.path = Path(path)
        self.return_path = return_path
        self.maildir = mailbox.Maildir(self.path, create=True)
        self.lock = threading.Lock()

    def deliver(self, mail_from: str, rcpts: Sequence[str], message: bytes, quarantine: str | None = None) -> str:
        if self.return_path:  # the final delivery records the envelope sender (RFC 5321 §4.4), as virtual(8) does
            path = mail_from.replace("\r", "").replace("\n", "").replace(">", "")
            message = f"Return-Path: <{path}>\r\n".encode("utf-8", "surrogateescape") + message
        with self.lock:
            box = self.maildir
            if quarantine is not None:
                box = self.maildir.add_folder("Quarantine")
            return box.add(message.replace(b"\r\n", b"\n"))  # Maildir files use LF, as Postfix virtual(8) writes

    def messages(self, folder: str | None = None) -> list[bytes]:
        box = self.maildir.get_folder(folder) if folder else self.maildir
        return [box.get_bytes(key) for key in sorted(box.keys())]


class RelayDelivery:
    """Send the filtered message on to the next hop (quarantined mail gets an X-Emlauth-Quarantine field)."""

    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    def deliver(self, mail_from: str, rcpts: Sequence[str], message: bytes, quarantine: str | None = None) -> str:
        if quarantine is not None:
            message = b"X-Emlauth-Quarantine: " + quarantine.encode("utf-8", "replace") + b"\r\n" + message
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as client:
            client.sendmail(mail_from, list(rcpts), message)
        return f"relayed to {self.host}:{self.port}"

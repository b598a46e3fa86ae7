"""Interop corpus: messages that stress canonicalization and parsing, built in code (example domains only).

Every message has From in example.com, so that every peer (OpenDKIM only signs mail whose author domain is its
`Domain`) signs it as example.com. `data` is what a signer is handed; it is CRLF except for the bare-LF case, whose
`wire` form (what an MTA would transmit, and what peers are given) has each bare LF turned into CRLF. A bare CR is
data and stays in both (DKIM-22 as changed 2026-12-02: Postfix, OpenDKIM, Mail::DKIM and dkimpy all keep it).
"""

from __future__ import annotations

import base64
import random
import zlib
from dataclasses import dataclass

DOMAIN = "example.com"


@dataclass(frozen=True, slots=True)
class CorpusMessage:
    name: str
    data: bytes  # the bytes a signer is handed
    note: str

    @property
    def wire(self) -> bytes:
        """The CRLF form (DKIM-22, DKIM-28): what peers sign and what is on the wire."""
        return to_crlf(self.data)


def to_crlf(data: bytes) -> bytes:
    """Each bare LF becomes CRLF; a bare CR stays (DKIM-22)."""
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def _headers(subject: str = "Interop test", extra: str = "", to: str = "Bob <bob@example.org>") -> str:
    return (
        f"From: Alice <alice@{DOMAIN}>\n"
        f"To: {to}\n"
        f"Subject: {subject}\n"
        "Date: Sat, 28 Nov 2026 00:00:00 +0000\n"
        f"Message-ID: <interop-{zlib.crc32(subject.encode()):08x}@{DOMAIN}>\n"
        "MIME-Version: 1.0\n"
        f"{extra}"
    )


def _plain() -> bytes:
    return _crlf(_headers("Plain") + "Content-Type: text/plain; charset=us-ascii\n\nHello Bob,\n\nJust text.\n")


def _folded_headers() -> bytes:
    text = (
        f"From: Alice\n  <alice@{DOMAIN}>\n"
        "To: Bob <bob@example.org>,\n\tCarol <carol@example.net>,\n   Dave <dave@example.org>\n"
        "Subject: A subject that is folded\n over two lines\n\t and a third\n"
        "Date: Sat, 28 Nov 2026 00:00:00 +0000\n"
        f"Message-ID: <folded@{DOMAIN}>\n"
        "X-Tabs:\tvalue\twith\t\ttabs   and  spaces   \n"
        "\n"
        "Body after folded headers.\n"
    )
    return _crlf(text)


def _utf8_body() -> bytes:
    body = "Grüße aus Köln.\nЗдравствуйте. 日本語のテキスト。 ✉️ \nΑλφα  βήτα\t γάμμα\n"
    extra = "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n"
    return _crlf(_headers("8-bit body", extra) + "\n" + body)


def _multipart() -> bytes:
    attachment = base64.encodebytes(bytes(range(256)) * 3).decode("ascii")
    text = _headers("MIME multipart", 'Content-Type: multipart/mixed; boundary="=_outer"\n') + (
        "\n"
        "This is a multi-part message in MIME format.\n"
        "--=_outer\n"
        'Content-Type: multipart/alternative; boundary="=_inner"\n'
        "\n"
        "--=_inner\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "Caf=C3=A9 menu attached.=20\n"
        "Soft=\n"
        "break.\n"
        "--=_inner\n"
        "Content-Type: text/html; charset=utf-8\n"
        "\n"
        "<html><body><p>Caf&eacute; menu attached.</p></body></html>\n"
        "--=_inner--\n"
        "--=_outer\n"
        "Content-Type: application/octet-stream; name=menu.bin\n"
        "Content-Transfer-Encoding: base64\n"
        'Content-Disposition: attachment; filename="menu.bin"\n'
        "\n" + attachment + "--=_outer--\n"
    )
    return _crlf(text)


def _empty_body() -> bytes:
    return _crlf(_headers("Empty body") + "\n")


def _trailing_whitespace() -> bytes:
    body = "line with trailing spaces   \nline with trailing tab\t\n  leading  and   inner\t\truns \n\n \n\t\n\n\n\n"
    return _crlf(_headers("Trailing whitespace and blank lines") + "\n" + body)


def _only_blank_lines() -> bytes:
    return _crlf(_headers("Body of blank lines") + "\n\n\n\n")


def _no_final_newline() -> bytes:
    return _crlf(_headers("No final CRLF") + "\nThe last line has no line break.").rstrip(b"\r\n")


def _bare_lf() -> bytes:
    text = _headers("Bare LF line endings") + "\nThis file uses bare LF.\n  Indented line.\n\nEnd.\n"
    return text.encode("ascii")


def _mixed_eol() -> bytes:
    """CRLF, bare LF and bare CR in one file, as a Windows editor or a progress-bar log pasted into mail leaves it.
    The bare CRs (in a header value and in body lines, one before a space, one before the final CRLF run) are data."""
    head = _headers("Mixed line endings").replace("\n", "\r\n").replace("Subject: Mixed", "Subject: Mixed\r")
    body = (
        "Line with CRLF.\r\n"
        "Line with bare LF.\n"
        "progress 10%\rprogress 50% \rprogress 100%\r\n"
        "Trailing bare CR\r\r\n"
        "\r\n"
    )
    return (head + "\r\n" + body).encode("ascii")


def _long_lines() -> bytes:
    line = ("0123456789abcdefghijklmnopqrstuvwxyz" * 28)[:998]
    header = "X-Long: " + ("v" * 990)
    return _crlf(_headers("Long lines", header + "\n") + "\n" + line + "\n" + line[:500] + "   \n")


def _duplicated_headers() -> bytes:
    text = (
        "Received: from mx1.example.net (mx1.example.net [192.0.2.10])\n"
        "\tby mx.example.org; Sat, 28 Nov 2026 00:00:02 +0000\n"
        "Received: from mail.example.com (mail.example.com [198.51.100.7])\n"
        "\tby mx1.example.net; Sat, 28 Nov 2026 00:00:01 +0000\n"
        + _headers("Duplicated headers", "To: Carol <carol@example.net>\nX-Dup: one\nX-Dup: two\n")
        + "\nTwo Received, two To.\n"
    )
    return _crlf(text)


def _rfc2047() -> bytes:
    text = (
        f"From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@{DOMAIN}>\n"
        "To: =?ISO-8859-1?Q?Andr=E9?= <andre@example.org>\n"
        "Subject: =?UTF-8?B?w5xiZXIgZGllIEdyw7zDn2Ug4pyJ?=\n =?UTF-8?Q?_zweiter_Teil?=\n"
        "Date: Sat, 28 Nov 2026 00:00:00 +0000\n"
        f"Message-ID: <rfc2047@{DOMAIN}>\n"
        "\n"
        "Encoded words in headers.\n"
    )
    return _crlf(text)


def _space_before_colon() -> bytes:
    text = (
        f"From: Alice <alice@{DOMAIN}>\n"
        "To: Bob <bob@example.org>\n"
        "Subject : x\n"
        "Date: Sat, 28 Nov 2026 00:00:00 +0000\n"
        f"Message-ID: <colon@{DOMAIN}>\n"
        "\n"
        "A header with a space before its colon (RFC 5322 obs-optional).\n"
    )
    return _crlf(text)


def _utf8_headers() -> bytes:
    text = (
        f"From: Jörg <joerg@{DOMAIN}>\n"
        "To: Zoë <zoe@example.org>\n"
        "Subject: Grüße – 日本語 subject\n"
        "Date: Sat, 28 Nov 2026 00:00:00 +0000\n"
        f"Message-ID: <utf8-headers@{DOMAIN}>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Raw UTF-8 in header fields (RFC 6532).\n"
    )
    return _crlf(text)


def _odd_headers() -> bytes:
    text = (
        f"From:Alice <alice@{DOMAIN}>\n"
        "To: Bob <bob@example.org>   \t\n"
        "Subject:\tTab after the colon  \n"
        "X-Empty:\n"
        "X-Folded-Empty:\n continuation only\n"
        "Date: Sat, 28 Nov 2026 00:00:00 +0000\n"
        f"Message-ID: <odd-headers@{DOMAIN}>\n"
        "\n"
        "No space after From:, trailing WSP after To, empty fields.\n"
    )
    return _crlf(text)


def _typical_7k() -> bytes:
    return typical_message(0)


_WORD_TEXT = (
    "account update newsletter weekly report invoice meeting project delivery schedule customer "
    "support release notes feature security review quarterly results team travel policy office"
)
_WORDS = tuple(_WORD_TEXT.split())


def typical_message(seed: int, size: int = 7 * 1024) -> bytes:
    """A ~7 KB newsletter-like message; `seed` varies the content (the benchmark uses many of them)."""
    rng = random.Random(seed)
    words = _WORDS
    headers = (
        "Received: from relay.example.net (relay.example.net [203.0.113.25])\n"
        f"\tby mx.example.org (Postfix) with ESMTPS id {seed:08X}\n"
        "\tfor <bob@example.org>; Sat, 28 Nov 2026 00:00:05 +0000 (UTC)\n"
        "Received: from app01.example.com (app01.example.com [198.51.100.20])\n"
        "\tby relay.example.net (Postfix) with ESMTP; Sat, 28 Nov 2026 00:00:04 +0000\n"
        f"From: Example News <news@{DOMAIN}>\n"
        "To: Bob Receiver <bob@example.org>\n"
        f"Reply-To: support@{DOMAIN}\n"
        f"Subject: Weekly report #{seed}: {' '.join(rng.choice(words) for _ in range(6))}\n"
        "Date: Sat, 28 Nov 2026 00:00:03 +0000\n"
        f"Message-ID: <{seed}.{rng.getrandbits(48):x}@{DOMAIN}>\n"
        "MIME-Version: 1.0\n"
        f"List-Id: Weekly <weekly.{DOMAIN}>\n"
        f"List-Unsubscribe: <https://{DOMAIN}/u/{rng.getrandbits(64):x}>, <mailto:unsub@{DOMAIN}>\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
        'Content-Type: multipart/alternative; boundary="b1"\n'
    )
    parts = []
    while sum(len(p) for p in parts) < size - len(headers) - 400:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(8, 14))).capitalize() + ".  "
        parts.append(sentence + ("\n" if rng.random() < 0.5 else " \n"))
    text_body = "".join(parts[: len(parts) // 2])
    html_body = "".join(f"<p>{p.strip()}</p>\n" for p in parts[len(parts) // 2 :])
    body = (
        "--b1\nContent-Type: text/plain; charset=utf-8\n\n"
        + text_body
        + "\n--b1\nContent-Type: text/html; charset=utf-8\n\n<html><body>\n"
        + html_body
        + "</body></html>\n--b1--\n"
    )
    return _crlf(headers + "\n" + body)


def build_corpus() -> tuple[CorpusMessage, ...]:
    return (
        CorpusMessage("plain", _plain(), "short us-ascii text"),
        CorpusMessage("folded_headers", _folded_headers(), "folded From/To/Subject, tabs and runs in a value"),
        CorpusMessage("utf8_body", _utf8_body(), "8-bit UTF-8 body, whitespace runs"),
        CorpusMessage("multipart", _multipart(), "nested MIME multipart with QP and base64"),
        CorpusMessage("empty_body", _empty_body(), "header block, blank line, no body"),
        CorpusMessage("trailing_ws", _trailing_whitespace(), "trailing WSP and trailing blank lines"),
        CorpusMessage("blank_lines_body", _only_blank_lines(), "body made only of empty lines"),
        CorpusMessage("no_final_crlf", _no_final_newline(), "body without a final line break"),
        CorpusMessage("bare_lf", _bare_lf(), "bare LF line endings in the input"),
        CorpusMessage("mixed_eol", _mixed_eol(), "CRLF, bare LF and bare CR (data) in one file"),
        CorpusMessage("long_lines", _long_lines(), "998-octet body line, 998-octet header line"),
        CorpusMessage("duplicated_headers", _duplicated_headers(), "two Received, two To, two X-Dup"),
        CorpusMessage("rfc2047", _rfc2047(), "RFC 2047 encoded words in From/To/Subject"),
        CorpusMessage("utf8_headers", _utf8_headers(), "raw UTF-8 in From/To/Subject (RFC 6532)"),
        CorpusMessage(
            "odd_headers", _odd_headers(), "no space after colon, trailing WSP, empty and folded-empty fields"
        ),
        CorpusMessage("space_before_colon", _space_before_colon(), "`Subject : x` (obsolete syntax)"),
        CorpusMessage("typical_7k", _typical_7k(), "~7 KB newsletter with List-Unsubscribe"),
    )


CORPUS = build_corpus()
CORPUS_BY_NAME = {m.name: m for m in CORPUS}


_WSP = (" ", "  ", "\t", " \t ", "")


def random_message(seed: int) -> bytes:
    """A seeded message with random whitespace: runs inside header values, trailing WSP, folds, blank lines,
    8-bit text and trailing empty lines. The field text after the colon always starts with one space and the
    body ends with CRLF (or is empty), which keeps it clear of the known peer bugs in known.py."""
    rng = random.Random(seed)

    def ws() -> str:
        return rng.choice(_WSP)

    def words(count: int) -> str:
        text = ""
        for _ in range(count):
            text += rng.choice(_WORDS + ("Grüße", "日本", "x", "a.b", "(c)")) + rng.choice((" ", "  ", "\t", " \t"))
        return text.rstrip()

    def value(count: int) -> str:
        text = words(count)
        if rng.random() < 0.4:  # fold somewhere at a space
            cut = text.find(" ", len(text) // 2)
            if cut > 0 and text[cut + 1 :].strip():  # never a whitespace-only continuation line
                text = text[:cut] + "\n" + rng.choice((" ", "\t", "  ")) + text[cut + 1 :]
        return text + (ws() if rng.random() < 0.5 else "")

    fields = [
        f"From: {value(2)} <sender{seed}@{DOMAIN}>{ws() if rng.random() < 0.3 else ''}",
        f"To: {value(1)} <rcpt@example.org>",
        f"Subject: {value(rng.randint(1, 12))}",
        "Date: Sat, 28 Nov 2026 00:00:00 +0000",
        f"Message-ID: <random-{seed}@{DOMAIN}>",
    ]
    for index in range(rng.randint(0, 4)):
        fields.append(f"X-Random-{index}: {value(rng.randint(1, 6))}")
    if rng.random() < 0.3:
        fields.append(f"Cc: {value(1)} <cc@example.net>")
    rng.shuffle(fields)
    lines = []
    for _ in range(rng.randint(0, 30)):
        kind = rng.random()
        if kind < 0.15:
            lines.append("")
        elif kind < 0.25:
            lines.append(ws())
        else:
            lines.append(ws() + words(rng.randint(1, 15)) + ws())
    lines.extend([""] * rng.choice((0, 0, 1, 3)))
    body = "\n".join(lines) + ("\n" if lines else "")
    return _crlf("\n".join(fields) + "\n\n" + body)

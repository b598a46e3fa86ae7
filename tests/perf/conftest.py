"""Shared by the batch-command tests: a signing key file and small message files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from toolkit.core.dkim.keys import generate_key


@pytest.fixture(scope="module")
def key_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("key") / "k.pem"
    path.write_bytes(generate_key("rsa", 2048).private_pem())
    path.chmod(0o600)
    return str(path)


def write_messages(folder: Path, count: int) -> list[str]:
    """`count` small messages m000.eml... in a new `folder`, their paths in name order."""
    folder.mkdir()
    names = []
    for index in range(count):
        path = folder / f"m{index:03d}.eml"
        path.write_bytes(b"From: a@example.com\r\nTo: b@example.org\r\nSubject: %d\r\n\r\nbody %d\r\n" % (index, index))
        names.append(str(path))
    return names


@pytest.fixture
def messages() -> Callable[[Path, int], list[str]]:
    return write_messages

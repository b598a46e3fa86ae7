"""Fixtures for the mail-flow tests (hooks, milter, pipeline, Postfix)."""

from __future__ import annotations

import pytest
from support.mailworld import MailWorld, make_world


@pytest.fixture(scope="session")
def world() -> MailWorld:
    return make_world()

"""Fixtures for the end-to-end tests: real servers on 127.0.0.1, a real SMTP server and
browsers that speak HTTP (tests/support/e2e.py, tests/support/browser.py); the scripted
upstream OpenID provider is tests/support/fake_op.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.browser import Browser
from tests.support.e2e import Server, Smtp, reserved_servers, running_smtp


@pytest.fixture
def servers(make_app: Any) -> Iterator[Callable[..., Server]]:
    """Reserve servers; all are stopped before ``make_app`` empties the tables."""
    with reserved_servers() as reserve:
        yield reserve


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    """A real SMTP server on 127.0.0.1, started by the test when it wants mail to arrive."""
    with running_smtp() as server:
        yield server


@pytest.fixture
def browser() -> Iterator[Callable[..., Browser]]:
    """Make HTTP browsers (``requests`` sessions, in English); all are closed afterwards."""
    made: list[Browser] = []

    def make(*sites: str) -> Browser:
        made.append(Browser(*sites, language="en"))
        return made[-1]

    yield make
    for b in made:
        b.close()

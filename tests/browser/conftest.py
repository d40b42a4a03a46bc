"""Fixtures for the browser tests: headless Chromium and its pages, the IdP on real servers
on 127.0.0.1 and a real SMTP server (tests/support/chromium.py, tests/support/e2e.py).

Chromium is imported inside the fixtures, not here: each test module imports
tests/support/chromium.py itself, which skips (or under CI=true fails) that module where
Chromium or Playwright is missing, and a conftest that skipped would stop pytest outright when
it is given a browser test module by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.e2e import Server, Smtp, reserved_servers, running_smtp

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the test module."""
    from tests.support import chromium as parts

    with parts.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=parts.CHROMIUM, args=parts.CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium: Browser) -> Iterator[Callable[[], Page]]:
    """Pages, each in a browser context (cookies) of its own, in English."""
    from tests.support.chromium import TIMEOUT_MS

    contexts: list[Any] = []

    def make() -> Page:
        context = chromium.new_context(extra_http_headers={"Accept-Language": "en"})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


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

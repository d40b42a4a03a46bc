"""Headless Chromium (Debian's, /usr/bin/chromium) driven by Playwright, for the browser tests.

Importing this module skips the importing test module where Chromium or Playwright is missing,
and fails it under CI=true (tests/support/helpers.py ``require``). The fixtures that start
Chromium and open pages are in tests/browser/conftest.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .helpers import ROOT, require

# Debian's Chromium; IDP_TEST_CHROMIUM names another binary (tests/e2e/test_ci_requirements.py
# names a missing one to see the rule below at work).
CHROMIUM = os.environ.get("IDP_TEST_CHROMIUM", "/usr/bin/chromium")
require(
    Path(CHROMIUM).exists(),
    f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)",
)
try:
    from playwright.sync_api import Browser, Page, Response, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    require(False, "browser tests need Playwright for Python (pip install -e '.[dev]')")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
TIMEOUT_MS = 10_000
HTML = "text/html; charset=utf-8"
__all__ = ["Browser", "Documents", "Page", "expect", "screenshot_taker", "sync_playwright"]


def screenshot_taker(folder: Path) -> Callable[[Page, str], None]:
    """Numbered full-page screenshots into ``folder``; the PNGs of an earlier run there are
    removed first (other folders are left alone)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    taken: list[str] = []

    def shoot(page: Page, name: str) -> None:
        taken.append(name)
        page.screenshot(path=str(folder / f"{len(taken):02d}-{name}.png"), full_page=True)

    return shoot


@dataclass
class Documents:
    """Every document (page or frame navigation) response from ``origin`` that a Chromium
    page received, redirects included: what a person's browser was actually served."""

    origin: str
    seen: list[tuple[str, int, str]] = field(default_factory=list)  # url, status, type
    methods: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        page.on("response", self._record)
        return page

    def _record(self, response: Response) -> None:
        if response.request.resource_type != "document":
            return
        if response.url == self.origin or response.url.startswith(self.origin + "/"):
            content_type = response.headers.get("content-type", "")
            self.seen.append((response.url, response.status, content_type))
            self.methods.append(response.request.method)

    def paths(self) -> list[str]:
        return [url[len(self.origin) :] for url, _status, _type in self.seen]

    def assert_all_html(self) -> None:
        assert self.seen, "no document was served"
        wrong = [entry for entry in self.seen if entry[2] != HTML]
        assert wrong == [], f"documents served as something other than {HTML}: {wrong}"

    def assert_posts_redirect_with_303(self) -> None:
        """A redirect answering a form POST is a 303 (RFC 9700 §4.12), never a 302/307/308."""
        posted = [
            (url, status)
            for (url, status, _type), method in zip(self.seen, self.methods, strict=True)
            if method == "POST" and 300 <= status < 400
        ]
        assert posted, "no form POST was answered with a redirect"
        assert [entry for entry in posted if entry[1] != 303] == [], posted

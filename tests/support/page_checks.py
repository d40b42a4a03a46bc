"""The checks the browser test of every page (tests/browser/test_every_page.py) makes on each
page a Chromium tab shows: the document is text/html, nothing scrolls sideways, no console
error, no failed sub-request, and axe-core (vendored in tests/support/vendor/) finds no serious
or critical violation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .chromium import HTML, Page, expect
from .helpers import ROOT

AXE = ROOT / "tests" / "support" / "vendor" / "axe.min.js"
AXE_SOURCE = AXE.read_text(encoding="utf-8")
SERIOUS = ("serious", "critical")


class Tab:
    """One page of a browser context, with what it logged and failed to load since ``clear``."""

    def __init__(self, page: Page, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.console: list[str] = []
        self.failed: list[str] = []
        # Requests made since ``clear``: a load the previous page left under way is aborted
        # by the next navigation, which says nothing about the page now shown.
        self.started: set[Any] = set()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console.append(f"page error: {error}"))
        page.on("request", lambda request: self.started.add(request))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        # Chromium logs every >= 400 answer, the page's own too: sub-requests are checked below.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console.append(message.text)

    def _request_failed(self, request: Any) -> None:
        if request in self.started:
            self.failed.append(f"{request.url} ({request.failure})")

    def _response(self, response: Any) -> None:
        request = response.request
        ours = request in self.started and request.resource_type != "document"
        if ours and response.status >= 400:
            self.failed.append(f"{response.url} ({response.status})")

    def clear(self) -> None:
        self.console.clear()
        self.failed.clear()
        self.started.clear()


def check_page(tab: Tab, content_type: str, width: int) -> Iterator[tuple[str, str]]:
    """(check, detail) of every failed check of the page now shown."""
    page = tab.page
    if content_type != HTML:
        yield "html", content_type
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if wide[0] > wide[1]:
        yield f"overflow {width}", f"{wide[0]} px wide"
    if tab.console:
        yield "console", " | ".join(tab.console)
    if tab.failed:
        yield "sub-request", " | ".join(tab.failed)
    for rule, detail in axe_violations(page):
        yield f"axe {rule}", detail


def axe_violations(page: Page) -> list[tuple[str, str]]:
    # Not page.add_script_tag: that adds an inline <script>, which the IdP's CSP (script-src
    # with a nonce) rightly blocks, and bypass_csp would hide the pages' own CSP violations.
    # Evaluated through DevTools, the same file runs beside the page's CSP, not through it.
    page.evaluate(AXE_SOURCE + "\n;true")
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => [v.id, v.impact, v.nodes.length, v.nodes[0].target.join(' ')])"""
    )
    return [
        (rule, f"{impact}, {nodes} nodes, e.g. {target}")
        for rule, impact, nodes, target in found
        if impact in SERIOUS
    ]


def phone_checked(page: Page, shoot: Callable[[Page, str], None], name: str) -> None:
    """At 390 px: nothing scrolls sideways, axe finds nothing, and a screenshot; then back to
    the desktop width. The page's stylesheets first: a check that sees the text of a page can
    come before its CSS has loaded, and a layout without it is as wide as its longest line."""
    page.wait_for_load_state("load")
    page.set_viewport_size({"width": 390, "height": 844})
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], (name, wide)
    assert axe_violations(page) == [], name
    shoot(page, name)
    page.set_viewport_size({"width": 1280, "height": 800})


def log_in_through_pages(page: Page, username: str, password: str, code: str) -> None:
    """Through the IdP's login pages, already open in ``page``: username, password, the code."""
    page.fill("#username", username)
    page.get_by_role("button", name="Continue").click()
    page.fill("#password", password)
    page.get_by_role("button", name="Continue").click()
    page.fill("#code", code)
    page.get_by_role("button", name="Log in").click()


def journey_password_then_app(page: Page, password: str) -> str:
    """In the activation journey at "Choose a password": the password twice, then the app's QR
    code; returns the key shown beside it (for the caller's code)."""
    page.fill("#password", password)
    page.fill("#password2", password)
    page.get_by_role("button", name="Save password").click()
    expect(page.locator("#step")).to_have_text("Activate your authenticator app")
    page.get_by_role("button", name="Show the QR code").click()
    expect(page.locator("#qr svg")).to_be_visible()
    return page.locator("#secret").inner_text().replace(" ", "")

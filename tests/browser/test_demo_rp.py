"""The example relying party /demo-rp/ in a real browser: headless Chromium against the IdP
on 127.0.0.1 with ``dev_stand_ins`` and the demo loaded.

The start page, the IdP's login and consent, the claims page at Substantial, the plain message
for High, the log-out through the IdP, and the page in Danish: each text/html, no sideways
scroll at 390 px, axe clean. Screenshots go to test-artifacts/screenshots/demo_rp/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.chromium import (  # skips this module where Chromium or Playwright is missing
    SCREENSHOTS,
    Documents,
    Page,
    expect,
    screenshot_taker,
)
from tests.support.demo_rp import demo_code, served_demo
from tests.support.e2e import Server
from tests.support.page_checks import phone_checked


@pytest.fixture(scope="module")
def screenshots() -> Callable[[Page, str], None]:
    return screenshot_taker(SCREENSHOTS / "demo_rp")


def test_demo_rp_logs_in_and_shows_the_claims_in_chromium(
    make_app: Any,
    servers: Callable[[str], Server],
    new_page: Callable[[], Page],
    screenshots: Callable[[Page, str], None],
) -> None:
    server = servers("127.0.0.1")
    _, info = served_demo(make_app, server)
    documents = Documents(server.url)
    page = documents.watch(new_page())

    page.goto(server.url + "/demo-rp/")
    expect(page.locator("#demo-note")).to_contain_text("for development only")
    phone_checked(page, screenshots, "start")
    page.get_by_role("button", name="Log in at Substantial").click()
    page.fill("#username", info["username"])
    page.get_by_role("button", name="Continue").click()
    page.fill("#password", info["password"])
    page.get_by_role("button", name="Continue").click()
    page.fill("#code", demo_code(info))
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Allow").click()

    expect(page).to_have_url(server.url + "/demo-rp/")
    expect(page.locator("#demo-level")).to_have_text("Logged in at level Substantial")
    expect(page.locator("#demo-claims")).to_contain_text("demo@example.dk")
    phone_checked(page, screenshots, "claims")

    page.get_by_role("button", name="Log in at High").click()
    expect(page.locator("#demo-message")).to_contain_text("You cannot log in at the level")
    phone_checked(page, screenshots, "high-refused")

    page.get_by_role("button", name="Log out of the example service").click()
    expect(page).to_have_url(server.url + "/demo-rp/")
    expect(page.locator("#demo-level")).to_have_count(0)
    expect(page.locator("#logout-form")).to_have_count(0)  # logged out at the IdP too

    page.get_by_role("button", name="Dansk").click()
    expect(page.get_by_role("button", name="Log ind på niveau Betydelig")).to_be_visible()
    expect(page.get_by_role("button", name="Log ind på niveau Høj")).to_be_visible()
    phone_checked(page, screenshots, "start-danish")
    documents.assert_all_html()
    documents.assert_posts_redirect_with_303()

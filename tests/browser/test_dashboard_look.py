"""The admin dashboard in Chromium: the funnel picture is drawn (an SVG with a visible bar per
step), its count links work, and the page does not scroll sideways at 1280 or 390 px, in
Danish and English. Screenshots go to test-artifacts/screenshots/dashboard/.

Skipped where Chromium or Playwright is missing, and failed under CI=true
(tests/support/chromium.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.support.admin import ORG, OTHER, admin
from tests.support.chromium import SCREENSHOTS, Browser, expect, screenshot_taker
from tests.support.dashboard import PREPARED, prepare

WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}


def _log_in(page: Any, url: str, username: str, password: str, secret: str) -> None:
    import pyotp

    page.goto(url + "/admin/")
    for field, value in (("username", username), ("password", password), ("code", None)):
        page.fill(f"#{field}", value or pyotp.TOTP(secret).now())
        page.locator(f"form:has(#{field}) button[type=submit]").click()
    expect(page).to_have_url(url + "/admin/")


def test_the_dashboard_draws_its_funnel_at_both_widths(
    make_app: Any, servers: Callable[..., Any], chromium: Browser
) -> None:
    server = servers()
    app = make_app(issuer=server.url)
    # One administrator per language: a code is accepted once (the replay guard).
    bosses = {"da": admin(app, "boss", "user_admin"), "en": admin(app, "chef", "user_admin")}
    prepare(app, ORG, "")
    prepare(app, OTHER, "x")
    server.serve(app)
    shoot = screenshot_taker(SCREENSHOTS / "dashboard")
    for language, boss in bosses.items():
        context = chromium.new_context(extra_http_headers={"Accept-Language": language})
        page = context.new_page()
        assert boss.totp_secret is not None
        _log_in(page, server.url, boss.username, boss.password, boss.totp_secret)
        for name, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(server.url + "/admin/")
            svg = page.locator("#funnel svg")
            expect(svg).to_be_visible()
            assert svg.locator("rect").count() == 4
            overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
            assert overflow <= 0, (language, name, overflow)
            shoot(page, f"admin-home-{language}-{name}")
        page.locator("#count-proven a").click()
        expect(page.locator("#matching")).to_contain_text(str(PREPARED["proven"]))
        expect(page).to_have_url(re.compile(r"state=proven"))
        context.close()

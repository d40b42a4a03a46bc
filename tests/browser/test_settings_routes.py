"""The organisation administrator's Settings in Chromium on a server without a private eID
provider: the private eID route's box is disabled and described by the reason, the page is
axe clean and does not scroll sideways at 390 px (Danish and English), and saving the other
settings works and leaves the route's stored value alone. /request-access on that server says
that no request can be made, offers no search, and is axe clean too. Screenshots go to
test-artifacts/screenshots/settings/.

Skipped where Chromium or Playwright is missing, and failed under CI=true
(tests/support/chromium.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyotp

from idp.extensions import db
from idp.models import Organisation
from tests.support.admin import ORG, admin
from tests.support.chromium import SCREENSHOTS, Browser, expect, screenshot_taker
from tests.support.page_checks import axe_violations

REASON = {
    "en": "No private eID provider is configured on this server (private_eid_issuer).",
    "da": "Der er ikke sat nogen udbyder af privat eID op på denne server (private_eid_issuer).",
}
SAVED = {"en": "The settings are saved.", "da": "Indstillingerne er gemt."}


def _log_in(page: Any, url: str, username: str, password: str, secret: str) -> None:
    page.goto(url + "/admin/settings")
    for field, value in (("username", username), ("password", password), ("code", None)):
        page.fill(f"#{field}", value or pyotp.TOTP(secret).now())
        page.locator(f"form:has(#{field}) button[type=submit]").click()
    expect(page).to_have_url(url + "/admin/settings")


def test_settings_show_the_unconfigured_route_as_not_available(
    make_app: Any, servers: Callable[..., Any], chromium: Browser
) -> None:
    server = servers()
    app = make_app(issuer=server.url)
    # One administrator per language: a code is accepted once (the replay guard).
    admins = {"da": admin(app, "boss", "org_admin"), "en": admin(app, "chef", "org_admin")}
    server.serve(app)
    shoot = screenshot_taker(SCREENSHOTS / "settings")
    for language, person in admins.items():
        context = chromium.new_context(
            extra_http_headers={"Accept-Language": language},
            viewport={"width": 390, "height": 844},
        )
        page = context.new_page()
        assert person.totp_secret is not None
        _log_in(page, server.url, person.username, person.password, person.totp_secret)
        box = page.locator("#route_private_eid")
        expect(box).to_be_disabled()
        expect(box).not_to_be_checked()
        expect(box).to_have_accessible_description(f"{_not_available(language)}{REASON[language]}")
        expect(page.locator("#route_in_person")).to_be_enabled()
        assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
        assert axe_violations(page) == [], language
        page.locator("#route_private_eid-missing").scroll_into_view_if_needed()
        shoot(page, f"settings-{language}-390")
        page.uncheck("#allow_access_requests")
        page.locator("#settings-form button[type=submit]").click()
        expect(page.locator("#done")).to_have_text(SAVED[language])
        page.goto(server.url + "/request-access?q=Testfirma")
        expect(page.locator("#not-possible")).to_be_visible()
        assert page.locator("#q, #organisations").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
        assert axe_violations(page) == [], language
        shoot(page, f"request-access-{language}-390")
        context.close()
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=ORG).one()
        assert org.settings["routes"]["private_eid"]["enabled"] is True  # kept, not flipped


def _not_available(language: str) -> str:
    return {"en": "Not available: ", "da": "Ikke tilgængelig: "}[language]

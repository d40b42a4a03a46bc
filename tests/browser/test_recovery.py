"""Recovery in a real browser: headless Chromium against the IdP on 127.0.0.1, mail through a
real SMTP server (aiosmtpd), the private eID through the scripted upstream (fake_op.py).

- A forgotten password: "Forgotten password?" on the password page, the mailed link, a code
  from the app, a new password; the new password logs in.
- A lost phone: the mailed link, re-proofing through the private eID bound to the person, a
  new app; the new app logs in, the old one does not.
Each recovery page is text/html, does not scroll sideways at 390 px and is axe clean.
Screenshots go to test-artifacts/screenshots/recovery/.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pyotp
import pytest

from idp.extensions import db
from idp.models import FederatedIdentity, User
from tests.support.chromium import (  # skips this module where Chromium or Playwright is missing
    SCREENSHOTS,
    Documents,
    Page,
    expect,
    screenshot_taker,
)
from tests.support.e2e import (
    Server,
    Smtp,
    cli,
    downstream_app,
    served_with_private_eid,
    text_of,
)
from tests.support.page_checks import log_in_through_pages, phone_checked

CVR = "12345678"
PASSWORD = "the old long passphrase"
NEW_PASSWORD = "a brand new long passphrase"
RECOVERY_LINK = re.compile(r"https?://[^\s<>\"')]+/recovery/[A-Za-z0-9_-]+")


@pytest.fixture(scope="module")
def screenshots() -> Callable[[Page, str], None]:
    return screenshot_taker(SCREENSHOTS / "recovery")


def _person(app: Any) -> str:
    cli(app, f"orgs create --cvr {CVR} --name 'Eksempel Kommune' --json")
    made = cli(
        app,
        f"users create --org {CVR} --username anna --name 'Anna Jensen' "
        "--email anna@example.dk --password-stdin --totp --ial Substantial --json",
        input=PASSWORD + "\n",
    )
    return str(made["totp_secret"])


def _code(secret: str, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(int(time.time()) + 30 * steps)


def _mailed_link(app: Any, smtp: Smtp, count: int) -> str:
    cli(app, "mail send --json")
    message = smtp.handler.wait_for(count)[-1]
    assert message["To"] == "anna@example.dk"
    [link] = RECOVERY_LINK.findall(text_of(message))
    return link


def _log_in(page: Page, server: Server, password: str, code: str) -> None:
    page.goto(server.url + "/login/")
    log_in_through_pages(page, "anna", password, code)


def test_forgotten_password_in_chromium(
    make_app: Any,
    servers: Callable[[str], Server],
    smtp: Smtp,
    new_page: Callable[[], Page],
    screenshots: Callable[[Page, str], None],
) -> None:
    smtp.start()
    server = servers("127.0.0.1")
    app = downstream_app(make_app, server, smtp)
    server.serve(app)
    secret = _person(app)
    documents = Documents(server.url)
    page = documents.watch(new_page())

    page.goto(server.url + "/login/")
    page.fill("#username", "anna")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Forgotten password?").click()
    expect(page).to_have_url(server.url + "/recovery/?kind=password")
    phone_checked(page, screenshots, "start")
    page.fill("#identifier", "anna@example.dk")
    page.get_by_role("button", name="Send link").click()
    expect(page.locator("#sent")).to_be_visible()
    phone_checked(page, screenshots, "sent")

    page.goto(_mailed_link(app, smtp, 1))
    expect(page.locator("#step")).to_have_attribute("data-step", "prove")
    phone_checked(page, screenshots, "prove-with-code")
    page.fill("#code", _code(secret))
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#step")).to_have_attribute("data-step", "password")
    phone_checked(page, screenshots, "new-password")
    page.fill("#password", NEW_PASSWORD)
    page.fill("#password2", NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    expect(page.locator("#done")).to_have_text("Your new password is saved")
    phone_checked(page, screenshots, "password-done")
    cli(app, "mail send --json")
    notice = smtp.handler.wait_for(2)[-1]
    assert notice["Subject"] == "Din adgangskode er ændret hos Eksempel Kommune"  # Danish default

    _log_in(page, server, NEW_PASSWORD, _code(secret, 1))  # the next step: one is used
    expect(page).to_have_url(server.url + "/account/")
    documents.assert_all_html()
    documents.assert_posts_redirect_with_303()


def test_lost_phone_reproofing_and_a_new_app_in_chromium(
    make_app: Any,
    servers: Callable[[str], Server],
    smtp: Smtp,
    new_page: Callable[[], Page],
    screenshots: Callable[[Page, str], None],
) -> None:
    smtp.start()
    server = servers("127.0.0.1")
    with served_with_private_eid(make_app, server, smtp) as (app, op):
        old_secret = _person(app)
        with app.app_context():  # proven earlier with this private eID (proofing binds it)
            anna = db.session.query(User).filter_by(username="anna").one()
            db.session.add(
                FederatedIdentity(
                    org_id=anna.org_id, user_id=anna.id, issuer=op.url, subject=op.sub
                )
            )
            db.session.commit()
            db.session.remove()
        documents = Documents(server.url)
        page = documents.watch(new_page())

        page.goto(server.url + "/recovery/?kind=password")
        page.get_by_role("link", name="I have lost my phone or code display").click()
        phone_checked(page, screenshots, "start-lost-phone")
        page.fill("#identifier", "anna")
        page.get_by_role("button", name="Send link").click()
        expect(page.locator("#sent")).to_be_visible()

        page.goto(_mailed_link(app, smtp, 1))
        expect(page.locator("#code")).to_have_count(0)  # no code: a re-proofing is a must
        phone_checked(page, screenshots, "prove-with-private-eid")
        page.get_by_role("button", name="Prove it with your private eID").click()
        expect(page.locator("#step")).to_have_attribute("data-step", "means")
        assert op.redeemed == 1
        phone_checked(page, screenshots, "choose-new-means")
        page.get_by_role("button", name="Show the QR code").click()
        new_secret = page.locator("#secret").inner_text().replace(" ", "")
        phone_checked(page, screenshots, "new-app")
        page.fill("#code", _code(new_secret))
        page.get_by_role("button", name="Activate", exact=True).click()
        expect(page.locator("#done")).to_have_text("Your new login means is active")
        phone_checked(page, screenshots, "means-done")

        old = documents.watch(new_page())
        _log_in(old, server, PASSWORD, _code(old_secret))
        expect(old.locator("#login-error")).to_be_visible()
        expect(old.locator("#login-username")).to_have_text("anna")  # the username is kept
        _log_in(page, server, PASSWORD, _code(new_secret, 1))
        expect(page).to_have_url(server.url + "/account/")
        documents.assert_all_html()

"""Bulk activation in Chromium (issue 12): an administrator ticks people and chooses a login
means and a right from the catalogue; the confirmation page says how many, which means, which
rights and how many mails, while the outbox stays empty; confirming queues one mail each.
Each page: text/html, no sideways scroll at 390 px, axe clean. Screenshots go to
test-artifacts/screenshots/bulk/ (activation/, catalogue/).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from idp.extensions import db
from idp.models import OutboxMail, User
from tests.support.admin import admin
from tests.support.catalogue import add_rights, employees
from tests.support.chromium import HTML, SCREENSHOTS, Browser, expect, screenshot_taker
from tests.support.page_checks import Tab, check_page

SAG = "urn:dk:kommune:sag"


def _outbox(app: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(OutboxMail.id))))


def _log_in(page: Any, url: str, user: Any) -> None:
    import pyotp

    page.goto(url + "/admin/")
    for field, value in (("username", user.username), ("password", user.password), ("code", None)):
        page.fill(f"#{field}", value or pyotp.TOTP(user.totp_secret).now())
        page.locator(f"form:has(#{field}) button[type=submit]").click()
    expect(page).to_have_url(url + "/admin/")


def _checked(tab: Tab, content_type: str) -> None:
    tab.page.set_viewport_size({"width": 390, "height": 844})
    assert list(check_page(tab, content_type, 390)) == []


def _post(page: Any, click: Callable[[], None]) -> str:
    """Submit a form; the content type of the page the POST answered with."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        click()
    page.wait_for_load_state()
    return str(answer.value.headers.get("content-type", ""))


def test_bulk_activation_confirms_before_any_mail(
    make_app: Any, servers: Callable[..., Any], chromium: Browser
) -> None:
    server = servers()
    app = make_app(issuer=server.url)
    boss = admin(app, "boss", "user_admin")
    ids = employees(app, 3)
    add_rights(app, SAG)
    server.serve(app)
    shoot = screenshot_taker(SCREENSHOTS / "bulk" / "activation")
    context = chromium.new_context(extra_http_headers={"Accept-Language": "da"})
    tab = Tab(context.new_page(), server.url)
    page = tab.page
    _log_in(page, server.url, boss)

    tab.clear()
    response = page.goto(server.url + "/admin/imported")
    _checked(tab, response.headers["content-type"])
    page.check(f"#person-{ids['emp01']}")
    page.check(f"#person-{ids['emp03']}")
    page.check("#bulk-means-app")
    page.locator("#bulk-rights label").filter(has_text="Ret sag").click()
    shoot(page, "imported-ticked-da")
    tab.clear()
    content_type = _post(page, lambda: page.locator("#activate button[type=submit]").click())

    expect(page.locator("h1")).to_have_text("Bekræft aktivering")
    expect(page.locator("#count")).to_have_text("2")
    expect(page.locator("#means")).not_to_have_text("app")  # the label, not the raw value
    expect(page.locator("#rights")).to_contain_text("Ret sag")
    expect(page.locator("#rights")).to_contain_text(SAG)
    expect(page.locator("#mails")).to_contain_text("2 aktiveringsmails sendes")
    expect(page.locator("#people")).to_contain_text("emp01")
    assert _outbox(app) == 0  # nothing queued before the confirmation
    assert content_type == HTML
    _checked(tab, content_type)
    shoot(page, "confirm-da-phone")

    tab.clear()
    content_type = _post(page, lambda: page.locator("#confirm button[type=submit]").click())
    expect(page.locator("#summary")).to_be_visible()
    assert content_type == HTML
    _checked(tab, content_type)
    shoot(page, "result-da-phone")
    assert _outbox(app) == 2
    with app.app_context():
        rows = db.session.execute(select(User.username, User.status, User.privileges)).all()
    chosen = {name: (status, rights) for name, status, rights in rows if name.startswith("emp")}
    assert chosen == {
        "emp01": ("pending_activation", [SAG]),
        "emp02": ("imported", []),
        "emp03": ("pending_activation", [SAG]),
    }
    context.close()


def test_the_organisation_administrator_fills_the_catalogue(
    make_app: Any, servers: Callable[..., Any], chromium: Browser
) -> None:
    server = servers()
    app = make_app(issuer=server.url)
    owner = admin(app, "owner", "org_admin")
    server.serve(app)
    shoot = screenshot_taker(SCREENSHOTS / "bulk" / "catalogue")
    context = chromium.new_context(extra_http_headers={"Accept-Language": "da"})
    tab = Tab(context.new_page(), server.url)
    page = tab.page
    _log_in(page, server.url, owner)
    page.locator("#admin-tabs").get_by_role("link", name="Rettigheder").click()
    expect(page.locator("h1")).to_have_text("Rettigheder")
    page.fill("#urn", SAG)
    page.fill("#label_da", "Behandle sager")
    page.fill("#label_en", "Handle cases")
    tab.clear()
    _post(page, lambda: page.locator("#add-right button[type=submit]").click())
    expect(page.locator("#done")).to_have_text("Rettigheden blev tilføjet kataloget.")
    expect(page.locator("#rights")).to_contain_text("Behandle sager")
    page.locator("details summary").first.click()
    _checked(tab, HTML)
    shoot(page, "catalogue-da-phone")
    context.close()

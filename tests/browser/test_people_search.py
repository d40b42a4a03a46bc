"""The people lists' search in a real browser (headless Chromium against the IdP on 127.0.0.1),
in Danish: a search that matches more people than it counts says so on both lists, a rare one
names its person, and the bulk "select all matching" offers every match. The count's cap is
lowered to 3 for the test (services.people.COUNT_CAP, 1,000 in production). Every page is
text/html, does not scroll sideways at 390 px and is axe clean; Danish and English, at 390 and
1280 px. Screenshots go to
test-artifacts/screenshots/people-search/.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from idp.services import people
from tests.support.chromium import (  # skips this module where Chromium or Playwright is missing
    SCREENSHOTS,
    Documents,
    Page,
    expect,
    screenshot_taker,
)
from tests.support.e2e import Server, boss, cli, write_csv
from tests.support.page_checks import phone_checked

CVR = "12345678"
PASSWORD = "the chief long passphrase"


@pytest.fixture(scope="module")
def screenshots() -> Callable[[Page, str], None]:
    return screenshot_taker(SCREENSHOTS / "people-search")


def _seed(app: Any, tmp_path: Path) -> dict[str, Any]:
    cli(app, f"orgs create --cvr {CVR} --name 'Eksempel Kommune' --json")
    admin = boss(app, CVR, PASSWORD, "user_admin")
    rows = [
        {"rid": f"{i}", "username": f"p{i}", "name": f"Person {i}", "email": f"p{i}@example.dk"}
        for i in range(1, 11)
    ]
    cli(app, f"users import {write_csv(tmp_path / 'people.csv', rows)} --org {CVR} --json")
    for username in ("p6", "p7", "p8", "p9", "p10"):
        cli(app, f"users activate {username} --org {CVR} --login-means app --json")
    return admin


def test_a_search_past_the_count_says_so_in_chromium(
    make_app: Any,
    servers: Callable[[str], Server],
    new_page: Callable[[], Page],
    screenshots: Callable[[Page, str], None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pyotp

    monkeypatch.setattr(people, "COUNT_CAP", 3)
    server = servers("127.0.0.1")
    app = make_app()
    server.serve(app)
    admin = _seed(app, tmp_path)
    documents = Documents(server.url)
    page = documents.watch(new_page())
    page.set_extra_http_headers({"Accept-Language": "da"})
    page.goto(server.url + "/admin/")
    page.fill("#username", "boss")
    page.get_by_role("button", name="Fortsæt").click()
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Fortsæt").click()
    page.fill("#code", pyotp.TOTP(admin["totp_secret"]).now())
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(server.url + "/admin/")

    page.goto(server.url + "/admin/imported?q=example")
    expect(page.locator("#matching")).to_have_text(
        "Mere end 3 importerede personer matcher; siderne viser de første 3. Søg på mere af "
        "et navn eller en adresse for at finde resten."
    )
    expect(page.locator("label[for=all-matching]")).to_contain_text("mere end 3")
    phone_checked(page, screenshots, "imported-more-than-counted")

    screenshots(page, "imported-more-than-counted-1280")

    page.goto(server.url + "/admin/users?q=%40example")
    expect(page.locator("#matching")).to_contain_text("Mere end 3 personer matcher")
    phone_checked(page, screenshots, "users-more-than-counted")
    screenshots(page, "users-more-than-counted-1280")
    page.goto(server.url + "/admin/users?q=p1")  # p1 is imported: boss and p10 are users
    expect(page.locator("#matching")).to_have_text("1 person matcher.")

    page.goto(server.url + "/admin/imported?q=p4%40")
    expect(page.locator("#matching")).to_have_text("1 importeret person matcher.")
    expect(page.locator("tbody tr")).to_have_count(1)
    phone_checked(page, screenshots, "imported-one-match")

    page.set_extra_http_headers({"Accept-Language": "en"})
    page.goto(server.url + "/admin/imported?q=example")
    expect(page.locator("#matching")).to_contain_text("More than 3 imported people match")
    expect(page.locator("label[for=all-matching]")).to_contain_text("more than 3")
    phone_checked(page, screenshots, "imported-more-than-counted-en")
    screenshots(page, "imported-more-than-counted-en-1280")
    documents.assert_all_html()

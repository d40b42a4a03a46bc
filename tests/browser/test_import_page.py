"""The admin's employee import in Chromium: upload a file, watch the job page refresh itself
(a meta refresh, no JavaScript) until the background check is done, read the summary, page
through the invalid rows, download the CSV report, import, and watch the import finish.
The pages are text/html, do not scroll sideways at 390 px and are axe clean. Screenshots go to
test-artifacts/screenshots/importing/.

Skipped where Chromium or Playwright is missing, and failed under CI=true
(tests/support/chromium.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from idp.extensions import db
from idp.import_worker import start_import_worker
from idp.models import User
from tests.support.admin import admin
from tests.support.chromium import HTML, SCREENSHOTS, Browser, expect, screenshot_taker
from tests.support.page_checks import Tab, check_page

VALID, INVALID = 140, 60  # 60 invalid rows: two pages of them (50 a page)
WAIT_MS = 30_000  # for the job: the page refreshes every 2 s


def _file(folder: Path) -> Path:
    lines = ["rid;name;email"]
    lines += [f"{5000 + i};Person {i} Holm;person.{i}@example.dk" for i in range(VALID)]
    lines += [f"{6000 + i};=HYPERLINK({i});bad.{i}@example.dk" for i in range(INVALID)]
    path = folder / "medarbejdere.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _log_in(page: Any, url: str, username: str, password: str, secret: str) -> None:
    import pyotp

    page.goto(url + "/admin/")
    for field, value in (("username", username), ("password", password), ("code", None)):
        page.fill(f"#{field}", value or pyotp.TOTP(secret).now())
        page.locator(f"form:has(#{field}) button[type=submit]").click()
    expect(page).to_have_url(url + "/admin/")


def _checked(tab: Tab, width: int) -> None:
    """The page, loaded again at ``width``, passes the page checks."""
    tab.page.set_viewport_size({"width": width, "height": 844})
    tab.clear()
    response = tab.page.reload()
    assert response is not None and response.headers["content-type"] == HTML
    failures = list(check_page(tab, response.headers["content-type"], width))
    assert not failures, failures


def _imported(app: Any) -> int:
    with app.app_context():
        query = select(func.count()).select_from(User).where(User.status == "imported")
        return int(db.session.scalar(query) or 0)


def test_an_import_through_the_page_with_its_background_check(
    make_app: Any, servers: Callable[..., Any], chromium: Browser, tmp_path: Path
) -> None:
    server = servers()
    app = make_app(issuer=server.url)
    boss = admin(app, "boss", "user_admin")
    server.serve(app)
    shoot = screenshot_taker(SCREENSHOTS / "importing")
    context = chromium.new_context(
        extra_http_headers={"Accept-Language": "en"}, accept_downloads=True
    )
    page = context.new_page()
    tab = Tab(page, server.url)
    worker = None
    try:
        assert boss.totp_secret is not None
        _log_in(page, server.url, boss.username, boss.password, boss.totp_secret)
        page.goto(server.url + "/admin/import")
        page.set_input_files("#file", str(_file(tmp_path)))
        page.get_by_role("button", name="Check the file").click()

        # No worker yet: the job waits, its page shows a progress bar and refreshes itself.
        expect(page.locator("progress#job-progress")).to_be_visible()
        assert page.locator('meta[http-equiv="refresh"]').count() == 1
        expect(page.locator("#cancel")).to_be_visible()
        shoot(page, "job-waiting")
        worker = start_import_worker(app, interval=0.2)
        expect(page.locator("#import-checked")).to_be_visible(
            timeout=WAIT_MS
        )  # reached by the refresh alone
        assert page.locator('meta[http-equiv="refresh"]').count() == 0
        counts = page.locator("#import-counts").inner_text()
        assert f"Would be created\t{VALID}" in counts and f"Invalid\t{INVALID}" in counts
        assert page.locator("#import-rows tbody tr").count() == 50
        expect(page.locator("#import-rows")).to_contain_text("(a formula)")
        _checked(tab, 390)
        shoot(page, "job-checked-390")
        page.set_viewport_size({"width": 1280, "height": 800})

        page.get_by_role("link", name="Next").click()
        expect(page.locator("#import-rows tbody tr")).to_have_count(INVALID - 50)
        with page.expect_download() as download:
            page.locator("#report-link").click()
        report = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
        assert report[0] == "Line;Username;E-mail;RID;Problems" and len(report) == 1 + INVALID
        assert _imported(app) == 0

        page.check("#confirm-skip")
        page.get_by_role("button", name="Import these people").click()
        expect(page.locator("#import-done")).to_be_visible(timeout=WAIT_MS)
        result = page.locator("#import-result").inner_text()
        assert f"Created\t{VALID}" in result
        shoot(page, "job-imported")
        assert _imported(app) == VALID
    finally:
        if worker is not None:
            worker.stop()
        context.close()

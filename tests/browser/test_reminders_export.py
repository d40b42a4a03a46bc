"""Reminders and CSV export in a real browser: headless Chromium against the IdP on 127.0.0.1,
mail through a real SMTP server (aiosmtpd).

- Reminders under a frozen clock: the activation links of two imported people are moved to
  expire in 6 days and 20 hours (the clock frozen 23 days after they were mailed). The
  dashboard lists both as expiring, not yet reminded. One pass of the reminders (`idp
  reminders send`) mails each once; a second pass mails nothing; the dashboard says
  "reminded"; the reminder's fresh link opens the activation journey in Chromium. The
  organisation administrator then turns reminders off on the settings page, and a later
  person's due reminder is not sent.
- CSV export with formula cells: a name stored before formula names were refused (legacy
  data) comes out of the "Download as CSV" link of the filtered list as text, never as a
  formula (OWASP CSV injection), and only the people the filter keeps are in the file.
Every page is text/html, does not scroll sideways at 390 px and is axe clean. Screenshots go
to test-artifacts/screenshots/reminders/.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from idp.extensions import db
from idp.models import Activation, OutboxMail, User
from idp.models.types import utcnow
from tests.support.chromium import (  # skips this module where Chromium or Playwright is missing
    SCREENSHOTS,
    Documents,
    Page,
    expect,
    screenshot_taker,
)
from tests.support.e2e import Server, Smtp, boss, cli, downstream_app, text_of, write_csv
from tests.support.page_checks import log_in_through_pages, phone_checked

CVR = "12345678"
ORG_NAME = "Eksempel Kommune"
ADMIN_PASSWORD = "the chief long passphrase"
PEOPLE = [  # username, name, e-mail, rid
    ("anna.jensen", "Anna Jensen", "anna.jensen@example.dk", "1001"),
    ("bo.hansen", "Bo Hansen", "bo.hansen@example.dk", "1002"),
    ("carl.nielsen", "Carl Nielsen", "carl.nielsen@example.dk", "1003"),
]
FORMULA = '=HYPERLINK("http://evil.example","klik")'
ACTIVATE = re.compile(r"https?://[^\s<>\"')]+/activate/[A-Za-z0-9_-]+")


@pytest.fixture(scope="module")
def screenshots() -> Callable[[Page, str], None]:
    return screenshot_taker(SCREENSHOTS / "reminders")


def _seed(app: Any, tmp_path: Path) -> dict[str, Any]:
    cli(app, f"orgs create --cvr {CVR} --name '{ORG_NAME}' --json")
    admin = boss(app, CVR, ADMIN_PASSWORD, "user_admin", "org_admin")
    rows = [{"rid": r, "username": u, "name": n, "email": e} for u, n, e, r in PEOPLE]
    cli(app, f"users import {write_csv(tmp_path / 'people.csv', rows)} --org {CVR} --json")
    for username, *_ in PEOPLE:
        cli(app, f"users activate {username} --org {CVR} --login-means app --json")
    return admin


def _freeze_before_expiry(app: Any, usernames: list[str]) -> None:
    """The clock frozen 23 days after the links went out: each live link of ``usernames``
    expires in 6 days and 20 hours, inside the 7-day reminder's window."""
    with app.app_context():
        ids = db.session.execute(select(User.id).where(User.username.in_(usernames))).scalars()
        db.session.execute(
            update(Activation)
            .where(Activation.user_id.in_(list(ids)), Activation.superseded_at.is_(None))
            .values(
                created_at=utcnow() - timedelta(days=23, hours=4),
                expires_at=utcnow() + timedelta(days=6, hours=20),
            )
        )
        db.session.commit()
        db.session.remove()


def _reminders_queued(app: Any) -> list[str]:
    with app.app_context():
        addresses = list(
            db.session.execute(
                select(OutboxMail.to_address)
                .where(OutboxMail.kind == "activation_reminder")
                .order_by(OutboxMail.id)
            ).scalars()
        )
        db.session.remove()
        return addresses


def _log_in(page: Page, server: Server, secret: str) -> None:
    import pyotp

    page.goto(server.url + "/admin/")
    log_in_through_pages(page, "boss", ADMIN_PASSWORD, pyotp.TOTP(secret).now())
    expect(page).to_have_url(server.url + "/admin/")


def test_reminders_under_a_frozen_clock_and_csv_export_with_formula_cells_in_chromium(
    make_app: Any,
    servers: Callable[[str], Server],
    smtp: Smtp,
    new_page: Callable[[], Page],
    screenshots: Callable[[Page, str], None],
    tmp_path: Path,
) -> None:
    smtp.start()
    server = servers("127.0.0.1")
    app = downstream_app(make_app, server, smtp)
    server.serve(app)
    admin = _seed(app, tmp_path)
    assert cli(app, "mail send --json")["sent"] == 3  # the three activation mails
    smtp.handler.wait_for(3)

    # --- 1. Two links about to expire: the dashboard lists them, not yet reminded. --------
    _freeze_before_expiry(app, ["anna.jensen", "bo.hansen"])
    documents = Documents(server.url)
    page = documents.watch(new_page())
    _log_in(page, server, admin["totp_secret"])
    expiring = page.locator("#expiring tbody tr")
    expect(expiring).to_have_count(2)
    expect(expiring.filter(has_text="Anna Jensen")).to_contain_text("No")
    phone_checked(page, screenshots, "dashboard-expiring")

    # --- 2. One pass reminds each once; a second pass reminds no one. ---------------------
    assert cli(app, "reminders send --json") == {"seven_days": 2, "one_day": 0}
    assert cli(app, "reminders send --json") == {"seven_days": 0, "one_day": 0}
    assert sorted(_reminders_queued(app)) == ["anna.jensen@example.dk", "bo.hansen@example.dk"]
    assert cli(app, "mail send --json")["sent"] == 2
    mailed = smtp.handler.wait_for(5)[3:]
    anna = next(m for m in mailed if m["To"] == "anna.jensen@example.dk")
    page.reload()
    expect(expiring.filter(has_text="Anna Jensen")).to_contain_text("Yes")
    phone_checked(page, screenshots, "dashboard-reminded")

    # The reminder's fresh link opens the activation journey.
    person = documents.watch(new_page())
    link = ACTIVATE.search(text_of(anna))
    assert link is not None, text_of(anna)
    person.goto(link.group(0))
    expect(person.locator("h1")).to_be_visible()
    assert "Anna Jensen" in person.content() or "anna.jensen" in person.content()
    phone_checked(person, screenshots, "reminder-link-opens")

    # --- 3. The organisation turns reminders off: Carl's due reminder is not sent. ---------
    page.goto(server.url + "/admin/settings")
    page.uncheck("#activation_reminders")
    phone_checked(page, screenshots, "settings-reminders-off")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#done")).to_have_text("The settings are saved.")
    _freeze_before_expiry(app, ["carl.nielsen"])
    assert cli(app, "reminders send --json") == {"seven_days": 0, "one_day": 0}
    assert "carl.nielsen@example.dk" not in _reminders_queued(app)

    # --- 4. CSV export of a filtered list: the legacy formula name comes out as text. ------
    with app.app_context():
        db.session.execute(update(User).where(User.username == "bo.hansen").values(name=FORMULA))
        db.session.commit()
        db.session.remove()
    page.goto(server.url + "/admin/users?q=hansen")
    phone_checked(page, screenshots, "users-filtered")
    documents.assert_all_html()  # every page so far; the download below is text/csv
    with page.expect_download() as download_info:
        page.locator("#export-csv").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    body = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))  # as Danish Excel reads it
    assert [r[0] for r in rows[1:]] == ["bo.hansen"]  # only what the filter keeps
    assert rows[1][1] == "'" + FORMULA  # shown as text by a spreadsheet, never run
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

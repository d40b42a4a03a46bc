"""In a real browser: headless Chromium (from Debian, /usr/bin/chromium) driven by Playwright
against the IdP served by a real server on 127.0.0.1, mail delivered to a real SMTP server.

An administrator logs in through the login pages, imports a CSV file (dry run, then confirm),
activates three of the imported people with the bulk form in two submissions, resends one
person's mail from their person page, and that person activates through the mailed link.
An access request goes from the public search, through a scripted private eID, to the
administrator's approval, the mailed activation link and the audit log.
A screenshot of each main page is kept under test-artifacts/screenshots/.

Skipped as a whole where Chromium or Playwright is missing, and failed under CI=true
(tests/support/chromium.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from sqlalchemy import select, update

from idp.extensions import db
from idp.import_worker import start_import_worker
from idp.models import AccessRequest, Activation, User
from idp.models.types import utcnow
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
    activation_link,
    boss,
    cli,
    downstream_app,
    served_with_private_eid,
    write_csv,
)
from tests.support.page_checks import journey_password_then_app, log_in_through_pages

CVR = "12345678"
ORG_NAME = "Eksempel Kommune"
ADMIN_PASSWORD = "the administrator's passphrase"
PASSWORD = "a fine long passphrase"
PEOPLE = [  # username, name, e-mail, RID
    ("anna.jensen", "Anna Jensen", "anna.jensen@example.dk", "4711"),
    ("bo.hansen", "Bo Hansen", "bo.hansen@example.dk", "4712"),
    ("carl.nielsen", "Carl Nielsen", "carl.nielsen@example.dk", "4713"),
    ("dorte.berg", "Dorte Berg", "dorte.berg@example.dk", "4714"),
]


@pytest.fixture(scope="module")
def screenshots() -> Callable[[Page, str], None]:
    return screenshot_taker(SCREENSHOTS)


def status_text(page: Page, selector: str) -> str:
    locator = page.locator(selector)
    expect(locator).to_be_visible()
    return locator.inner_text()


def test_admin_imports_activates_resends_and_a_person_activates_in_chromium(
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

    # The operator: the organisation, in-person proofing up to Substantial, an administrator.
    cli(app, f"orgs create --cvr {CVR} --name '{ORG_NAME}' --json")
    cli(app, f"orgs configure {CVR} --route-cap in_person=Substantial")
    admin = boss(app, CVR, ADMIN_PASSWORD, "user_admin", "registrar")
    documents = Documents(server.url)  # every page the IdP serves these browsers

    # --- 1. The administrator logs in: username, password, code from the app. ------------
    page = documents.watch(new_page())
    page.goto(server.url + "/admin/")
    expect(page).to_have_url(re.compile(r"/login/"))
    screenshots(page, "login-username")
    page.fill("#username", "boss")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#password")).to_be_visible()
    screenshots(page, "login-password")
    page.fill("#password", ADMIN_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#code")).to_be_visible()
    screenshots(page, "login-code")
    page.fill("#code", pyotp.TOTP(admin["totp_secret"]).now())
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(server.url + "/admin/")
    screenshots(page, "admin-home")

    # --- 2. The CSV import: a dry run, then the confirmation. -----------------------------
    csv = write_csv(
        tmp_path / "people.csv",
        [
            {"rid": rid, "username": username, "name": name, "email": address}
            for username, name, address, rid in PEOPLE
        ],
    )
    worker = start_import_worker(app, interval=0.2)  # the check and the import run in it
    page.goto(server.url + "/admin/import")
    page.set_input_files("#file", str(csv))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#import-checked")).to_be_visible(timeout=30_000)  # meta refresh
    assert "nothing has been imported yet" in status_text(page, "#import-checked")
    assert f"Would be created\t{len(PEOPLE)}" in page.locator("#import-counts").inner_text()
    screenshots(page, "import-dry-run")
    assert cli(app, f"users list --org {CVR} --status imported --json") == []
    page.get_by_role("button", name="Import these people").click()
    expect(page.locator("#import-done")).to_be_visible(timeout=30_000)
    worker.stop()
    assert "The file was imported." in status_text(page, "#import-done")
    screenshots(page, "import-done")
    imported = cli(app, f"users list --org {CVR} --status imported --json")
    assert sorted(p["username"] for p in imported) == sorted(p[0] for p in PEOPLE)

    # --- 3. Bulk activation, twice: two with the app, then one with a code display. -------
    def activate(usernames: list[str], means: str, shot: str) -> None:
        page.goto(server.url + "/admin/imported")
        for username in usernames:
            page.get_by_label(username, exact=True).check()
        page.check(f"#bulk-means-{means}")
        screenshots(page, f"{shot}-form")
        page.get_by_role("button", name="Continue to confirmation").click()
        # The confirm step names how many mails go out; nothing is queued before it.
        n = len(usernames)
        mails = "e-mail" if n == 1 else "e-mails"
        people = "person" if n == 1 else "people"
        confirm = page.get_by_role("button", name=f"Activate {n} {people} and send {n} {mails}")
        screenshots(page, f"{shot}-confirm")
        confirm.click()
        summary = status_text(page, "#summary")
        assert f"{len(usernames)} of {len(usernames)} people were activated" in summary
        results = page.locator("#results tbody tr.ok td:first-child").all_inner_texts()
        assert sorted(results) == sorted(usernames)
        screenshots(page, f"{shot}-result")

    activate(["anna.jensen", "bo.hansen"], "app", "bulk-app")
    activate(["carl.nielsen"], "cd", "bulk-code-display")
    page.goto(server.url + "/admin/imported")
    assert page.locator("#matching").inner_text() == "1 imported person matches."
    screenshots(page, "imported-left")

    assert cli(app, "mail send --json")["sent"] == 3
    messages = smtp.handler.wait_for(3)
    assert sorted(m["To"] for m in messages) == [p[2] for p in PEOPLE[:3]]
    first_link = activation_link(next(m for m in messages if m["To"] == PEOPLE[0][2]))

    # --- 4. Resend Anna's mail from the bottom of her person page. ------------------------
    with app.app_context():  # the first mail went out two minutes ago (resend is throttled)
        anna_id = db.session.execute(
            select(User.id).where(User.username == "anna.jensen")
        ).scalar_one()
        db.session.execute(
            update(Activation)
            .where(Activation.user_id == anna_id)
            .values(created_at=utcnow() - timedelta(minutes=2))
        )
        db.session.execute(
            update(User)
            .where(User.id == anna_id)
            .values(link_sent_at=utcnow() - timedelta(minutes=2))
        )
        db.session.commit()
        db.session.remove()
    page.goto(server.url + "/admin/users")
    page.get_by_role("link", name="anna.jensen", exact=True).click()
    expect(page).to_have_url(f"{server.url}/admin/people/{anna_id}")
    resend = page.get_by_role("button", name="Resend activation e-mail")
    resend.scroll_into_view_if_needed()
    screenshots(page, "person")
    resend.click()
    assert "earlier links no longer work" in status_text(page, "#done")
    screenshots(page, "person-resent")

    assert cli(app, "mail send --json")["sent"] == 1
    resent = smtp.handler.wait_for(4)[3]
    assert resent["To"] == PEOPLE[0][2]
    link = activation_link(resent)
    assert link != first_link and link.startswith(server.url + "/activate/")

    # --- 5. Anna's journey through the mailed link. ---------------------------------------
    person = documents.watch(new_page())
    assert person.goto(first_link).status == 410  # superseded by the resent mail
    response = person.goto(link)
    assert response is not None and response.status == 200
    expect(person.locator("h1")).to_contain_text("Anna Jensen")
    expect(person.locator("#in-person")).to_be_visible()
    screenshots(person, "journey-proofing")

    # The registrar checks her passport face to face; she opens the link again.
    cli(
        app,
        "proofing in-person anna.jensen --registrar boss --document passport "
        "--last4 1234 --expires 2031-01-01",
    )
    person.reload()
    expect(person.locator("#step")).to_have_text("Choose a password")
    screenshots(person, "journey-password")
    secret = journey_password_then_app(person, PASSWORD)
    screenshots(person, "journey-app-qr")
    person.fill("#code", pyotp.TOTP(secret).now())
    person.get_by_role("button", name="Activate", exact=True).click()
    expect(person.locator("#done")).to_have_text("Your business identity is active")
    expect(person.locator("body")).to_contain_text("anna.jensen")
    screenshots(person, "journey-done")

    [anna] = [
        p for p in cli(app, f"users list --org {CVR} --json") if p["username"] == "anna.jensen"
    ]
    assert (anna["status"], anna["identity_level"]) == ("active", "Substantial"), anna
    assert len(list(SCREENSHOTS.glob("*.png"))) >= 15
    documents.assert_all_html()
    documents.assert_posts_redirect_with_303()


def request_states(app: Any) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.execute(select(AccessRequest).order_by(AccessRequest.id)).scalars()
        states = [(r.status, r.email, r.level) for r in rows]
        db.session.remove()
        return states


def admin_logs_in(page: Page, server: Server, username: str, password: str, secret: str) -> None:
    """Through the login pages: username, password, code from the app."""
    page.goto(server.url + "/admin/")
    expect(page).to_have_url(re.compile(r"/login/"))
    log_in_through_pages(page, username, password, pyotp.TOTP(secret).now())
    expect(page).to_have_url(server.url + "/admin/")


def test_an_access_request_from_search_to_approval_in_chromium(
    make_app: Any,
    servers: Callable[[str], Server],
    smtp: Smtp,
    new_page: Callable[[], Page],
    screenshots: Callable[[Page, str], None],
) -> None:
    smtp.start()
    server = servers("127.0.0.1")
    with served_with_private_eid(make_app, server, smtp) as (app, op):
        cli(app, f"orgs create --cvr {CVR} --name '{ORG_NAME}' --json")
        cli(app, f"orgs configure {CVR} --allow-access-requests")
        admin = boss(app, CVR, ADMIN_PASSWORD, "user_admin")
        cli(
            app,
            f"privileges add urn:dk:gov:saml:privilege:example:read --org {CVR} "
            "--da 'Læseadgang' --en 'Read access'",
        )

        # --- 1. The requester: search by name, choose, prove with the private eID. --------
        documents = Documents(server.url)  # every page the IdP serves these browsers
        person = documents.watch(new_page())
        person.goto(server.url + "/request-access")
        person.fill("#q", "eksempel")
        person.get_by_role("button", name="Search").click()
        expect(person.locator("#organisations .org-name")).to_have_text([ORG_NAME])
        screenshots(person, "access-search")
        person.get_by_role(
            "button", name=f"Request access to {ORG_NAME} with your private eID"
        ).click()
        expect(person).to_have_url(server.url + "/request-access/details")
        assert len(op.authorize_requests) == 1 and op.redeemed == 1
        expect(person.locator("h1")).to_have_text(f"Request access to {ORG_NAME}")

        # --- 2. Details (the upstream gave no name) and the pending status. ---------------
        person.fill("#name", "Nina Nielsen")
        person.fill("#email", "nina.nielsen@example.dk")
        screenshots(person, "access-details")
        person.get_by_role("button", name="Send the request").click()
        expect(person).to_have_url(server.url + "/request-access/status")
        expect(person.locator("#request-status")).to_have_text("Waiting for a decision")
        screenshots(person, "access-status-pending")
        assert request_states(app) == [("pending", "nina.nielsen@example.dk", "Substantial")]

        # --- 3. The administrator approves under the Access requests tab. -----------------
        page = documents.watch(new_page())
        admin_logs_in(page, server, "boss", ADMIN_PASSWORD, admin["totp_secret"])
        page.locator("#admin-tabs").get_by_role("link", name="Access requests").click()
        expect(page).to_have_url(server.url + "/admin/requests")
        card = page.locator("section.access-request")
        expect(card).to_have_count(1)
        expect(card.locator("h2")).to_have_text("Nina Nielsen")
        expect(card).to_contain_text("nina.nielsen@example.dk")
        expect(card).to_contain_text("Substantial")
        card.get_by_label("Authenticator app").check()
        card.get_by_label(re.compile("urn:dk:gov:saml:privilege:example:read")).check()
        screenshots(page, "access-requests-approve")
        card.get_by_role("button", name="Approve and send the activation e-mail").click()
        expect(page.locator("#done")).to_contain_text("The request was approved")
        expect(page.locator("#no-requests")).to_be_visible()
        screenshots(page, "access-requests-approved")

        # --- 4. The activation mail, with the link to the journey. ------------------------
        assert cli(app, "mail send --json")["sent"] == 2  # the administrator's notice as well
        messages = smtp.handler.wait_for(2)
        assert sorted(m["To"] for m in messages) == [
            "boss@example.dk",
            "nina.nielsen@example.dk",
        ]
        link = activation_link(next(m for m in messages if m["To"] == "nina.nielsen@example.dk"))
        assert link.startswith(server.url + "/activate/"), link

        # --- 5. The requester's status page now says approved; the link opens the journey. -
        person.reload()
        expect(person.locator("#request-status")).to_have_text("Approved")
        assert request_states(app) == [("approved", "nina.nielsen@example.dk", "Substantial")]
        screenshots(person, "access-status-approved")
        response = person.goto(link)
        assert response is not None and response.status == 200
        expect(person.locator("h1")).to_contain_text("Nina Nielsen")
        screenshots(person, "access-journey")

        # --- 6. The audit log lists the approval. -----------------------------------------
        page.locator("#admin-tabs").get_by_role("link", name="Audit").click()
        expect(page).to_have_url(server.url + "/admin/audit")
        # The action is shown as a sentence; its key is the cell's data-action.
        approved = 'td[data-action="access_request.approved"]'
        expect(page.locator(f"#events tbody tr {approved}")).to_have_count(1)
        row = page.locator("#events tbody tr", has=page.locator(approved))
        expect(row.locator("td:nth-child(3)")).to_have_text("boss")
        screenshots(page, "audit")
        documents.assert_all_html()
        documents.assert_posts_redirect_with_303()

"""The demo walk of README "Set-up", in Chromium, with the README's words only.

What `make run` does, on a real server on 127.0.0.1: the development stand-ins on, mail into
instance/mail/*.eml (the file transport, delivered by the background sender), `idp demo`.
The demo administrator logs in (password + code), imports the printed employee file through
/admin/import (the background check, then the import), activates one person with the
authenticator app (the confirm step); the person opens the link in the mail file, proves who
she is with the private eID at the /dev-eid stand-in as a test citizen at Substantial, chooses
a password, enrols the app, and logs in at the example relying party /demo-rp/ at Substantial:
its claims page names her and the level. Every page is text/html; the pages a newcomer meets
are axe clean and do not scroll sideways at 390 px. Screenshots go to
test-artifacts/screenshots/demo-walk/.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pyotp
import pytest

from idp.import_worker import start_import_worker
from idp.mail_sender import start_background_sender
from tests.support.chromium import (  # skips this module where Chromium or Playwright is missing
    SCREENSHOTS,
    Documents,
    Page,
    expect,
    screenshot_taker,
)
from tests.support.e2e import Server, activation_link, cli
from tests.support.page_checks import journey_password_then_app, log_in_through_pages, phone_checked

PASSWORD = "a fine long passphrase"
README = Path(__file__).resolve().parents[2] / "README.md"
# The words of the README's walk that this test clicks or reads, in the order of the walk.
WALK_WORDS = [
    "/admin/",
    "`demo`",
    "/admin/import",
    "`instance/demo-employees.csv`",
    "**Check the file**",
    "**Import these people**",
    "/admin/imported",
    "`freja.nielsen`",
    "**Authenticator app**",
    "**Continue to confirmation**",
    "**Activate 1 person and send 1 e-mail**",
    "`instance/mail/*.eml`",
    "private window",
    "**Prove it with your private eID**",
    "`/dev-eid`",
    "**Substantial**",
    "**Log in**",
    "**Show the QR code**",
    "**Activate**",
    "`/demo-rp/`",
    "**Log in at Substantial**",
    "**Allow**",
    '"Logged in at level Substantial"',
]


def test_the_readme_walk_names_what_the_browser_test_does() -> None:
    """The README's Set-up walk uses the words this module clicks, in this order."""
    text = README.read_text(encoding="utf-8")
    walk = text[text.index("## Set-up") : text.index("## Installing the package")]
    at = 0
    for word in WALK_WORDS:
        at = walk.find(word, at)
        assert at != -1, f"README's walk lacks {word!r} (or has it out of order)"


@pytest.fixture(scope="module")
def screenshots() -> Callable[[Page, str], None]:
    return screenshot_taker(SCREENSHOTS / "demo-walk")


def _mail_to(folder: Path, address: str, page: Page) -> EmailMessage:
    """The one .eml file in ``folder`` addressed to ``address`` (the sender writes it)."""
    for _ in range(100):
        for path in folder.glob("*.eml"):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(message, EmailMessage)
            if message["To"] == address:
                return message
        page.wait_for_timeout(100)
    raise AssertionError(f"no mail to {address} in {folder}")


def _admin_imports_and_activates(
    page: Page, url: str, info: dict[str, Any], shoot: Callable[[Page, str], None]
) -> None:
    """Steps 2-3 of the walk: log in at /admin/, import the file, activate Freja."""
    page.goto(url + "/admin/")
    log_in_through_pages(
        page, info["username"], info["password"], pyotp.TOTP(info["totp_secret"]).now()
    )
    expect(page).to_have_url(url + "/admin/")
    page.goto(url + "/admin/import")
    page.set_input_files("#file", info["employees_csv"])
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#import-checked")).to_be_visible(timeout=20_000)  # meta refresh
    assert "Would be created\t3" in page.locator("#import-counts").inner_text()
    phone_checked(page, shoot, "import-checked")
    page.get_by_role("button", name="Import these people").click()
    expect(page.locator("#import-done")).to_be_visible(timeout=20_000)
    phone_checked(page, shoot, "import-done")

    page.goto(url + "/admin/imported")
    page.get_by_label("freja.nielsen", exact=True).check()
    page.check("#bulk-means-app")
    shoot(page, "imported-ticked")
    page.get_by_role("button", name="Continue to confirmation").click()
    confirm = page.get_by_role("button", name="Activate 1 person and send 1 e-mail")
    phone_checked(page, shoot, "confirm")
    confirm.click()
    expect(page.locator("#summary")).to_contain_text("1 of 1 people were activated")
    shoot(page, "activated")


def _person_activates(person: Page, link: str, shoot: Callable[[Page, str], None]) -> str:
    """Steps 4-5: the link, private eID at /dev-eid (Substantial), password, the app. Returns
    the app's secret."""
    person.goto(link)
    expect(person.locator("h1")).to_contain_text("Freja Holm Nielsen")
    phone_checked(person, shoot, "journey-proofing")
    person.get_by_role("button", name="Prove it with your private eID").click()
    expect(person).to_have_url(re.compile(r"/dev-eid/authorize\?"))
    expect(person.locator("#dev-eid-warning")).to_contain_text("Development stand-in")
    person.get_by_label("Freja Holm Nielsen", exact=False).check()
    expect(person.get_by_label("Substantial")).to_be_checked()
    phone_checked(person, shoot, "dev-eid")
    person.get_by_role("button", name="Log in", exact=True).click()
    expect(person.locator("#step")).to_have_text("Choose a password")
    phone_checked(person, shoot, "journey-password")
    secret = journey_password_then_app(person, PASSWORD)
    phone_checked(person, shoot, "journey-app-qr")
    person.fill("#code", pyotp.TOTP(secret).now())
    person.get_by_role("button", name="Activate", exact=True).click()
    expect(person.locator("#done")).to_have_text("Your business identity is active")
    expect(person.locator("body")).to_contain_text("freja.nielsen")
    phone_checked(person, shoot, "journey-done")
    return secret


def test_the_readme_demo_walk_from_import_to_a_login_at_the_example_rp_in_chromium(
    make_app: Any,
    servers: Callable[[str], Server],
    new_page: Callable[[], Page],
    screenshots: Callable[[Page, str], None],
) -> None:
    server = servers("127.0.0.1")
    # As `make run`: the stand-ins, mail into instance/mail/*.eml, `idp demo`, then serving
    # with the import worker and the mail sender (a served process starts both itself; a test
    # app does not, so they are started here).
    app = make_app(issuer=server.url, dev_stand_ins=True, mail_transport="file")
    info = cli(app, "demo --json")
    assert Path(info["employees_csv"]).is_file()
    server.serve(app)
    importer = start_import_worker(app, interval=0.2)
    sender = start_background_sender(app, interval=0.2)
    try:
        documents = Documents(server.url)
        admin = documents.watch(new_page())
        _admin_imports_and_activates(admin, server.url, info, screenshots)
        mail_dir = app.extensions["idp.settings"].instance_dir / "mail"
        mail = _mail_to(mail_dir, "freja.nielsen@example.dk", admin)
    finally:
        importer.stop()
        sender.stop()
    link = activation_link(mail)
    assert link.startswith(server.url + "/activate/"), link

    person = documents.watch(new_page())  # the private window
    secret = _person_activates(person, link, screenshots)

    person.goto(server.url + "/demo-rp/")
    person.get_by_role("button", name="Log in at Substantial").click()
    # A code works once: the one enrolment took is spent, so she types the app's next one
    # (a login accepts the code of the step after the current one).
    log_in_through_pages(person, "freja.nielsen", PASSWORD, pyotp.TOTP(secret).at(time.time() + 30))
    person.get_by_role("button", name="Allow").click()
    expect(person).to_have_url(server.url + "/demo-rp/")
    expect(person.locator("#demo-level")).to_have_text("Logged in at level Substantial")
    expect(person.locator("#demo-claims")).to_contain_text("Freja Holm Nielsen")
    phone_checked(person, screenshots, "demo-rp-claims")
    documents.assert_all_html()
    documents.assert_posts_redirect_with_303()

"""The development private-eID stand-in (/dev-eid) inside the activation journey, in Chromium.

`idp demo` with dev_stand_ins writes the sample employee file; its people are imported and
activated with the CLI; one opens her mailed link, chooses the private eID and meets the
stand-in's page: marked as a development stand-in, its test citizens, the level (Substantial
by default). She logs in as a citizen at High and is back in the journey at the password step,
her identity proven at High through the IdP's own /dev-eid. The page is text/html, axe clean
and does not scroll sideways at 390 px, in English and in Danish. Screenshots go to
test-artifacts/screenshots/dev-eid/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from idp.web.dev_eid import provider
from tests.support.activation import _link
from tests.support.chromium import (  # skips this module where Chromium or Playwright is missing
    SCREENSHOTS,
    Documents,
    Page,
    expect,
    screenshot_taker,
)
from tests.support.e2e import Server, Smtp, cli, downstream_app
from tests.support.page_checks import phone_checked

CVR = "12345678"  # the demo organisation's


@pytest.fixture(scope="module")
def screenshots() -> Callable[[Page, str], None]:
    return screenshot_taker(SCREENSHOTS / "dev-eid")


def test_the_stand_in_inside_the_activation_journey_in_chromium(
    make_app: Any,
    servers: Callable[[str], Server],
    smtp: Smtp,
    new_page: Callable[[], Page],
    screenshots: Callable[[Page, str], None],
) -> None:
    server = servers("127.0.0.1")
    app = downstream_app(make_app, server, smtp, dev_stand_ins=True)
    server.serve(app)
    demo = cli(app, "demo --json")
    cli(app, f"users import {demo['employees_csv']} --org {CVR} --json")
    cli(app, f"users activate --org {CVR} --all-imported --login-means app --json")
    link = _link(app, "freja.nielsen")
    assert link.startswith(server.url + "/activate/"), link

    documents = Documents(server.url)
    page = documents.watch(new_page())
    page.goto(link)
    expect(page.locator("h1")).to_contain_text("Freja Holm Nielsen")
    page.get_by_role("button", name="Prove it with your private eID").click()
    expect(page).to_have_url(re.compile(r"/dev-eid/authorize\?"))
    expect(page.locator("#dev-eid-warning")).to_contain_text(
        "Development stand-in — not MitID. For testing only."
    )
    for citizen in provider.CITIZENS:
        expect(page.get_by_label(citizen.name, exact=False)).to_be_visible()
    expect(page.get_by_label("Substantial")).to_be_checked()
    phone_checked(page, screenshots, "stand-in-en")

    page.context.set_extra_http_headers({"Accept-Language": "da"})
    page.reload()
    expect(page.locator("#dev-eid-warning")).to_contain_text(
        "Udviklingsudgave — ikke MitID. Kun til afprøvning."
    )
    expect(page.locator("h1")).to_have_text("Privat eID (udviklingsudgave)")
    phone_checked(page, screenshots, "stand-in-da")
    page.context.set_extra_http_headers({"Accept-Language": "en"})
    page.reload()

    page.get_by_label("Freja Holm Nielsen", exact=False).check()
    page.get_by_label("High").check()
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.locator("#step")).to_have_text("Choose a password")
    shoot_name = "journey-password-after-stand-in"
    screenshots(page, shoot_name)
    [freja] = [
        p for p in cli(app, f"users list --org {CVR} --json") if p["username"] == "freja.nielsen"
    ]
    assert freja["identity_level"] == "High", freja
    documents.assert_all_html()
    documents.assert_posts_redirect_with_303()

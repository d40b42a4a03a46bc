"""Every GET page of the URL map, in Chromium, as each kind of visitor, at a desktop's and a
phone's width, in Danish and English (issue 11).

The IdP runs on a real server on 127.0.0.1 with data in every list (tests/support/every_page.py
``seed``; the rules it skips, all protocol endpoints or files, are in its ``SKIPPED``). Each
page is visited as the anonymous visitor, an employee and each administrator role, at
1280x800 and 390x844, in da and en. A path that lands on a page already checked for that
visitor, width and language (the login page every admin page sends the anonymous visitor to,
the same 403 page behind every forbidden admin page) is not checked twice: failures are named
after the page landed on, ``<endpoint> as <visitor>``, and error pages as ``error <status>``.

On each page: the document is text/html; nothing scrolls sideways
(``document.documentElement.scrollWidth <= innerWidth``); no console error; no sub-request
failed or answered >= 400; axe-core (vendored, tests/support/vendor/) finds no serious or
critical violation; in Danish, no internal key, Python repr or English word shows
(tests/support/danish_text.py). A screenshot of each goes to
test-artifacts/screenshots/every-page/.

All failures are collected and reported at once, against ``KNOWN_FAILURES``: the test fails on
a failure not in that list and on a listed failure that no longer happens, so the list only
shrinks as the pages move to DKFDS. Mend a page, then delete its lines there. A second test
shows each check failing on a page made to fail it, so that a pass means the checks looked.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.chromium import (  # skips this module where Chromium or Playwright is missing
    SCREENSHOTS,
    TIMEOUT_MS,
    Browser,
    Page,
)
from tests.support.danish_text import DanishCheck
from tests.support.e2e import Server, Smtp, served_with_private_eid
from tests.support.every_page import PERSONAS, Seeded, pages, seed
from tests.support.fake_op import FakeOP
from tests.support.helpers import TestUser
from tests.support.page_checks import Tab, check_page

SHOTS = SCREENSHOTS / "every-page"
WIDTHS = {1280: 800, 390: 844}
LANGUAGES = ("da", "en")
# Failures accepted for now, (page, check); a check is "html", "overflow <width>", "console",
# "sub-request", "axe <rule id>" or "danish" (an internal key or English word on a Danish
# page). Empty since the pages moved to DKFDS (issue 11): every page passes every check.
# The test also fails when a listed failure no longer happens.
KNOWN_FAILURES: frozenset[tuple[str, str]] = frozenset()

Failures = dict[tuple[str, str], set[str]]


def test_every_page_is_html_fits_a_phone_and_passes_axe(
    make_app: Any,
    servers: Callable[[str], Server],
    smtp: Smtp,
    chromium: Browser,
    tmp_path: Path,
) -> None:
    server = servers("127.0.0.1")
    # The scripted private eID behind the access request pages.
    with served_with_private_eid(make_app, server, smtp) as (app, op):
        data = seed(app, smtp, tmp_path)
        paths = pages(app, data)
        paths["oidc.logout"] = paths.pop("oidc.logout")  # last: nothing after it as logged out
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob("*.png"):
            old.unlink()
        failures: Failures = defaultdict(set)
        for persona in PERSONAS:
            with visitor(chromium, server.url, data.people.get(persona or "")) as tab:
                crawl(tab, app, paths, data, op, persona or "anonymous", failures)
    assert_only_known(failures)


def assert_only_known(failures: Failures) -> None:
    found = set(failures)
    new = sorted(found - KNOWN_FAILURES)
    mended = sorted(KNOWN_FAILURES - found)
    lines = [f"    {key!r},  # {'; '.join(sorted(failures[key]))[:300]}" for key in new]
    assert not new and not mended, (
        f"{len(new)} failures not in KNOWN_FAILURES:\n"
        + "\n".join(lines)
        + f"\n{len(mended)} listed in KNOWN_FAILURES that no longer happen (delete them):\n"
        + "\n".join(f"    {key!r}," for key in mended)
    )


@contextmanager
def visitor(chromium: Browser, origin: str, person: TestUser | None) -> Iterator[Tab]:
    """A browser context for one visitor, logged in through the login pages when a person."""
    context = chromium.new_context(
        viewport={"width": 1280, "height": 800}, extra_http_headers={"Accept-Language": "da"}
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        tab = Tab(context.new_page(), origin)
        if person is not None:
            log_in(tab.page, origin, person)
        yield tab
    finally:
        context.close()


def log_in(page: Page, origin: str, person: TestUser) -> None:
    page.goto(origin + "/login/")
    page.fill("#username", person.username)
    page.press("#username", "Enter")
    page.fill("#password", person.password)
    page.press("#password", "Enter")
    page.fill("#code", person.code())
    page.press("#code", "Enter")
    page.wait_for_url(re.compile(r"/account/"))


def crawl(
    tab: Tab,
    app: Any,
    paths: dict[str, str],
    data: Seeded,
    op: FakeOP,
    persona: str,
    failures: Failures,
) -> None:
    seen: set[tuple[str, int, str]] = set()
    origin = tab.origin
    danish = DanishCheck(app)
    urls = app.url_map.bind("127.0.0.1")
    for lang in LANGUAGES:
        tab.page.context.set_extra_http_headers({"Accept-Language": lang})
        for endpoint, path in paths.items():
            path = prepare(tab.page, origin, endpoint, path, data, op, persona)
            for width, height in WIDTHS.items():
                tab.page.set_viewport_size({"width": width, "height": height})
                tab.clear()
                response = tab.page.goto(origin + path)
                assert response is not None, path
                name = landed_on(urls, tab.page.url, response.status)
                if (name, width, lang) in seen:
                    continue
                seen.add((name, width, lang))
                where = f"{lang} {width} {path}"
                for check in check_page(tab, response.headers.get("content-type", ""), width):
                    failures[(f"{name} as {persona}", check[0])].add(f"{where}: {check[1]}")
                if lang == "da" and (leaks := danish.leaks(tab.page.content())):
                    # No internal key or English word on a Danish page (the same text at
                    # either width; checked at both, as cheap as it is).
                    failures[(f"{name} as {persona}", "danish")].add(f"{where}: {leaks}")
                shot = f"{name}-{persona}-{width}-{lang}.png".replace(" ", "-")
                tab.page.screenshot(path=str(SHOTS / shot), full_page=True)


def landed_on(urls: Any, url: str, status: int) -> str:
    """The endpoint of the page a visit ended on, or ``error <status>``."""
    if status >= 400:
        return f"error {status}"
    return str(urls.match(urlsplit(url).path)[0])


def prepare(
    page: Page, origin: str, endpoint: str, path: str, data: Seeded, op: FakeOP, persona: str
) -> str:
    """What a visitor does before a page that needs a step behind it: the anonymous visitor
    starts a login (the employee's) for the password and code pages, and proves who they are
    with the private eID for the access request's details and status; anyone who has a
    pending authorization request may resume it."""
    anonymous = persona == "anonymous"
    if anonymous and endpoint in ("login.password", "login.code"):
        page.goto(origin + "/login/")
        page.fill("#username", data.people["employee"].username)
        page.press("#username", "Enter")
        page.wait_for_url(re.compile(r"/login/password"))
        if endpoint == "login.code":
            page.fill("#password", data.people["employee"].password)
            page.press("#password", "Enter")
            page.wait_for_url(re.compile(r"/login/code"))
    if anonymous and endpoint in ("access.details", "access.status"):
        if endpoint == "access.status":  # someone new each time: one pending request each
            op.sub = "fake-person-" + secrets.token_hex(4)
        request_access(page, origin, send=endpoint == "access.status")
    if endpoint == "oidc.resume":
        return path.replace("{key}", pending_key(page, origin, data))
    return path


def request_access(page: Page, origin: str, *, send: bool) -> None:
    """Search, prove with the private eID, and (``send``) send the details once."""
    page.goto(origin + "/request-access?q=eksempel")
    page.locator("#organisations form button").first.click()
    page.wait_for_url(re.compile(r"/request-access/(details|status)"))
    if send and page.locator("#email").count():
        page.fill("#name", "Nina Nielsen")
        page.fill("#email", "nina.nielsen@example.dk")
        page.locator("form[action$='/request-access/details'] button").click()
        page.wait_for_load_state()
        assert "/request-access/status" in page.url, page.inner_text("body")


def pending_key(page: Page, origin: str, data: Seeded) -> str:
    """The key of the visitor's pending authorization request: in the login page's address
    (``r``) or in the consent form's action."""
    page.goto(f"{origin}/authorize?{data.authorize_query}")
    key = parse_qs(urlsplit(page.url).query).get("r")
    if key:
        return key[0]
    action = page.locator("form[action*='/authorize/consent/']").first.get_attribute("action")
    assert action, f"no consent form for the pending request at {page.url}"
    return action.rsplit("/", 1)[1]


BAD_PAGE = """<!doctype html><html><head><title>bad</title></head><body>
<div style="width: 900px">wider than a phone</div><img src="/missing.png"><input type="text">
<script>console.error("boom")</script></body></html>"""


def test_the_checks_catch_what_they_look_for(chromium: Browser) -> None:
    """A page made to fail each check fails each one: the crawl cannot pass by seeing nothing."""

    def serve(route: Any) -> None:
        if route.request.url.endswith("/missing.png"):
            route.fulfill(status=404, body="")
        else:
            route.fulfill(
                status=200, body=BAD_PAGE, content_type="text/html"
            )  # no charset: not HTML

    context = chromium.new_context(viewport={"width": 390, "height": 844})
    try:
        tab = Tab(context.new_page(), "http://checks.test")
        tab.page.route("http://checks.test/**", serve)
        response = tab.page.goto("http://checks.test/")
        assert response is not None
        found = {name for name, _ in check_page(tab, response.headers["content-type"], 390)}
    finally:
        context.close()
    expected = {"html", "overflow 390", "console", "sub-request", "axe image-alt", "axe label"}
    assert expected <= found, found

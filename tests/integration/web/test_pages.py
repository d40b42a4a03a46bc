"""Pages are HTML and redirects after a POST are 303s: one helper for each
(idp/web/pages.py), a guard that no view renders or redirects by hand, and the pages a browser
meets in a third-party login, read over real HTTP from a live server."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest

from tests.support.browser import Browser, location, only_form, path_of
from tests.support.helpers import (
    ROOT,
    LiveServer,
    TestClient,
    TestUser,
    auth_params,
    make_client,
    make_user,
    pkce_pair,
    query_of,
)

WEB = ROOT / "idp" / "web"
HELPER = WEB / "pages.py"
# Callables that make an answer by hand; under idp/web only pages.py may call them.
BY_HAND = {"render_template", "render_template_string", "make_response", "redirect", "Response"}


def hand_made_answers(source: str) -> list[str]:
    """Where ``source`` calls a function that renders, redirects or builds a Response itself
    (``Response(render_template(...))`` was how the consent page came to be text/plain)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in BY_HAND:
                found.append(f"line {node.lineno}: {name}(...)")
    return found


def test_the_guard_sees_a_response_built_around_a_template():
    source = (
        "from flask import render_template\n"
        "from werkzeug.wrappers import Response\n"
        "def view():\n"
        "    return Response(render_template('oidc/consent.html'))\n"
    )
    assert hand_made_answers(source) == ["line 4: Response(...)", "line 4: render_template(...)"]
    assert hand_made_answers("import flask\nflask.redirect('/x', 302)\n") == [
        "line 2: redirect(...)"
    ]
    assert hand_made_answers("def f(page):\n    return page('x.html', 400)\n") == []


def test_no_view_renders_or_redirects_by_hand():
    modules = sorted(WEB.rglob("*.py"))
    assert len(modules) > 20, "the web modules were not found"
    offenders = {
        str(path.relative_to(WEB)): hand_made_answers(path.read_text())
        for path in modules
        if path != HELPER
    }
    assert {name: where for name, where in offenders.items() if where} == {}, (
        "render with pages.page() and redirect with pages.redirect_to()"
    )


# --- over real HTTP ----------------------------------------------------------------------------


def is_html(response) -> bool:
    return response.headers.get("Content-Type") == "text/html; charset=utf-8"


@pytest.fixture
def third_party(live_server: LiveServer) -> Iterator[tuple[LiveServer, TestClient, TestUser]]:
    rp = make_client(live_server.app, first_party=False)
    yield live_server, rp, make_user(live_server.app)


def authorize_url(server: LiveServer, rp: TestClient, **extra: str) -> str:
    return f"{server.url}/authorize?{urlencode(auth_params(rp, pkce_pair()[1], **extra))}"


def consent_page(server: LiveServer, rp: TestClient, user: TestUser, browser: Browser, **extra):
    page = browser.get(authorize_url(server, rp, **extra))
    answer = browser.log_in(page, user.username, user.password, user.code())
    assert path_of(answer).startswith("/authorize/resume/"), (answer.url, answer.text)
    return answer


def test_each_login_step_answers_its_post_with_303_see_other(third_party):
    server, rp, user = third_party
    browser = Browser(server.url)
    page = browser.get(authorize_url(server, rp))
    assert path_of(page) == "/login/" and is_html(page)
    http = browser.http
    form = only_form(page.text)
    steps = [
        ("/login/", {**form.fields, "username": user.username}, "/login/password"),
        (
            "/login/password",
            {"csrf_token": form.fields["csrf_token"], "password": user.password},
            "/login/code",
        ),
        (
            "/login/code",
            {"csrf_token": form.fields["csrf_token"], "code": user.code()},
            "/authorize/resume/",
        ),
    ]
    for path, data, then in steps:
        answer = http.post(server.url + path, data=data, allow_redirects=False, timeout=10)
        # RFC 9700 §4.12: never 307/308 (the password would be posted again), and not 302.
        assert answer.status_code == 303, (path, answer.status_code, answer.text)
        assert urlsplit(answer.headers["Location"]).path.startswith(then), (path, answer.headers)
    browser.close()


def test_consent_page_is_html_and_allowing_answers_303_to_the_relying_party(third_party):
    server, rp, user = third_party
    browser = Browser(server.url)
    page = consent_page(server, rp, user, browser)
    assert page.status_code == 200 and is_html(page), page.headers
    assert 'name="decision"' in page.text
    allowed = browser.submit(page, decision="allow")
    assert allowed.status_code == 303, (allowed.status_code, allowed.text)
    assert "code" in query_of(location(allowed))
    assert allowed.headers["Location"].startswith(rp.redirect_uri + "?")
    browser.close()


def test_form_post_response_page_is_html(third_party):
    server, rp, user = third_party
    browser = Browser(server.url)
    browser.submit(consent_page(server, rp, user, browser), decision="allow")
    # Consent is remembered: the second request answers at once, as an auto-posting form.
    page = browser.get(authorize_url(server, rp, response_mode="form_post"))
    assert page.status_code == 200 and is_html(page), (page.status_code, page.headers)
    assert f'action="{rp.redirect_uri}"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    browser.close()


def test_oidc_error_page_is_html(live_server: LiveServer):
    browser = Browser(live_server.url)
    page = browser.get(live_server.url + "/authorize?client_id=nobody&response_type=code")
    assert page.status_code == 400 and is_html(page), (page.status_code, page.headers)
    browser.close()


def test_logout_confirmation_and_logged_out_pages_are_html(third_party):
    server, rp, user = third_party
    browser = Browser(server.url)
    consent_page(server, rp, user, browser)  # logged in
    confirm = browser.get(server.url + "/logout")
    assert confirm.status_code == 200 and is_html(confirm), confirm.headers
    assert 'name="confirm"' in confirm.text
    done = browser.submit(confirm, confirm="yes")
    assert done.status_code == 200 and is_html(done), done.headers
    assert 'name="confirm"' not in done.text
    # Without a session there is nothing to confirm: the logged-out page at once.
    again = browser.get(server.url + "/logout")
    assert again.status_code == 200 and is_html(again), again.headers
    assert 'name="confirm"' not in again.text
    browser.close()


def test_plain_error_pages_are_html(live_server: LiveServer):
    browser = Browser(live_server.url)
    missing = browser.get(live_server.url + "/no-such-page")
    assert missing.status_code == 404 and is_html(missing), missing.headers
    expired = browser.http.post(live_server.url + "/login/", data={"username": "x"}, timeout=10)
    assert expired.status_code == 400 and is_html(expired), expired.headers  # no CSRF token
    browser.close()


def test_an_error_page_keeps_the_headers_of_its_error(client):
    # RFC 9110 §15.5.6: a 405 says which methods the resource allows.
    response = client.delete("/login/")
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}

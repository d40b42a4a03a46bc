"""The landing page at ``/`` and the error pages in the product's layout and language."""

from __future__ import annotations

from tests.support.admin import admin, browser
from tests.support.helpers import make_user


def test_anonymous_landing_page_says_what_this_is_and_links_to_login(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert 'href="/login/?next=/account/"' in html
    assert 'id="logout-form"' not in html and 'href="/admin/"' not in html


def test_landing_page_links_an_administrator_to_the_admin_and_shows_logout(app):
    http = browser(app, admin(app, "ua", "user_admin"))
    html = http.get("/").get_data(as_text=True)
    assert 'href="/admin/"' in html and 'href="/account/"' in html
    assert 'id="logout-form"' in html and 'action="/logout"' in html


def test_an_employee_sees_the_account_but_not_the_admin(app):
    http = browser(app, make_user(app, "emma"))
    html = http.get("/").get_data(as_text=True)
    assert 'id="logout-form"' in html and 'href="/account/"' in html
    assert 'href="/admin/"' not in html
    # The account page has its own logout button; the header leaves it out there.
    account = http.get("/account/").get_data(as_text=True)
    assert 'id="logout-form"' not in account and 'name="confirm"' in account


def test_unknown_path_is_a_404_in_the_layout_and_the_language(client):
    danish = client.get("/no-such-page", headers={"Accept-Language": "da"})
    html = danish.get_data(as_text=True)
    assert danish.status_code == 404 and "Siden blev ikke fundet" in html
    assert "Siden findes ikke" in html and "requested URL" not in html
    assert 'class="header' in html and "dkfds-virkdk.css" in html
    client.post("/language", data={"language": "en", "next": "/"})
    assert "Page not found" in client.get("/no-such-page").get_data(as_text=True)


def test_405_keeps_its_allow_header_and_speaks_the_language(client):
    response = client.delete("/login/", headers={"Accept-Language": "da"})
    assert response.status_code == 405 and "Allow" in response.headers
    assert "Siden kan ikke bruges på denne måde." in response.get_data(as_text=True)


def test_styles_need_no_unsafe_inline(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "style-src 'self';" in policy and "unsafe-inline" not in policy
    assert "font-src 'self'" in policy


def test_an_unexpected_error_is_a_500_in_the_layout_and_the_language(app):
    """A fault the code did not expect: the person sees the product's 500 page in their
    language, never a stack trace or Werkzeug's English text."""

    def broken() -> str:
        raise RuntimeError("a fault no view expected")

    app.add_url_rule("/test-only/broken", "test_broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production, not as in testing
    response = app.test_client().get("/test-only/broken", headers={"Accept-Language": "da"})
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert "dkfds-virkdk.css" in html and "RuntimeError" not in html
    assert "Internal Server Error" not in html and "a fault no view expected" not in html
    assert "Der opstod en fejl hos os. Prøv igen senere." in html

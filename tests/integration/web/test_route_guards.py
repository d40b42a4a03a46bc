"""Guards that must hold for every route, found from the URL map (so a new route that forgets
one fails here): every admin route needs an admin session, every state-changing form a CSRF
token."""

from __future__ import annotations

import re
import shlex

from flask import Flask

from tests.support.helpers import login, make_user, redirect_status

# Protocol endpoints are called by relying parties, not forms; the specs forbid CSRF tokens
# there (OAuth 2.0 client authentication and bearer tokens protect them instead).
CSRF_EXEMPT = {"/authorize", "/token", "/userinfo", "/revoke", "/introspect", "/logout"}


def _routes(app: Flask, prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix) or rule.endpoint == "static":
            continue
        # Fill path parameters with a value that names nothing real.
        url = re.sub(r"<(?:int:)?[^>]+>", "999999", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def _admin_routes(app: Flask) -> list[tuple[str, str]]:
    routes = _routes(app, "/admin")
    assert len(routes) > 20, "the admin routes were not found"
    return routes


def _token(client) -> str:
    page = client.get("/login/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_every_admin_route_sends_an_anonymous_visitor_to_login(app):
    client = app.test_client()
    token = _token(client)  # a valid form token, so that the admin guard itself answers
    for method, url in _admin_routes(app):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == redirect_status(method), (method, url, response.status_code)
        assert "/login/" in response.location, (method, url)


def test_every_admin_route_refuses_a_person_without_a_role(app):
    person = make_user(app, "plain")
    client = app.test_client()
    login(client, person)
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/account/").get_data(as_text=True)
    ).group(1)
    for method, url in _admin_routes(app):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 403, (method, url, response.status_code)


def test_every_admin_route_sends_a_low_session_to_login(app):
    weak = make_user(app, "weakadmin", totp=False)
    for role in ("user_admin", "registrar", "org_admin"):
        result = app.test_cli_runner().invoke(
            args=shlex.split(f"admins grant weakadmin {role} --org 12345678")
        )
        assert result.exit_code == 0
    client = app.test_client()
    login(client, weak)  # password only: a Low session
    token = _token(client)
    for method, url in _admin_routes(app):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == redirect_status(method), (method, url)
        assert "/login/" in response.location, (method, url)


def test_every_state_changing_form_refuses_a_post_without_csrf_token(app):
    admin = make_user(app, "allroles")
    for role in ("user_admin", "registrar", "org_admin"):
        app.test_cli_runner().invoke(
            args=shlex.split(f"admins grant allroles {role} --org 12345678")
        )
    client = app.test_client()
    login(client, admin)
    posts = [url for method, url in _routes(app) if method == "POST" and url not in CSRF_EXEMPT]
    assert len(posts) > 20
    for url in posts:
        response = client.post(url, data={})
        assert response.status_code == 400, (url, response.status_code)

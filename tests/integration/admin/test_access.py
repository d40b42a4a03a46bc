"""Who may use the admin pages: no session and a Low session are sent to log in, a person without
the role gets 403, an administrator of another organisation gets 404 and sees none of its data,
and every form needs the CSRF token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from idp.extensions import db
from idp.models import Authenticator
from tests.support.admin import (
    OTHER,
    admin,
    browser,
    import_seed_file,
    org_client,
    pending_person,
    text,
    token,
)
from tests.support.helpers import make_user, redirect_status


@dataclass
class World:
    person_id: int
    client_id: str
    routes: list[tuple[str, str, tuple[str, ...]]]


@pytest.fixture
def world(app: Flask) -> World:
    person_id = pending_person(app)
    client_id = org_client(app)
    routes = [
        ("GET", "/admin/login-means", ("user_admin",)),
        ("POST", "/admin/login-means/upload", ("user_admin",)),
        ("POST", "/admin/login-means/import", ("user_admin",)),
        ("POST", "/admin/login-means/revoke", ("user_admin",)),
        ("POST", "/admin/login-means/assign", ("user_admin",)),
        ("GET", "/admin/registrar", ("registrar",)),
        ("GET", f"/admin/registrar/{person_id}", ("registrar",)),
        ("POST", f"/admin/registrar/{person_id}", ("registrar",)),
        ("GET", "/admin/settings", ("org_admin",)),
        ("POST", "/admin/settings", ("org_admin",)),
        ("GET", "/admin/services", ("org_admin",)),
        ("POST", "/admin/services", ("org_admin",)),
        ("GET", f"/admin/services/{client_id}", ("org_admin",)),
        ("POST", f"/admin/services/{client_id}", ("org_admin",)),
        ("POST", f"/admin/services/{client_id}/rotate", ("org_admin",)),
        ("GET", "/admin/audit", ("user_admin", "registrar", "org_admin")),
    ]
    return World(person_id, client_id, routes)


def call(http: Any, method: str, path: str, csrf: str | None = None) -> Any:
    if method == "GET":
        return http.get(path)
    return http.post(path, data={"csrf_token": csrf} if csrf else {})


def test_no_session_is_sent_to_log_in(app, world):
    http = browser(app)
    csrf = token(http)
    for method, path, _ in world.routes:
        response = call(http, method, path, csrf)
        assert response.status_code == redirect_status(method), (method, path)
        assert "/login/" in response.location, (method, path)


def test_low_session_is_sent_to_log_in_again(app, world):
    user = admin(app, "low", "user_admin", "registrar", "org_admin", totp=False)
    http = browser(app, user)
    assert "(Low)" in text(http.get("/account/"))  # logged in, with the password alone
    csrf = token(http)
    for method, path, _ in world.routes:
        response = call(http, method, path, csrf)
        assert response.status_code == redirect_status(method), (method, path)
        assert "/login/" in response.location, (method, path)


def test_non_admin_gets_403(app, world):
    http = browser(app, make_user(app, "plain"))
    csrf = token(http)
    for method, path, _ in world.routes:
        assert call(http, method, path, csrf).status_code == 403, (method, path)


@pytest.mark.parametrize("role", ["user_admin", "registrar", "org_admin"])
def test_wrong_role_gets_403(app, world, role):
    http = browser(app, admin(app, f"only_{role}", role))
    csrf = token(http)
    for method, path, allowed in world.routes:
        if role not in allowed:
            assert call(http, method, path, csrf).status_code == 403, (method, path)


def test_administrator_of_another_organisation_gets_404_and_sees_none_of_this_data(app, world):
    # This organisation's data: a code display, a service, a pending person, events.
    http = browser(app, admin(app, "ua", "user_admin"))
    import_seed_file(http)

    other = browser(app, admin(app, "rival", "user_admin", "registrar", "org_admin", cvr=OTHER))
    csrf = token(other)
    for method, path in (
        ("GET", f"/admin/registrar/{world.person_id}"),
        ("POST", f"/admin/registrar/{world.person_id}"),
        ("GET", f"/admin/services/{world.client_id}"),
        ("POST", f"/admin/services/{world.client_id}"),
        ("POST", f"/admin/services/{world.client_id}/rotate"),
    ):
        assert call(other, method, path, csrf).status_code == 404, (method, path)

    assert "987654321" not in text(other.get("/admin/login-means"))
    assert "pia" not in text(other.get("/admin/registrar"))
    assert world.client_id not in text(other.get("/admin/services"))
    events = text(other.get("/admin/audit"))
    assert "<td>ua</td>" not in events and "code_displays.imported" not in events
    assert "rival" in events  # their own roles being granted

    for data, status in (
        # this org's person: no such person in theirs (the form names the username input)
        ({"username": "pia", "serial": "987654321"}, 400),
        ({"username": "rival", "serial": "987654321"}, 404),  # this org's code display
    ):
        response = other.post("/admin/login-means/assign", data={"csrf_token": csrf, **data})
        assert response.status_code == status
    revoke = other.post(
        "/admin/login-means/revoke", data={"csrf_token": csrf, "serial": "987654321"}
    )
    assert revoke.status_code == 404
    with app.app_context():
        display = db.session.query(Authenticator).filter_by(serial="987654321").one()
        assert display.status == "in_stock"


def test_every_form_refuses_a_post_without_a_valid_csrf_token(app, world):
    http = browser(app, admin(app, "all", "user_admin", "registrar", "org_admin"))
    for method, path, _ in world.routes:
        if method == "POST":
            assert http.post(path, data={}).status_code == 400, path
            assert http.post(path, data={"csrf_token": "forged"}).status_code == 400, path

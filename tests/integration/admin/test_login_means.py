"""The admin pages for login means, identity checks, settings, services and the audit trail:
each works for its role through its forms, refuses everyone else, and shows only the
administrator's own organisation."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask

from idp.extensions import db
from idp.models import Authenticator, Client, Organisation, User
from idp.services import audit
from idp.services import clients as client_service
from tests.support.helpers import SEED_FILES, TestUser, csrf_of, login, make_user, redirect_status

PSKC = SEED_FILES / "rfc6030-figure3-totp.pskcxml"
ORG = "12345678"
OTHER = "87654321"


def grant(app: Flask, username: str, *roles: str, cvr: str = ORG) -> None:
    runner = app.test_cli_runner()
    for role in roles:
        result = runner.invoke(args=["admins", "grant", username, role, "--org", cvr])
        assert result.exit_code == 0, result.output


def admin(app: Flask, username: str, *roles: str, cvr: str = ORG, totp: bool = True) -> TestUser:
    user = make_user(app, username, cvr=cvr, totp=totp)
    grant(app, username, *roles, cvr=cvr)
    return user


def browser(app: Flask, user: TestUser | None = None) -> Any:
    http = app.test_client()
    if user is not None:
        login(http, user)
    return http


def token(http: Any) -> str:
    """The session's CSRF token, from a page every visitor may see."""
    return csrf_of(http.get("/login/").get_data(as_text=True))


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no hidden {name} in page"
    return match.group(1)


def events(response: Any) -> list[tuple[str, str, str]]:
    """(action, actor, target) of each row of the audit page, top to bottom."""
    row = r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>"
    return re.findall(row, text(response))


def pending_person(app: Flask, username: str = "pia", cvr: str = ORG) -> int:
    person = make_user(app, username, cvr=cvr, totp=False, ial=None)
    with app.app_context():
        row = db.session.get(User, person.id)
        assert row is not None
        row.status = "pending_activation"
        db.session.commit()
    return person.id


def org_client(app: Flask, cvr: str = ORG, name: str = "Intranet") -> str:
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=cvr).one()
        client, _ = client_service.create_client(
            name=name,
            redirect_uris=["https://intranet.example.dk/cb"],
            org_id=org.id,
            actor="test",
        )
        return client.client_id


def future(days: int = 365) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


# -- login means -------------------------------------------------------------------------------
def _user_admin(app: Flask) -> Any:
    return browser(app, admin(app, "ua", "user_admin"))


def test_login_means_page_lists_uploads_assigns_and_revokes(app):
    http = _user_admin(app)
    page = http.get("/admin/login-means")
    assert page.status_code == 200
    html = text(page)
    assert 'href="/admin/login-means" aria-current="page"' in html
    assert 'id="seed_file"' in html and '<label for="seed_file">' in html

    csrf = token(http)
    checked = http.post(
        "/admin/login-means/upload",
        data={"csrf_token": csrf, "seed_file": (io.BytesIO(PSKC.read_bytes()), PSKC.name)},
        content_type="multipart/form-data",
    )
    assert checked.status_code == 200, text(checked)
    report = text(checked)
    assert "987654321" in report and 'id="confirm"' in report
    assert "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA" not in report  # the seed never reaches the page
    with app.app_context():
        assert db.session.query(Authenticator).filter_by(type="code_display").count() == 0

    done = http.post(
        "/admin/login-means/import",
        data={"csrf_token": csrf, "upload": hidden(report, "upload")},
    )
    assert done.status_code == 303
    listing = text(http.get(done.location))
    assert "Imported 1 code display(s)." in listing
    assert "987654321" in listing and "In stock" in listing
    with app.app_context():
        display = db.session.query(Authenticator).filter_by(serial="987654321").one()
        assert display.status == "in_stock" and display.digits == 8

    make_user(app, "bo", totp=False, ial=None)
    assigned = http.post(
        "/admin/login-means/assign",
        data={"csrf_token": csrf, "username": "bo", "serial": "987654321"},
    )
    assert assigned.status_code == 303
    with app.app_context():
        display = db.session.query(Authenticator).filter_by(serial="987654321").one()
        owner = db.session.get(User, display.user_id)
        assert display.status == "assigned" and owner is not None and owner.username == "bo"
    assert "bo" in text(http.get("/admin/login-means?status=assigned"))

    revoked = http.post(
        "/admin/login-means/revoke", data={"csrf_token": csrf, "serial": "987654321"}
    )
    assert revoked.status_code == 303
    assert "987654321" in text(http.get("/admin/login-means?status=revoked"))
    assert "987654321" not in text(http.get("/admin/login-means?status=in_stock"))


def test_importing_the_same_file_again_is_refused_with_the_row_named(app):
    http = _user_admin(app)
    csrf = token(http)

    def upload(replace: bool = False) -> Any:
        data: dict[str, Any] = {
            "csrf_token": csrf,
            "seed_file": (io.BytesIO(PSKC.read_bytes()), PSKC.name),
        }
        if replace:
            data["replace"] = "on"
        return http.post("/admin/login-means/upload", data=data, content_type="multipart/form-data")

    first = text(upload())
    http.post(
        "/admin/login-means/import", data={"csrf_token": csrf, "upload": hidden(first, "upload")}
    )
    again = upload()
    assert again.status_code == 400
    assert "already imported" in text(again) and 'role="alert"' in text(again)
    assert 'id="confirm"' not in text(again)
    assert upload(replace=True).status_code == 200


def test_bad_seed_file_tampered_upload_and_unknown_person_show_errors(app):
    http = _user_admin(app)
    csrf = token(http)
    bad = http.post(
        "/admin/login-means/upload",
        data={"csrf_token": csrf, "seed_file": (io.BytesIO(b"<not-pskc"), "x.xml")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400
    assert 'role="alert" id="seed_file-error"' in text(bad)
    assert 'aria-describedby="seed_file-error"' in text(bad)

    forged = http.post(
        "/admin/login-means/import", data={"csrf_token": csrf, "upload": "gAAAAforged"}
    )
    assert forged.status_code == 400 and 'id="seed_file-error"' in text(forged)

    missing = http.post(
        "/admin/login-means/assign",
        data={"csrf_token": csrf, "username": "nobody", "serial": "1"},
    )
    assert missing.status_code == 400 and 'id="username-error"' in text(missing)


def test_a_checked_upload_cannot_be_confirmed_by_another_organisation(app):
    http = _user_admin(app)
    csrf = token(http)
    report = text(
        http.post(
            "/admin/login-means/upload",
            data={"csrf_token": csrf, "seed_file": (io.BytesIO(PSKC.read_bytes()), PSKC.name)},
            content_type="multipart/form-data",
        )
    )
    other = browser(app, admin(app, "other", "user_admin", cvr=OTHER))
    refused = other.post(
        "/admin/login-means/import",
        data={"csrf_token": token(other), "upload": hidden(report, "upload")},
    )
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.query(Authenticator).filter_by(type="code_display").count() == 0


# -- registrar ---------------------------------------------------------------------------------
def test_registrar_records_an_in_person_check_and_the_identity_level_rises(app):
    person_id = pending_person(app)
    http = browser(app, admin(app, "reg", "registrar"))
    waiting = text(http.get("/admin/registrar"))
    assert f'href="/admin/registrar/{person_id}"' in waiting

    page = http.get(f"/admin/registrar/{person_id}")
    assert page.status_code == 200
    assert '<label for="document_type">' in text(page) and '<label for="expires">' in text(page)
    csrf = token(http)

    expired = http.post(
        f"/admin/registrar/{person_id}",
        data={
            "csrf_token": csrf,
            "document_type": "passport",
            "last4": "12ab",
            "expires": (date.today() - timedelta(days=1)).isoformat(),
        },
    )
    assert expired.status_code == 400
    html = text(expired)
    assert 'role="alert" id="expires-error"' in html and "expired" in html
    assert 'aria-describedby="expires-error"' in html

    no_date = http.post(
        f"/admin/registrar/{person_id}",
        data={"csrf_token": csrf, "document_type": "passport", "last4": "12ab", "expires": "x"},
    )
    assert no_date.status_code == 400 and 'id="expires-error"' in text(no_date)

    done = http.post(
        f"/admin/registrar/{person_id}",
        data={
            "csrf_token": csrf,
            "document_type": "passport",
            "last4": "12ab",
            "expires": future(),
        },
    )
    assert done.status_code == 303
    with app.app_context():
        person = db.session.get(User, person_id)
        assert person is not None and person.identity_level == "Substantial"
    after = text(http.get(done.location))
    assert "The identity check of pia is recorded." in after
    assert f'href="/admin/registrar/{person_id}"' not in after


def test_registrar_cannot_check_their_own_identity(app):
    me = admin(app, "reg", "registrar")
    http = browser(app, me)
    response = http.post(
        f"/admin/registrar/{me.id}",
        data={
            "csrf_token": token(http),
            "document_type": "passport",
            "last4": "12ab",
            "expires": future(),
        },
    )
    assert response.status_code == 400 and 'role="alert"' in text(response)


# -- settings ----------------------------------------------------------------------------------
def test_org_admin_changes_the_settings(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    page = text(http.get("/admin/settings"))
    assert '<label for="minimum_ial">' in page and '<label for="cap_in_person">' in page
    response = http.post(
        "/admin/settings",
        data={
            "csrf_token": token(http),
            "allow_access_requests": "on",
            "minimum_ial": "Low",
            "route_private_eid": "on",
            "cap_private_eid": "High",
            "route_in_person": "on",
            "cap_in_person": "High",
            "route_attestation": "on",
            "cap_attestation": "Low",
            "cap_legacy_import": "Low",
        },
    )
    assert response.status_code == 303
    assert "The settings are saved." in text(http.get(response.location))
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=ORG).one()
        assert org.allow_access_requests is True
        assert org.settings["minimum_ial"] == "Low"
        assert org.settings["routes"]["in_person"] == {"enabled": True, "cap": "High"}
        assert org.settings["routes"]["attestation"]["enabled"] is True
        assert org.settings["routes"]["legacy_import"]["enabled"] is False


def test_settings_refuse_a_cap_above_what_the_route_can_establish(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    response = http.post(
        "/admin/settings",
        data={"csrf_token": token(http), "minimum_ial": "Substantial", "cap_attestation": "High"},
    )
    assert response.status_code == 400
    html = text(response)
    assert 'role="alert" id="cap_attestation-error"' in html
    assert 'aria-describedby="cap_attestation-error"' in html
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=ORG).one()
        assert not org.settings


# -- services ----------------------------------------------------------------------------------
def _register(http: Any, **extra: Any) -> Any:
    data = {
        "csrf_token": token(http),
        "name": "Payroll",
        "redirect_uris": "https://payroll.example.dk/cb\r\nhttps://payroll.example.dk/cb2",
        "post_logout_redirect_uris": "https://payroll.example.dk/bye",
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "first_party": "on",
    }
    data.update(extra)
    return http.post("/admin/services", data=data)


def test_org_admin_registers_a_service_and_sees_the_secret_once(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    response = _register(http)
    assert response.status_code == 201
    html = text(response)
    client_id = re.search(r'id="client-id">([^<]+)<', html).group(1)  # type: ignore[union-attr]
    secret = re.search(r'id="client-secret">([^<]+)<', html).group(1)  # type: ignore[union-attr]
    with app.app_context():
        client = db.session.query(Client).filter_by(client_id=client_id).one()
        org = db.session.query(Organisation).filter_by(cvr=ORG).one()
        # The form has no first-party field, and a forged one sets nothing (operator only).
        assert client.org_id == org.id and not client.first_party
        assert client.client_secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert client.redirect_uris == [
            "https://payroll.example.dk/cb",
            "https://payroll.example.dk/cb2",
        ]
        assert client.post_logout_redirect_uris == ["https://payroll.example.dk/bye"]
    listing = text(http.get("/admin/services"))
    detail = text(http.get(f"/admin/services/{client_id}"))
    assert "Payroll" in listing and client_id in listing
    assert secret not in listing and secret not in detail

    tokens = app.test_client().post(
        "/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert tokens.status_code == 200


def test_public_service_gets_no_secret(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    response = _register(http, public="on", grant_types=["authorization_code"])
    assert response.status_code == 201
    assert 'id="client-secret"' not in text(response)


def test_service_with_a_bad_redirect_uri_is_refused_with_the_field_named(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    response = _register(http, redirect_uris="http://payroll.example.dk/cb")
    assert response.status_code == 400
    html = text(response)
    assert 'role="alert" id="redirect_uris-error"' in html
    assert 'aria-describedby="redirect_uris-error"' in html
    with app.app_context():
        assert db.session.query(Client).count() == 0


def test_org_admin_edits_a_service_and_rotates_its_secret(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    client_id = org_client(app)
    edited = http.post(
        f"/admin/services/{client_id}",
        data={
            "csrf_token": token(http),
            "redirect_uris": "https://intranet.example.dk/new",
            "post_logout_redirect_uris": "",
            "grant_types": ["authorization_code", "client_credentials"],
            "first_party": "on",
        },
    )
    assert edited.status_code == 303
    assert "The service is saved." in text(http.get(edited.location))
    with app.app_context():
        client = db.session.query(Client).filter_by(client_id=client_id).one()
        assert client.redirect_uris == ["https://intranet.example.dk/new"]
        assert client.grant_types == ["authorization_code", "client_credentials"]
        assert client.first_party is False  # the forged field is ignored
        old_hash = client.client_secret_hash

    bad = http.post(
        f"/admin/services/{client_id}",
        data={
            "csrf_token": token(http),
            "redirect_uris": "",
            "grant_types": ["authorization_code"],
        },
    )
    assert bad.status_code == 400 and 'id="redirect_uris-error"' in text(bad)

    rotated = http.post(f"/admin/services/{client_id}/rotate", data={"csrf_token": token(http)})
    assert rotated.status_code == 200
    secret = re.search(r'id="client-secret">([^<]+)<', text(rotated)).group(1)  # type: ignore[union-attr]
    with app.app_context():
        client = db.session.query(Client).filter_by(client_id=client_id).one()
        assert client.client_secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert client.client_secret_hash != old_hash
    tokens = app.test_client().post(
        "/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert tokens.status_code == 200


# -- audit -------------------------------------------------------------------------------------
def test_audit_lists_the_events_of_these_actions_newest_first_and_filters(app):
    http = browser(app, admin(app, "boss", "org_admin", "user_admin"))
    _register(http)
    http.post(
        "/admin/login-means/upload",
        data={"csrf_token": token(http), "seed_file": (io.BytesIO(PSKC.read_bytes()), PSKC.name)},
        content_type="multipart/form-data",
    )
    report = text(
        http.post(
            "/admin/login-means/upload",
            data={
                "csrf_token": token(http),
                "seed_file": (io.BytesIO(PSKC.read_bytes()), PSKC.name),
            },
            content_type="multipart/form-data",
        )
    )
    http.post(
        "/admin/login-means/import",
        data={"csrf_token": token(http), "upload": hidden(report, "upload")},
    )
    http.post("/admin/settings", data={"csrf_token": token(http), "minimum_ial": "Substantial"})

    html = text(http.get("/admin/audit"))
    for action in ("client.created", "code_displays.imported", "org.configured"):
        assert f"<td>{action}</td>" in html
    rows = [
        html.index(f"<td>{action}</td>")
        for action in ("org.configured", "code_displays.imported", "client.created")
    ]
    assert rows == sorted(rows)  # newest first

    only = events(http.get("/admin/audit?action=client.created"))
    assert only and {action for action, _, _ in only} == {"client.created"}
    by_actor = events(http.get("/admin/audit?actor=test"))
    assert by_actor and {actor for _, actor, _ in by_actor} == {"test"}
    assert "user.created" in {action for action, _, _ in by_actor}
    by_target = events(http.get(f"/admin/audit?target={ORG}"))
    assert [a for a, _, t in by_target] == ["org.configured", "org.created"]


def test_audit_is_paginated(app):
    http = browser(app, admin(app, "reg", "registrar"))
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=ORG).one()
        for n in range(60):
            audit.record("test.event", actor="test", org_id=org.id, target=f"t{n:02}")
        db.session.commit()
    first = text(http.get("/admin/audit?action=test.event"))
    assert "<td>t59</td>" in first and "<td>t10</td>" in first and "<td>t09</td>" not in first
    assert "60 event(s); page 1 of 2." in first
    assert 'rel="next" href="/admin/audit?page=2&amp;action=test.event"' in first
    second = text(http.get("/admin/audit?action=test.event&page=2"))
    assert "<td>t09</td>" in second and "<td>t10</td>" not in second


# -- authorisation -----------------------------------------------------------------------------
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
    report = text(
        http.post(
            "/admin/login-means/upload",
            data={
                "csrf_token": token(http),
                "seed_file": (io.BytesIO(PSKC.read_bytes()), PSKC.name),
            },
            content_type="multipart/form-data",
        )
    )
    http.post(
        "/admin/login-means/import",
        data={"csrf_token": token(http), "upload": hidden(report, "upload")},
    )

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

    for data in (
        {"username": "pia", "serial": "987654321"},  # this org's person and code display
        {"username": "rival", "serial": "987654321"},
    ):
        response = other.post("/admin/login-means/assign", data={"csrf_token": csrf, **data})
        assert response.status_code == 400
    revoke = other.post(
        "/admin/login-means/revoke", data={"csrf_token": csrf, "serial": "987654321"}
    )
    assert revoke.status_code == 400
    with app.app_context():
        display = db.session.query(Authenticator).filter_by(serial="987654321").one()
        assert display.status == "in_stock"


def test_every_form_refuses_a_post_without_a_valid_csrf_token(app, world):
    http = browser(app, admin(app, "all", "user_admin", "registrar", "org_admin"))
    for method, path, _ in world.routes:
        if method == "POST":
            assert http.post(path, data={}).status_code == 400, path
            assert http.post(path, data={"csrf_token": "forged"}).status_code == 400, path


def test_tabs_show_the_new_pages_by_role(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    html = text(http.get("/admin/"))
    assert 'href="/admin/services"' in html and 'href="/admin/settings"' in html
    assert 'href="/admin/audit"' in html and 'href="/admin/login-means"' not in html


def test_registrar_sees_the_identity_checks_tab(app):
    html = text(browser(app, admin(app, "reg", "registrar")).get("/admin/"))
    assert 'href="/admin/registrar"' in html and 'href="/admin/services"' not in html

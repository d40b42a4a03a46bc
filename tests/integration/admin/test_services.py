"""The organisation administrator's services (OIDC clients): registered with the secret shown once,
public clients without one, bad redirect URIs refused with the field named, edited, and the
secret rotated."""

from __future__ import annotations

import hashlib
import re

from idp.extensions import db
from idp.models import Client, Organisation
from tests.support.admin import ORG, admin, browser, org_client, register_service, text, token


def test_org_admin_registers_a_service_and_sees_the_secret_once(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    response = register_service(http)
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
    response = register_service(http, public="on", grant_types=["authorization_code"])
    assert response.status_code == 201
    assert 'id="client-secret"' not in text(response)


def test_service_with_a_bad_redirect_uri_is_refused_with_the_field_named(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    response = register_service(http, redirect_uris="http://payroll.example.dk/cb")
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


def test_consent_page_links_round_trip_through_the_forms(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    links = {
        "logo_uri": "https://payroll.example.dk/logo.png",
        "policy_uri": "https://payroll.example.dk/privacy",
        "tos_uri": "",
    }
    registered = text(register_service(http, **links))
    client_id = re.search(r'id="client-id">([^<]+)<', registered).group(1)  # type: ignore[union-attr]
    form = text(http.get(f"/admin/services/{client_id}"))
    assert 'name="logo_uri" value="https://payroll.example.dk/logo.png"' in form
    assert 'name="policy_uri" value="https://payroll.example.dk/privacy"' in form
    assert 'name="tos_uri" value=""' in form
    assert 'class="form-input" type="url" id="tos_uri"' in form
    edited = http.post(
        f"/admin/services/{client_id}",
        data={
            "csrf_token": token(http),
            "redirect_uris": "https://payroll.example.dk/cb",
            "grant_types": ["authorization_code"],
            "logo_uri": "",
            "policy_uri": "https://payroll.example.dk/privacy",
            "tos_uri": "https://payroll.example.dk/terms",
        },
    )
    assert edited.status_code == 303
    with app.app_context():
        client = db.session.query(Client).filter_by(client_id=client_id).one()
        assert client.logo_uri is None
        assert client.policy_uri == "https://payroll.example.dk/privacy"
        assert client.tos_uri == "https://payroll.example.dk/terms"
    bad = http.post(
        f"/admin/services/{client_id}",
        data={
            "csrf_token": token(http),
            "redirect_uris": "https://payroll.example.dk/cb",
            "grant_types": ["authorization_code"],
            "tos_uri": "https://payroll.example.dk/terms#x",
        },
    )
    assert bad.status_code == 400
    html = text(bad)
    assert 'id="tos_uri-error"' in html and 'aria-describedby="tos_uri-error"' in html
    assert 'value="https://payroll.example.dk/terms#x"' in html  # what was typed is kept


def test_register_form_refuses_an_http_logo_with_the_field_named(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    response = register_service(http, logo_uri="http://payroll.example.dk/logo.png")
    assert response.status_code == 400
    assert 'role="alert" id="logo_uri-error"' in text(response)
    with app.app_context():
        assert db.session.query(Client).count() == 0

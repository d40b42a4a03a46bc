"""Authenticator app enrolment: QR code (inline SVG), otpauth URI, grouped key; active only
after one current code; expires if unconfirmed; then logs in through OIDC with amr pwd+otp."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from idp.extensions import db
from idp.models import Authenticator
from idp.models.types import utcnow
from idp.services import users
from idp.services.errors import NotFound
from idp.services.means import app_enrolment
from tests.support.helpers import (
    TestUser,
    auth_params,
    csrf_of,
    login,
    make_client,
    make_user,
    pkce_pair,
    query_of,
    redeem,
)


def _enrol_page(client, person: TestUser):
    login(client, person)  # password only: the person has no login means yet
    page = client.get("/account/means/")
    return client.post(
        "/account/means/app", data={"csrf_token": csrf_of(page.get_data(as_text=True))}
    )


def test_enrolment_shows_qr_uri_and_grouped_key(app, client):
    person = make_user(app, totp=False)
    page = _enrol_page(client, person)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in text and "http" not in text.split("<svg")[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    )
    grouped = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', text).group(1)
    assert all(len(part) == 4 for part in grouped.split()[:-1])
    with app.app_context():
        enrolment = app_enrolment.start_app_enrolment(
            users.find_user(person.username), actor="test"
        )
        uri = urlsplit(enrolment.otpauth_uri)
        assert uri.scheme == "otpauth" and uri.netloc == "totp"
        assert unquote(uri.path) == f"/Testfirma ApS:{person.username}"
        assert parse_qs(uri.query)["issuer"] == ["Testfirma ApS"]
        assert len(enrolment.secret_base32) == 32  # 160 bits
        db.session.remove()


def test_app_stays_assigned_until_a_code_is_typed_and_then_logs_in(app, client):
    person = make_user(app, totp=False)
    page = _enrol_page(client, person).get_data(as_text=True)
    secret = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    with app.app_context():
        statuses = [a.status for a in db.session.query(Authenticator).all()]
        assert statuses == ["assigned"]
    wrong = client.post(
        "/account/means/app/confirm",
        data={
            "csrf_token": csrf_of(page),
            "code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111",
        },
    )
    assert wrong.status_code == 400
    ok = client.post(
        "/account/means/app/confirm",
        data={"csrf_token": csrf_of(page), "code": pyotp.TOTP(secret).now()},
    )
    assert ok.status_code == 303
    with app.app_context():
        assert [a.status for a in db.session.query(Authenticator).all()] == ["active"]

    # Bar: the app now logs in through the OIDC flow; amr says otp without hwk.
    fresh = app.test_client()
    person.totp_secret = secret
    rp = make_client(app)
    verifier, challenge = pkce_pair()
    start = fresh.get("/authorize", query_string=auth_params(rp, challenge))
    done = login(fresh, person, start=start.location, code=person.code(offset_steps=1))
    code = query_of(fresh.get(done.location).location)["code"]
    id_token = redeem(fresh, rp, code, verifier).json["id_token"]
    claims = jwt.decode(id_token, KeySet.import_key_set(fresh.get("/jwks").json)).claims
    assert claims["amr"] == ["pwd", "otp"]


def test_unconfirmed_enrolment_expires(app):
    person = make_user(app, totp=False)
    with app.app_context():
        user = users.find_user(person.username)
        enrolment = app_enrolment.start_app_enrolment(user, actor="test")
        db.session.query(Authenticator).update({"expires_at": utcnow() - timedelta(seconds=1)})
        db.session.commit()
        code = pyotp.TOTP(enrolment.secret_base32).now()
        with pytest.raises(NotFound):  # an expired enrolment cannot be confirmed
            app_enrolment.confirm_app(user, code, actor="test")
        db.session.remove()


def test_a_session_without_the_code_cannot_replace_an_active_means(app, client):
    person = make_user(app, totp=False)
    page = _enrol_page(client, person).get_data(as_text=True)  # password-only session
    secret = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    client.post(
        "/account/means/app/confirm",
        data={"csrf_token": csrf_of(page), "code": pyotp.TOTP(secret).now()},
    )
    # Now there is an active means, and this session never used it: no further changes.
    again = client.post("/account/means/app", data={"csrf_token": csrf_of(page)})
    assert again.status_code == 303 and "need=2fa" in again.location
    bind = client.post(
        "/account/means/code-display",
        data={"csrf_token": csrf_of(page), "serial": "1", "code": "123456"},
    )
    assert bind.status_code == 303 and "need=2fa" in bind.location
    with app.app_context():
        assert [a.status for a in db.session.query(Authenticator).all()] == ["active"]


def test_enrolment_page_needs_login_and_csrf(app, client):
    make_user(app, totp=False)
    assert client.post("/account/means/app").status_code == 400  # no CSRF token
    page = client.get("/login/").get_data(as_text=True)
    response = client.post("/account/means/app", data={"csrf_token": csrf_of(page)})
    assert response.status_code == 303 and "/login/" in response.location


def test_secret_never_appears_in_admin_listing(app):
    person = make_user(app)
    result = app.test_cli_runner().invoke(args=["means", "list", person.username, "--json"])
    assert person.totp_secret not in result.output
    assert html.escape(person.totp_secret) not in result.output

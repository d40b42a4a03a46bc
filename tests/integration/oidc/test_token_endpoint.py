"""Token endpoint: single-use short-lived codes, client authentication (RFC 6749 §3.2, §4.1.3)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from idp.extensions import db
from idp.models import AuthorizationCode
from idp.models.types import utcnow
from tests.support.helpers import authorize_code, make_client, make_user, redeem


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_code_is_single_use_and_reuse_revokes_issued_tokens(app, client):
    rp = make_client(app)
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user)
    first = redeem(client, rp, code, verifier)
    assert first.status_code == 200
    tokens = first.json
    assert client.get("/userinfo", headers=_bearer(tokens["access_token"])).status_code == 200

    second = redeem(client, rp, code, verifier)
    assert second.status_code == 400
    assert second.json["error"] == "invalid_grant"
    # RFC 6749 §4.1.2: the tokens issued from the code are revoked.
    assert client.get("/userinfo", headers=_bearer(tokens["access_token"])).status_code == 401
    refreshed = client.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(rp.client_id, rp.client_secret),
    )
    assert refreshed.json["error"] == "invalid_grant"


def test_expired_code_is_refused(app, client):
    rp = make_client(app)
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user)
    with app.app_context():
        db.session.execute(
            update(AuthorizationCode).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    response = redeem(client, rp, code, verifier)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"


def test_code_lives_at_most_sixty_seconds(app, client):
    rp = make_client(app)
    user = make_user(app)
    authorize_code(client, rp, user)
    with app.app_context():
        row = db.session.query(AuthorizationCode).one()
        assert (row.expires_at - row.created_at) <= timedelta(seconds=60)


def test_code_of_another_client_is_refused(app, client):
    rp = make_client(app)
    other = make_client(app)
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user)
    other.redirect_uri = rp.redirect_uri
    response = redeem(client, other, code, verifier)
    assert response.json["error"] == "invalid_grant"


def test_redirect_uri_must_match_the_authorization_request(app, client):
    rp = make_client(app)
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user)
    response = client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": rp.redirect_uri + "/other",
        },
        auth=(rp.client_id, rp.client_secret),
    )
    assert response.json["error"] == "invalid_grant"


def test_wrong_client_secret_gets_401_invalid_client(app, client):
    rp = make_client(app)
    response = client.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(rp.client_id, "wrong-secret")
    )
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"
    assert "WWW-Authenticate" in response.headers


def test_wrong_secret_by_post_also_gets_401(app, client):
    rp = make_client(app, auth_method="client_secret_post")
    response = client.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_id": rp.client_id,
            "client_secret": "wrong-secret",
        },
    )
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_client_must_use_its_registered_auth_method(app, client):
    rp = make_client(app)  # client_secret_basic
    response = client.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_id": rp.client_id,
            "client_secret": rp.client_secret,
        },
    )
    assert response.status_code == 401


def test_confidential_client_cannot_skip_authentication(app, client):
    rp = make_client(app)
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user)
    response = client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": rp.redirect_uri,
            "client_id": rp.client_id,
        },
    )
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_client_credentials_grant(app, client):
    rp = make_client(app)
    response = client.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(rp.client_id, rp.client_secret)
    )
    assert response.status_code == 200
    assert response.json["token_type"] == "Bearer"
    assert "refresh_token" not in response.json
    assert "id_token" not in response.json


def test_client_without_grant_is_refused(app, client):
    rp = make_client(app, grant_types=["authorization_code"])
    response = client.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(rp.client_id, rp.client_secret)
    )
    assert response.json["error"] == "unauthorized_client"


def test_unsupported_grant_type(app, client):
    rp = make_client(app)
    response = client.post(
        "/token",
        data={"grant_type": "password", "username": "a", "password": "b"},
        auth=(rp.client_id, rp.client_secret),
    )
    assert response.status_code == 400
    assert response.json["error"] == "unsupported_grant_type"


def test_client_secret_is_stored_only_as_a_digest(app):
    rp = make_client(app)
    with app.app_context():
        from idp.models import Client

        row = db.session.query(Client).filter_by(client_id=rp.client_id).one()
        assert rp.client_secret not in (row.client_secret_hash or "")
        assert len(row.client_secret_hash) == 64

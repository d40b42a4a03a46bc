"""The code exchange of a cached client (idp/services/oauth/hot_exchange.py): on PostgreSQL one
statement consumes the code and stores its tokens; whatever it cannot vouch for (a suspended
person, a changed client, a claims request, a replay) it leaves untouched for the step-by-step
path and the full path to judge, exactly as before."""

from __future__ import annotations

from sqlalchemy import text, update

from idp.extensions import db
from idp.models import AuthorizationCode, Client
from idp.services.platform.secrets import digest
from tests.support.helpers import authorize_code, make_client, make_user, redeem
from tests.support.thin import bearer, statements, suspend


def _cached(app, client):
    """A client, a person and a first exchange that puts the client in the thin path's cache."""
    rp, user = make_client(app), make_user(app)
    code, verifier, _ = authorize_code(client, rp, user)
    assert redeem(client, rp, code, verifier).status_code == 200
    return rp, user


def _tokens(app) -> int:
    with app.app_context():
        return int(db.session.execute(text("SELECT count(*) FROM oauth_token")).scalar_one())


def _postgresql(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def test_a_cached_client_redeems_a_code_in_one_statement(app, client):
    rp, user = _cached(app, client)
    code, verifier, _ = authorize_code(client, rp, user)
    with statements(app) as seen:
        answer = redeem(client, rp, code, verifier)
    assert answer.status_code == 200, answer.json
    if _postgresql(app):
        assert seen == ["with redeemed as (update"], seen
    else:  # SQLite: the clients' version, the code, the person, the token, grouped
        assert [s.split()[0] for s in seen] == ["select", "update", "select", "insert"], seen
    body = answer.json
    assert {"access_token", "expires_in", "token_type", "scope", "refresh_token"} < set(body)
    assert "openid" in body["scope"] and body["id_token"].count(".") == 2
    info = client.get("/userinfo", headers=bearer(body["access_token"]))
    assert info.status_code == 200 and info.json["sub"]
    refreshed = client.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        auth=(rp.client_id, rp.client_secret),
    )
    assert refreshed.status_code == 200, refreshed.json
    # Used once: a replay is refused, and the tokens issued for the code stop working
    # (RFC 6749 §4.1.2).
    again = redeem(client, rp, code, verifier)
    assert again.status_code == 400 and again.json["error"] == "invalid_grant"
    assert client.get("/userinfo", headers=bearer(body["access_token"])).status_code == 401


def test_a_suspended_person_gets_nothing_and_nothing_is_written(app, client):
    rp, user = _cached(app, client)
    code, verifier, _ = authorize_code(client, rp, user)
    before = _tokens(app)
    suspend(app, user.username)
    refused = redeem(client, rp, code, verifier)
    assert refused.status_code == 400 and refused.json["error"] == "invalid_grant"
    assert _tokens(app) == before


def test_a_client_changed_since_it_was_cached_is_read_again(app, client):
    rp, user = _cached(app, client)
    code, verifier, _ = authorize_code(client, rp, user)
    with app.app_context():
        db.session.execute(
            update(Client)
            .where(Client.client_id == rp.client_id)
            .values(grant_types=["client_credentials"])
        )
        db.session.commit()
    refused = redeem(client, rp, code, verifier)
    assert refused.status_code == 400 and refused.json["error"] == "unauthorized_client"


def test_a_code_with_a_claims_request_is_left_to_the_full_path(app, client):
    rp, user = _cached(app, client)
    code, verifier, _ = authorize_code(client, rp, user)
    with app.app_context():  # as a claims request (OIDC Core §5.5) would be stored
        db.session.execute(
            update(AuthorizationCode)
            .where(AuthorizationCode.code_hash == digest(code))
            .values(claims_request={"id_token": {"email": None}})
        )
        db.session.commit()
    with statements(app) as seen:
        answer = redeem(client, rp, code, verifier)
    assert answer.status_code == 200, answer.json
    # Neither thin step consumed it (each declines a claims request): the full path, which
    # reads the client through the ORM, did.
    assert any(s.startswith("select oauth_client") for s in seen), seen
    if _postgresql(app):
        assert seen[0] == "with redeemed as (update", seen

"""Refresh tokens: rotation, and reuse of a rotated token revokes the family (RFC 9700 §4.14)."""

from __future__ import annotations

from tests.support.helpers import authorize_code, make_client, make_user, redeem


def _refresh(client, rp, token):
    return client.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": token},
        auth=(rp.client_id, rp.client_secret),
    )


def _tokens(app, client):
    rp = make_client(app)
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user)
    return rp, redeem(client, rp, code, verifier).json


def test_refresh_rotates_the_refresh_token(app, client):
    rp, tokens = _tokens(app, client)
    response = _refresh(client, rp, tokens["refresh_token"])
    assert response.status_code == 200
    new = response.json
    assert new["refresh_token"] != tokens["refresh_token"]
    assert new["access_token"] != tokens["access_token"]
    assert "id_token" in new  # OIDC Core §12.2


def test_reuse_of_rotated_refresh_token_revokes_the_family(app, client):
    rp, tokens = _tokens(app, client)
    new = _refresh(client, rp, tokens["refresh_token"]).json
    reuse = _refresh(client, rp, tokens["refresh_token"])
    assert reuse.status_code == 400
    assert reuse.json["error"] == "invalid_grant"
    # The whole family is gone: the newest refresh and access tokens no longer work.
    assert _refresh(client, rp, new["refresh_token"]).json["error"] == "invalid_grant"
    userinfo = client.get("/userinfo", headers={"Authorization": f"Bearer {new['access_token']}"})
    assert userinfo.status_code == 401


def test_refresh_token_of_another_client_is_refused(app, client):
    _rp, tokens = _tokens(app, client)
    other = make_client(app)
    response = _refresh(client, other, tokens["refresh_token"])
    assert response.json["error"] == "invalid_grant"


def test_refresh_cannot_widen_scope(app, client):
    rp, tokens = _tokens(app, client)
    response = client.post(
        "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "scope": "openid offline_access",
        },
        auth=(rp.client_id, rp.client_secret),
    )
    assert response.json["error"] == "invalid_scope"


def test_refresh_token_dies_with_the_login_session(app, client):
    rp, tokens = _tokens(app, client)
    client.post("/logout", data={"confirm": "yes", "csrf_token": _csrf(client)})
    assert _refresh(client, rp, tokens["refresh_token"]).json["error"] == "invalid_grant"


def _csrf(client):
    from tests.support.helpers import csrf_of

    return csrf_of(client.get("/account/").get_data(as_text=True))

"""UserInfo (OIDC Core §5.3), revocation (RFC 7009) and introspection (RFC 7662)."""

from __future__ import annotations

from tests.support.helpers import authorize_code, make_client, make_user, redeem


def _tokens(app, client, **client_kwargs):
    rp = make_client(app, **client_kwargs)
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user)
    return rp, user, redeem(client, rp, code, verifier).json


def test_userinfo_get_and_post_with_bearer_token(app, client):
    _rp, user, tokens = _tokens(app, client)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    got = client.get("/userinfo", headers=headers)
    posted = client.post("/userinfo", headers=headers)
    assert got.status_code == posted.status_code == 200
    assert got.json == posted.json
    assert got.json["sub"] == user.uuid
    assert got.json["email"] == f"{user.username}@example.dk"


def test_userinfo_without_or_with_bad_token_is_401_invalid_token(app, client):
    _tokens(app, client)
    assert client.get("/userinfo").status_code == 401
    bad = client.get("/userinfo", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert 'error="invalid_token"' in bad.headers["WWW-Authenticate"]


def test_userinfo_releases_only_granted_scopes(app, client):
    rp = make_client(app)
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user, scope="openid")
    tokens = redeem(client, rp, code, verifier).json
    info = client.get(
        "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json
    assert "email" not in info and "name" not in info
    assert info["sub"] == user.uuid


def test_pairwise_subject_differs_from_public_and_is_stable(app, client):
    rp, user, tokens = _tokens(app, client, subject_type="pairwise")
    info = client.get(
        "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json
    assert info["sub"] != user.uuid
    code, verifier, _ = authorize_code(client, rp, user)
    again = redeem(client, rp, code, verifier).json
    info2 = client.get(
        "/userinfo", headers={"Authorization": f"Bearer {again['access_token']}"}
    ).json
    assert info2["sub"] == info["sub"]


def test_revoking_access_token(app, client):
    rp, _, tokens = _tokens(app, client)
    response = client.post(
        "/revoke", data={"token": tokens["access_token"]}, auth=(rp.client_id, rp.client_secret)
    )
    assert response.status_code == 200
    assert (
        client.get(
            "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        ).status_code
        == 401
    )


def test_revoking_refresh_token_revokes_its_access_tokens(app, client):
    rp, _, tokens = _tokens(app, client)
    client.post(
        "/revoke",
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(rp.client_id, rp.client_secret),
    )
    assert (
        client.get(
            "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        ).status_code
        == 401
    )


def test_revoking_unknown_token_is_200(app, client):
    rp, _, _ = _tokens(app, client)
    response = client.post(
        "/revoke", data={"token": "unknown"}, auth=(rp.client_id, rp.client_secret)
    )
    assert response.status_code == 200


def test_another_client_cannot_revoke_a_token(app, client):
    _rp, _, tokens = _tokens(app, client)
    other = make_client(app)
    response = client.post(
        "/revoke",
        data={"token": tokens["access_token"]},
        auth=(other.client_id, other.client_secret),
    )
    assert response.status_code == 200
    assert (
        client.get(
            "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        ).status_code
        == 200
    )


def test_revocation_requires_client_authentication(app, client):
    rp, _, tokens = _tokens(app, client)
    response = client.post(
        "/revoke", data={"token": tokens["access_token"]}, auth=(rp.client_id, "wrong")
    )
    assert response.status_code == 401


def test_introspection_of_live_and_revoked_tokens(app, client):
    rp, user, tokens = _tokens(app, client)
    auth = (rp.client_id, rp.client_secret)
    live = client.post("/introspect", data={"token": tokens["access_token"]}, auth=auth).json
    assert live["active"] is True
    assert live["client_id"] == rp.client_id
    assert live["sub"] == user.uuid
    assert live["acr"].endswith("/Substantial")
    client.post("/revoke", data={"token": tokens["access_token"]}, auth=auth)
    dead = client.post("/introspect", data={"token": tokens["access_token"]}, auth=auth).json
    assert dead == {"active": False}


def test_introspection_requires_an_authenticated_confidential_client(app, client):
    _rp, _, tokens = _tokens(app, client)
    public = make_client(app, public=True)
    anonymous = client.post(
        "/introspect", data={"token": tokens["access_token"], "client_id": public.client_id}
    )
    assert anonymous.status_code == 401
    assert client.post("/introspect", data={"token": tokens["access_token"]}).status_code == 401


def test_introspection_by_another_client_says_inactive(app, client):
    _rp, _, tokens = _tokens(app, client)
    other = make_client(app)
    response = client.post(
        "/introspect",
        data={"token": tokens["access_token"]},
        auth=(other.client_id, other.client_secret),
    )
    assert response.json == {"active": False}

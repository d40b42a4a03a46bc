"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0)."""

from __future__ import annotations

from idp.services import clients as client_service
from tests.support.helpers import auth_params, authorize_code, pkce_pair, query_of, redeem

LOGOUT_URI = "https://rp.example.dk/logged-out"


def _logged_in(app, client):
    from tests.support.helpers import make_user

    with app.app_context():
        rp_row, secret = client_service.create_client(
            name="RP",
            redirect_uris=["https://rp.example.dk/callback"],
            first_party=True,
            post_logout_redirect_uris=[LOGOUT_URI],
            actor="test",
        )
        from tests.support.helpers import TestClient

        rp = TestClient(rp_row.client_id, secret, "https://rp.example.dk/callback")
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user)
    return rp, redeem(client, rp, code, verifier).json


def test_logout_with_id_token_hint_redirects_with_state_and_ends_session(app, client):
    rp, tokens = _logged_in(app, client)
    response = client.get(
        "/logout",
        query_string={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": LOGOUT_URI,
            "state": "bye",
        },
    )
    assert response.status_code == 302
    assert response.location == LOGOUT_URI + "?state=bye"
    again = client.get("/authorize", query_string=auth_params(rp, pkce_pair()[1], prompt="none"))
    assert query_of(again.location)["error"] == "login_required"
    # Tokens bound to the ended session are revoked.
    assert (
        client.get(
            "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        ).status_code
        == 401
    )


def test_logout_posted_by_the_relying_party_answers_303(app, client):
    _, tokens = _logged_in(app, client)
    response = client.post(
        "/logout",
        data={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": LOGOUT_URI},
    )
    # A redirect answering a POST is a 303 (RFC 9700 §4.12); Authlib's own answer is a 302.
    assert response.status_code == 303
    assert response.location == LOGOUT_URI
    assert client.get("/account/").status_code == 302  # logged out


def test_unregistered_post_logout_redirect_uri_is_not_followed(app, client):
    _, tokens = _logged_in(app, client)
    response = client.get(
        "/logout",
        query_string={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://evil.example/",
        },
    )
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_post_logout_redirect_uri_must_match_exactly(app, client):
    _, tokens = _logged_in(app, client)
    response = client.get(
        "/logout",
        query_string={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": LOGOUT_URI + "/x",
        },
    )
    assert "Location" not in response.headers


def test_logout_without_hint_asks_for_confirmation(app, client):
    _logged_in(app, client)
    response = client.get("/logout", query_string={"post_logout_redirect_uri": LOGOUT_URI})
    assert response.status_code == 200
    assert 'name="confirm"' in response.get_data(as_text=True)
    assert "Location" not in response.headers


def test_confirmation_form_needs_csrf_token(app, client):
    _logged_in(app, client)
    response = client.post("/logout", data={"confirm": "yes"})
    assert response.status_code == 400
    # Still logged in.
    assert client.get("/account/").status_code == 200


def test_forged_id_token_hint_is_refused(app, client):
    _logged_in(app, client)
    forged = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0."
    response = client.get(
        "/logout", query_string={"id_token_hint": forged, "post_logout_redirect_uri": LOGOUT_URI}
    )
    assert response.status_code == 400
    assert "Location" not in response.headers

"""PKCE (RFC 7636) with S256 only, required for every client by default (RFC 9700 §2.1.1)."""

from __future__ import annotations

from tests.support.helpers import (
    auth_params,
    authorize_code,
    make_client,
    make_user,
    pkce_pair,
    query_of,
    redeem,
)


def test_plain_method_is_refused(app, client):
    rp = make_client(app)
    verifier, _ = pkce_pair()
    params = auth_params(rp, None, code_challenge=verifier, code_challenge_method="plain")
    response = client.get("/authorize", query_string=params)
    assert query_of(response.location)["error"] == "invalid_request"


def test_missing_method_is_not_treated_as_plain(app, client):
    rp = make_client(app)
    verifier, _ = pkce_pair()
    response = client.get("/authorize", query_string=auth_params(rp, None, code_challenge=verifier))
    assert query_of(response.location)["error"] == "invalid_request"


def test_challenge_is_required_of_confidential_clients_by_default(app, client):
    rp = make_client(app)
    response = client.get("/authorize", query_string=auth_params(rp, None))
    query = query_of(response.location)
    assert query["error"] == "invalid_request"
    assert "PKCE" in query["error_description"]


def test_challenge_is_required_of_public_clients_even_when_not_required_globally(make_app):
    app = make_app(require_pkce=False)
    client = app.test_client()
    rp = make_client(app, public=True)
    response = client.get("/authorize", query_string=auth_params(rp, None))
    assert query_of(response.location)["error"] == "invalid_request"


def test_wrong_verifier_fails_with_invalid_grant(app, client):
    rp = make_client(app)
    user = make_user(app)
    code, _, _ = authorize_code(client, rp, user)
    other_verifier, _ = pkce_pair()
    response = redeem(client, rp, code, other_verifier)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"


def test_missing_verifier_fails_when_challenge_was_sent(app, client):
    rp = make_client(app)
    user = make_user(app)
    code, _, _ = authorize_code(client, rp, user)
    response = redeem(client, rp, code, None)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"  # RFC 6749 §5.2: a missing parameter


def test_verifier_without_challenge_is_refused_as_downgrade(make_app):
    # RFC 9700 §4.8: a code_verifier for a code issued without a challenge is refused.
    app = make_app(require_pkce=False)
    client = app.test_client()
    rp = make_client(app, require_pkce=False)
    user = make_user(app)
    params = auth_params(rp, None)
    start = client.get("/authorize", query_string=params)
    from tests.support.helpers import login

    done = login(client, user, start=start.location)
    code = query_of(client.get(done.location).location)["code"]
    verifier, _ = pkce_pair()
    response = redeem(client, rp, code, verifier)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_public_client_completes_flow_with_pkce_and_no_secret(app, client):
    rp = make_client(app, public=True)
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user)
    response = redeem(client, rp, code, verifier)
    assert response.status_code == 200, response.json
    assert "id_token" in response.json

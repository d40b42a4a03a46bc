"""The authorization code flow with PKCE, end to end through the test client."""

from __future__ import annotations

from joserfc import jwt
from joserfc.jwk import KeySet

from tests.support.helpers import authorize_code, make_client, make_user, query_of, redeem


def test_code_flow_issues_signed_id_token_with_nsis_claims(app, client):
    rp = make_client(app)
    user = make_user(app)
    code, verifier, params = authorize_code(client, rp, user)
    response = redeem(client, rp, code, verifier)
    assert response.status_code == 200, response.json
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert body["token_type"] == "Bearer"
    keys = KeySet.import_key_set(client.get("/jwks").json)
    token = jwt.decode(body["id_token"], keys)
    claims = token.claims
    assert token.header["alg"] == "RS256"
    assert claims["iss"] == "http://127.0.0.1:5000"
    assert claims["aud"] == rp.client_id
    assert claims["nonce"] == params["nonce"]
    assert claims["sub"] == user.uuid
    assert claims["acr"] == "https://data.gov.dk/concept/core/nsis/loa/Substantial"
    assert claims["https://data.gov.dk/concept/core/nsis/loa"] == "Substantial"
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["https://data.gov.dk/model/core/eid/professional/cvr"] == "12345678"
    assert claims["https://data.gov.dk/model/core/eid/professional/uuid/persistent"] == (
        f"urn:uuid:{user.uuid}"
    )
    assert isinstance(claims["auth_time"], int)


def test_authorization_response_echoes_state_and_carries_iss(app, client):
    rp = make_client(app)
    user = make_user(app)
    verifier_code = authorize_code(client, rp, user, state="xyz-123")
    assert verifier_code[2]["state"] == "xyz-123"
    # The second request reuses the session and answers at once.
    response = client.get("/authorize", query_string={**verifier_code[2], "nonce": "other"})
    query = query_of(response.location)
    assert query["state"] == "xyz-123"
    assert query["iss"] == "http://127.0.0.1:5000"

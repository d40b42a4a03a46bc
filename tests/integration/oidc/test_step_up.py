"""acr_values / claims: step-up when the session is below, the OIDC error when the person
cannot reach the level; session levels that age (NSIS lifetimes)."""

from __future__ import annotations

import json
from datetime import timedelta

from joserfc import jwt
from joserfc.jwk import KeySet

from idp.extensions import db
from idp.models import BrowserSession
from tests.support.helpers import (
    auth_params,
    authorize_code,
    login,
    make_client,
    make_user,
    pkce_pair,
    query_of,
    redeem,
)

SUBSTANTIAL = "https://data.gov.dk/concept/core/nsis/loa/Substantial"
LOW = "https://data.gov.dk/concept/core/nsis/loa/Low"


def _claims(client, rp, code, verifier):
    id_token = redeem(client, rp, code, verifier).json["id_token"]
    return jwt.decode(id_token, KeySet.import_key_set(client.get("/jwks").json)).claims


def _age_session(app, minutes):
    with app.app_context():
        row = db.session.query(BrowserSession).one()
        row.auth_time = row.auth_time - timedelta(minutes=minutes)
        db.session.commit()


def test_substantial_person_with_two_factors_gets_substantial(app, client):
    """Bar: acr_values Substantial -> that acr for a Substantial person who used two factors."""
    rp = make_client(app)
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user, acr_values=SUBSTANTIAL)
    claims = _claims(client, rp, code, verifier)
    assert claims["acr"] == SUBSTANTIAL
    assert claims["amr"] == ["pwd", "otp"]


def test_person_with_low_identity_gets_unmet_authentication_requirements(app, client):
    rp = make_client(app)
    user = make_user(app, ial="Low")
    params = auth_params(rp, pkce_pair()[1], acr_values=SUBSTANTIAL)
    start = client.get("/authorize", query_string=params)
    done = login(client, user, start=start.location)
    query = query_of(client.get(done.location).location)
    assert query["error"] == "unmet_authentication_requirements"
    assert query["state"] == params["state"]
    assert "code" not in query


def test_person_without_second_factor_cannot_reach_substantial(app, client):
    rp = make_client(app)
    user = make_user(app, totp=False)  # IAL Substantial, but password only
    start = client.get(
        "/authorize", query_string=auth_params(rp, pkce_pair()[1], acr_values=SUBSTANTIAL)
    )
    done = login(client, user, start=start.location)
    query = query_of(client.get(done.location).location)
    assert query["error"] == "unmet_authentication_requirements"


def test_password_only_login_is_low_without_acr_values(app, client):
    rp = make_client(app)
    user = make_user(app, totp=False)
    code, verifier, _ = authorize_code(client, rp, user)
    claims = _claims(client, rp, code, verifier)
    assert claims["acr"] == LOW
    assert claims["https://data.gov.dk/concept/core/nsis/aal"] == "Low"


def test_aged_session_counts_as_low_and_steps_up_when_substantial_is_asked(app, client):
    rp = make_client(app)
    user = make_user(app)
    authorize_code(client, rp, user)
    _age_session(app, 90)  # Substantial lives 60 minutes, Low 180
    code, verifier, _ = authorize_code(client, rp, user)  # no acr asked: truthful Low
    assert _claims(client, rp, code, verifier)["acr"] == LOW
    params = auth_params(rp, pkce_pair()[1], acr_values=SUBSTANTIAL)
    step_up = client.get("/authorize", query_string=params)
    assert step_up.status_code == 302 and "/login/" in step_up.location
    verifier, challenge = pkce_pair()
    params = auth_params(rp, challenge, acr_values=SUBSTANTIAL)
    start = client.get("/authorize", query_string=params)
    done = login(client, user, start=start.location, code=user.code(offset_steps=1))
    code = query_of(client.get(done.location).location)["code"]
    claims = _claims(client, rp, code, verifier)
    assert claims["acr"] == SUBSTANTIAL


def test_step_up_with_prompt_none_is_login_required(app, client):
    rp = make_client(app)
    user = make_user(app)
    authorize_code(client, rp, user)
    _age_session(app, 90)
    response = client.get(
        "/authorize",
        query_string=auth_params(rp, pkce_pair()[1], acr_values=SUBSTANTIAL, prompt="none"),
    )
    assert query_of(response.location)["error"] == "login_required"


def test_session_ends_after_the_longest_lifetime(app, client):
    rp = make_client(app)
    user = make_user(app)
    authorize_code(client, rp, user)
    _age_session(app, 181)
    with app.app_context():
        row = db.session.query(BrowserSession).one()
        row.expires_at = row.auth_time + timedelta(minutes=180)
        db.session.commit()
    response = client.get("/authorize", query_string=auth_params(rp, pkce_pair()[1], prompt="none"))
    assert query_of(response.location)["error"] == "login_required"


def test_essential_acr_in_claims_parameter_is_a_requirement(app, client):
    rp = make_client(app)
    user = make_user(app, ial="Low")
    claims = json.dumps({"id_token": {"acr": {"essential": True, "values": [SUBSTANTIAL]}}})
    start = client.get("/authorize", query_string=auth_params(rp, pkce_pair()[1], claims=claims))
    done = login(client, user, start=start.location)
    query = query_of(client.get(done.location).location)
    assert query["error"] == "unmet_authentication_requirements"


def test_malformed_claims_parameter_is_invalid_request(app, client):
    rp = make_client(app)
    response = client.get(
        "/authorize", query_string=auth_params(rp, pkce_pair()[1], claims="{not json")
    )
    assert query_of(response.location)["error"] == "invalid_request"


def test_lower_acr_request_is_met_by_a_stronger_login_without_claiming_more(app, client):
    rp = make_client(app)
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user, acr_values=LOW)
    assert _claims(client, rp, code, verifier)["acr"] == SUBSTANTIAL  # the truth, not less

"""Authorization endpoint rules (RFC 6749 §4.1, OIDC Core §3.1.2, RFC 9207)."""

from __future__ import annotations

import re

from tests.support.helpers import (
    REDIRECT_URI,
    auth_params,
    authorize_code,
    login,
    make_client,
    make_user,
    pkce_pair,
    query_of,
)


def _challenge() -> str:
    return pkce_pair()[1]


def test_unregistered_redirect_uri_gets_error_page_not_redirect(app, client):
    rp = make_client(app)
    params = auth_params(rp, _challenge(), redirect_uri="https://evil.example/cb")
    response = client.get("/authorize", query_string=params)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "not registered" in response.get_data(as_text=True)


def test_redirect_uri_must_match_exactly(app, client):
    rp = make_client(app)
    for variant in (
        REDIRECT_URI + "/",
        REDIRECT_URI + "?x=1",
        REDIRECT_URI.upper(),
        REDIRECT_URI.replace("https", "http"),
    ):
        response = client.get(
            "/authorize", query_string=auth_params(rp, _challenge(), redirect_uri=variant)
        )
        assert response.status_code == 400, variant
        assert "Location" not in response.headers


def test_missing_redirect_uri_is_refused_without_fallback(app, client):
    # OIDC Core §3.1.2.1: redirect_uri is REQUIRED; Authlib would fall back to the first one.
    rp = make_client(app)
    params = auth_params(rp, _challenge())
    del params["redirect_uri"]
    response = client.get("/authorize", query_string=params)
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_unknown_client_gets_error_page(app, client):
    make_client(app)
    response = client.get(
        "/authorize",
        query_string={
            "response_type": "code",
            "client_id": "nope",
            "redirect_uri": REDIRECT_URI,
            "scope": "openid",
        },
    )
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_unsupported_response_type_is_reported_at_redirect_uri(app, client):
    rp = make_client(app)
    params = auth_params(rp, _challenge(), response_type="token")
    response = client.get("/authorize", query_string=params)
    assert response.status_code == 302
    query = query_of(response.location)
    assert response.location.startswith(REDIRECT_URI)
    assert query["error"] == "unsupported_response_type"
    assert query["state"] == params["state"]
    assert query["iss"] == "http://127.0.0.1:5000"


def test_unsupported_response_type_with_bad_redirect_uri_is_not_redirected(app, client):
    rp = make_client(app)
    params = auth_params(
        rp, _challenge(), response_type="token", redirect_uri="https://evil.example/cb"
    )
    response = client.get("/authorize", query_string=params)
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_prompt_none_without_session_returns_login_required(app, client):
    rp = make_client(app)
    params = auth_params(rp, _challenge(), prompt="none")
    response = client.get("/authorize", query_string=params)
    assert response.status_code == 302
    query = query_of(response.location)
    assert query["error"] == "login_required"
    assert query["state"] == params["state"]
    assert query["iss"] == "http://127.0.0.1:5000"


def test_prompt_none_combined_with_other_values_is_invalid(app, client):
    rp = make_client(app)
    user = make_user(app)
    authorize_code(client, rp, user)
    response = client.get(
        "/authorize", query_string=auth_params(rp, _challenge(), prompt="none login")
    )
    assert query_of(response.location)["error"] == "invalid_request"


def test_prompt_login_forces_a_new_login(app, client):
    rp = make_client(app)
    user = make_user(app)
    authorize_code(client, rp, user)
    response = client.get("/authorize", query_string=auth_params(rp, _challenge(), prompt="login"))
    assert response.status_code == 302
    assert "/login/" in response.location


def test_max_age_zero_forces_a_new_login_and_is_then_satisfied(app, client):
    rp = make_client(app)
    user = make_user(app)
    authorize_code(client, rp, user)
    response = client.get("/authorize", query_string=auth_params(rp, _challenge(), max_age="0"))
    assert "/login/" in response.location
    # Logging in again (with the next time step, as the last one is spent) satisfies it.
    done = login(client, user, start=response.location, code=user.code(offset_steps=1))
    final = client.get(done.location)
    assert "code" in query_of(final.location)


def test_max_age_must_be_a_number(app, client):
    rp = make_client(app)
    response = client.get("/authorize", query_string=auth_params(rp, _challenge(), max_age="soon"))
    assert query_of(response.location)["error"] == "invalid_request"


def test_repeated_parameter_is_refused(app, client):
    rp = make_client(app)
    params = auth_params(rp, _challenge())
    query = "&".join(f"{k}={v}" for k, v in params.items()) + "&state=second"
    response = client.get("/authorize?" + query)
    assert response.status_code == 400


def test_response_mode_form_post_posts_code_and_iss(app, client):
    rp = make_client(app)
    user = make_user(app)
    authorize_code(client, rp, user)
    params = auth_params(rp, _challenge(), response_mode="form_post")
    response = client.get("/authorize", query_string=params)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'action="{REDIRECT_URI}"' in html
    assert re.search(r'name="code" value="[^"]+"', html)
    assert f'name="state" value="{params["state"]}"' in html
    assert 'name="iss" value="http://127.0.0.1:5000"' in html
    nonce = re.search(r'<script nonce="([^"]+)"', html).group(1)
    assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]


def test_unknown_response_mode_is_refused(app, client):
    rp = make_client(app)
    response = client.get(
        "/authorize", query_string=auth_params(rp, _challenge(), response_mode="fragment")
    )
    assert query_of(response.location)["error"] == "invalid_request"


def test_openid_scope_is_required(app, client):
    rp = make_client(app)
    response = client.get("/authorize", query_string=auth_params(rp, _challenge(), scope="profile"))
    assert query_of(response.location)["error"] == "invalid_request"


def test_request_objects_are_not_supported(app, client):
    rp = make_client(app)
    response = client.get(
        "/authorize", query_string=auth_params(rp, _challenge(), request="eyJhbGciOiJub25lIn0.e30.")
    )
    assert query_of(response.location)["error"] == "request_not_supported"


def test_reused_nonce_is_refused(app, client):
    rp = make_client(app)
    user = make_user(app)
    _, _, params = authorize_code(client, rp, user)
    response = client.get(
        "/authorize", query_string=auth_params(rp, _challenge(), nonce=params["nonce"])
    )
    assert query_of(response.location)["error"] == "invalid_request"


def test_person_without_proofed_identity_gets_no_token(app, client):
    rp = make_client(app)
    user = make_user(app, ial=None)
    params = auth_params(rp, _challenge())
    response = client.get("/authorize", query_string=params)
    done = login(client, user, start=response.location)
    final = client.get(done.location)
    query = query_of(final.location)
    assert query["error"] == "unmet_authentication_requirements"
    assert "code" not in query


def test_issuer_comes_from_configuration_not_host_header(app, client):
    rp = make_client(app)
    response = client.get(
        "/authorize",
        query_string=auth_params(rp, _challenge(), prompt="none"),
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    assert query_of(response.location)["iss"] == "http://127.0.0.1:5000"
    discovery = client.get(
        "/.well-known/openid-configuration",
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    assert discovery.json["issuer"] == "http://127.0.0.1:5000"
    assert discovery.json["token_endpoint"] == "http://127.0.0.1:5000/token"

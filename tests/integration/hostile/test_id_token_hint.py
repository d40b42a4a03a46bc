"""``id_token_hint`` at the authorization endpoint (OIDC Core §3.1.2.1/§3.1.2.2): verified as
our own ID token for the requesting client; a hint for another person than the session's means
login_required (prompt=none) or a fresh login."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from flask import Flask
from joserfc import jwt

from idp.services.platform.runtime import keystore, settings
from tests.support.helpers import (
    auth_params,
    authorize_code,
    make_client,
    make_user,
    pkce_pair,
    query_of,
    redeem,
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(app: Flask, sub: str, aud: str, **extra: Any) -> dict[str, Any]:
    with app.app_context():
        issuer = settings().issuer
    now = int(time.time())
    claims = {"iss": issuer, "sub": sub, "aud": aud, "iat": now, "exp": now + 300}
    claims.update(extra)
    return claims


def _signed(app: Flask, claims: dict[str, Any], alg: str = "RS256") -> str:
    with app.app_context():
        key = keystore().signing_key(alg)
    return jwt.encode({"alg": alg, "kid": key.kid, "typ": "JWT"}, claims, key, algorithms=[alg])


def _unsigned(claims: dict[str, Any]) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def _hs256_with_public_key(app: Flask, claims: dict[str, Any]) -> str:
    """The classic key-confusion forgery: HS256 "signed" with our published RSA key."""
    with app.app_context():
        key = keystore().signing_key("RS256")
        secret = key.as_pem(private=False)
    header = _b64(json.dumps({"alg": "HS256", "kid": key.kid, "typ": "JWT"}).encode())
    body = f"{header}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(signature)}"


@pytest.fixture
def session_with_id_token(app, client):
    """A logged-in browser, its client and a genuine ID token issued to it."""
    rp = make_client(app)
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user)
    tokens = redeem(client, rp, code, verifier).json
    return rp, user, tokens["id_token"]


def _silent(client: Any, rp: Any, hint: str, **extra: str) -> Any:
    params = auth_params(rp, pkce_pair()[1], prompt="none", id_token_hint=hint, **extra)
    return client.get("/authorize", query_string=params)


def test_a_genuine_hint_for_the_session_person_gives_a_code(app, client, session_with_id_token):
    rp, _, id_token = session_with_id_token
    assert "code" in query_of(_silent(client, rp, id_token).location)


def test_an_expired_but_genuine_hint_is_accepted(app, client, session_with_id_token):
    rp, user, _ = session_with_id_token
    past = int(time.time()) - 7200
    hint = _signed(app, _claims(app, user.uuid, rp.client_id, iat=past - 300, exp=past))
    assert "code" in query_of(_silent(client, rp, hint).location)


def test_an_es256_hint_is_accepted(app, client, session_with_id_token):
    rp, user, _ = session_with_id_token
    hint = _signed(app, _claims(app, user.uuid, rp.client_id), alg="ES256")
    assert "code" in query_of(_silent(client, rp, hint).location)


def _forgeries(app: Flask, rp: Any, user: Any, id_token: str) -> dict[str, str]:
    header, payload, signature = id_token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    good = _claims(app, user.uuid, rp.client_id)
    return {
        "altered signature": f"{header}.{payload}.{flipped}",
        "altered payload": ".".join(
            (header, _b64(json.dumps({**good, "sub": "x"}).encode()), signature)
        ),
        "alg none": _unsigned(good),
        "HS256 with the public key": _hs256_with_public_key(app, good),
        "wrong issuer": _signed(app, {**good, "iss": "https://evil.example"}),
        "wrong audience": _signed(app, {**good, "aud": "another-client"}),
        "not a JWT": "not-a-token",
        "deeply nested header": _b64(b"[" * 5000) + "." + payload + "." + signature,
    }


@pytest.mark.parametrize(
    "forgery",
    [
        "altered signature",
        "altered payload",
        "alg none",
        "HS256 with the public key",
        "wrong issuer",
        "wrong audience",
        "not a JWT",
        "deeply nested header",
    ],
)
def test_a_hint_that_fails_verification_is_an_invalid_request(
    app, client, session_with_id_token, forgery
):
    rp, user, id_token = session_with_id_token
    hint = _forgeries(app, rp, user, id_token)[forgery]
    response = _silent(client, rp, hint, state="s9")
    assert response.status_code == 302 and response.location.startswith(rp.redirect_uri)
    query = query_of(response.location)
    assert "code" not in query
    assert query["error"] == "invalid_request" and query["state"] == "s9"


def test_a_hint_for_another_person_with_prompt_none_is_login_required(
    app, client, session_with_id_token
):
    rp, _, _ = session_with_id_token
    other = make_user(app, "bent")
    hint = _signed(app, _claims(app, other.uuid, rp.client_id))
    query = query_of(_silent(client, rp, hint).location)
    assert query["error"] == "login_required" and "code" not in query


def test_a_hint_for_another_person_asks_for_a_fresh_login(app, client, session_with_id_token):
    rp, _, _ = session_with_id_token
    other = make_user(app, "bent")
    hint = _signed(app, _claims(app, other.uuid, rp.client_id))
    params = auth_params(rp, pkce_pair()[1], id_token_hint=hint)
    response = client.get("/authorize", query_string=params)
    assert response.status_code == 302 and "/login/" in response.location


def test_a_forged_hint_at_logout_is_refused_too(app, client, session_with_id_token):
    rp, user, _ = session_with_id_token
    hint = _unsigned(_claims(app, user.uuid, rp.client_id))
    response = client.get("/logout", query_string={"id_token_hint": hint})
    assert response.status_code == 400
    # The session is still there.
    assert "code" in query_of(
        client.get(
            "/authorize", query_string=auth_params(rp, pkce_pair()[1], prompt="none")
        ).location
    )

"""Every error of the token (RFC 6749 §5.2), revocation (RFC 7009 §2.2.1) and introspection
(RFC 7662 §2.3) endpoints, with its status and error code: one row per case."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests.support.helpers import TestClient, authorize_code, make_client, make_user, redeem

Form = list[tuple[str, str]]


@dataclass
class World:
    """A confidential client with a fresh code, a public client, and others."""

    app: Flask
    http: Any
    rp: TestClient  # confidential, client_secret_basic, every grant
    code: str
    verifier: str
    refresh_token: str
    access_token: str
    public: TestClient
    post_rp: TestClient  # client_secret_post
    code_only: TestClient  # authorization_code only


def _basic(client_id: str, secret: str | None) -> dict[str, str]:
    raw = f"{client_id}:{secret or ''}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@pytest.fixture
def world(app, client) -> World:
    rp = make_client(app)
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user, scope="openid offline_access")
    tokens = redeem(client, rp, code, verifier).json
    fresh, fresh_verifier, _ = authorize_code(client, rp, user)
    return World(
        app=app,
        http=client,
        rp=rp,
        code=fresh,
        verifier=fresh_verifier,
        refresh_token=tokens["refresh_token"],
        access_token=tokens["access_token"],
        public=make_client(app, public=True),
        post_rp=make_client(app, auth_method="client_secret_post"),
        code_only=make_client(app, grant_types=["authorization_code"]),
    )


@dataclass
class Case:
    name: str
    request: Callable[[World], tuple[Form, dict[str, str]]]  # (form, headers)
    status: int
    error: str
    endpoint: str = "/token"


def _code_form(w: World, **overrides: str | None) -> Form:
    form = {
        "grant_type": "authorization_code",
        "code": w.code,
        "redirect_uri": w.rp.redirect_uri,
        "code_verifier": w.verifier,
    }
    form.update(overrides)  # type: ignore[arg-type]
    return [(k, v) for k, v in form.items() if v is not None]


def basic(w: World) -> dict[str, str]:
    return _basic(w.rp.client_id, w.rp.client_secret)


TOKEN_CASES = [
    # RFC 6749 §5.2 invalid_request: a required parameter missing, repeated or malformed.
    Case(
        "no grant_type",
        lambda w: (_code_form(w, grant_type=None), basic(w)),
        400,
        "invalid_request",
    ),
    Case(
        "empty grant_type",
        lambda w: (_code_form(w, grant_type=""), basic(w)),
        400,
        "invalid_request",
    ),
    Case(
        "grant_type twice",
        lambda w: ([*_code_form(w), ("grant_type", "authorization_code")], basic(w)),
        400,
        "invalid_request",
    ),
    Case(
        "code twice",
        lambda w: ([*_code_form(w), ("code", w.code)], basic(w)),
        400,
        "invalid_request",
    ),
    Case("missing code", lambda w: (_code_form(w, code=None), basic(w)), 400, "invalid_request"),
    Case(
        "missing redirect_uri",
        lambda w: (_code_form(w, redirect_uri=None), basic(w)),
        400,
        "invalid_request",
    ),
    Case(
        "missing code_verifier",
        lambda w: (_code_form(w, code_verifier=None), basic(w)),
        400,
        "invalid_request",
    ),
    Case(
        "missing refresh_token",
        lambda w: ([("grant_type", "refresh_token")], basic(w)),
        400,
        "invalid_request",
    ),
    Case(
        # RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in each
        # request."
        "two client authentication methods",
        lambda w: (
            [
                *_code_form(w),
                ("client_id", w.rp.client_id),
                ("client_secret", w.rp.client_secret or ""),
            ],
            basic(w),
        ),
        400,
        "invalid_request",
    ),
    # unsupported_grant_type: a grant type this server does not know.
    Case(
        "unknown grant_type",
        lambda w: ([("grant_type", "password"), ("username", "a"), ("password", "b")], basic(w)),
        400,
        "unsupported_grant_type",
    ),
    # invalid_client: 401, with a challenge (RFC 6749 §5.2).
    Case(
        "bad client secret",
        lambda w: (_code_form(w), _basic(w.rp.client_id, "wrong")),
        401,
        "invalid_client",
    ),
    Case("no client authentication", lambda w: (_code_form(w), {}), 401, "invalid_client"),
    Case(
        "unknown client",
        lambda w: (_code_form(w), _basic("no-such-client", "x")),
        401,
        "invalid_client",
    ),
    Case(
        "registered method not used (post client sends basic)",
        lambda w: (
            [("grant_type", "client_credentials")],
            _basic(w.post_rp.client_id, w.post_rp.client_secret),
        ),
        401,
        "invalid_client",
    ),
    # invalid_grant: the code, its redirect URI or verifier, or the refresh token is wrong.
    Case("unknown code", lambda w: (_code_form(w, code="nope"), basic(w)), 400, "invalid_grant"),
    Case(
        "mismatched redirect_uri",
        lambda w: (_code_form(w, redirect_uri="https://rp.example.dk/other"), basic(w)),
        400,
        "invalid_grant",
    ),
    Case(
        "wrong code_verifier",
        lambda w: (_code_form(w, code_verifier="x" * 50), basic(w)),
        400,
        "invalid_grant",
    ),
    Case(
        "unknown refresh token",
        lambda w: ([("grant_type", "refresh_token"), ("refresh_token", "nope")], basic(w)),
        400,
        "invalid_grant",
    ),
    # unauthorized_client: a grant the client is not registered for.
    Case(
        "client_credentials for a code-only client",
        lambda w: (
            [("grant_type", "client_credentials")],
            _basic(w.code_only.client_id, w.code_only.client_secret),
        ),
        400,
        "unauthorized_client",
    ),
    Case(
        "refresh for a code-only client",
        lambda w: (
            [("grant_type", "refresh_token"), ("refresh_token", w.refresh_token)],
            _basic(w.code_only.client_id, w.code_only.client_secret),
        ),
        400,
        "unauthorized_client",
    ),
    # invalid_scope: a scope the client may not have.
    Case(
        "client_credentials with a scope beyond the client's",
        lambda w: ([("grant_type", "client_credentials"), ("scope", "admin")], basic(w)),
        400,
        "invalid_scope",
    ),
    Case(
        "refresh asking for more than was granted",
        lambda w: (
            [
                ("grant_type", "refresh_token"),
                ("refresh_token", w.refresh_token),
                ("scope", "openid offline_access email"),
            ],
            basic(w),
        ),
        400,
        "invalid_scope",
    ),
]

REVOCATION_CASES = [
    # RFC 7009 §2.1: the token parameter is required.
    Case("no token", lambda w: ([], basic(w)), 400, "invalid_request", "/revoke"),
    Case(
        "token twice",
        lambda w: ([("token", w.access_token), ("token", w.access_token)], basic(w)),
        400,
        "invalid_request",
        "/revoke",
    ),
    # RFC 7009 §2.2.1: unsupported_token_type.
    Case(
        "unsupported token type",
        lambda w: ([("token", w.access_token), ("token_type_hint", "id_token")], basic(w)),
        400,
        "unsupported_token_type",
        "/revoke",
    ),
    Case(
        "bad client secret",
        lambda w: ([("token", w.access_token)], _basic(w.rp.client_id, "wrong")),
        401,
        "invalid_client",
        "/revoke",
    ),
    Case(
        "no client authentication",
        lambda w: ([("token", w.access_token)], {}),
        401,
        "invalid_client",
        "/revoke",
    ),
]

INTROSPECTION_CASES = [
    Case("no token", lambda w: ([], basic(w)), 400, "invalid_request", "/introspect"),
    Case(
        "token twice",
        lambda w: ([("token", w.access_token), ("token", "x")], basic(w)),
        400,
        "invalid_request",
        "/introspect",
    ),
    Case(
        "unsupported token type",
        lambda w: ([("token", w.access_token), ("token_type_hint", "id_token")], basic(w)),
        400,
        "unsupported_token_type",
        "/introspect",
    ),
    # RFC 7662 §2.3: a request whose client authentication fails is answered 401.
    Case(
        "bad client secret",
        lambda w: ([("token", w.access_token)], _basic(w.rp.client_id, "wrong")),
        401,
        "invalid_client",
        "/introspect",
    ),
    Case(
        "no client authentication",
        lambda w: ([("token", w.access_token)], {}),
        401,
        "invalid_client",
        "/introspect",
    ),
    Case(
        "public client",
        lambda w: ([("token", w.access_token), ("client_id", w.public.client_id)], {}),
        401,
        "invalid_client",
        "/introspect",
    ),
]


def _post(w: World, case: Case) -> Any:
    form, headers = case.request(w)
    return w.http.post(
        case.endpoint,
        data="&".join(f"{k}={v}" for k, v in form),
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
    )


@pytest.mark.parametrize(
    "case",
    TOKEN_CASES + REVOCATION_CASES + INTROSPECTION_CASES,
    ids=lambda c: f"{c.endpoint} {c.name}",
)
def test_error_status_and_code(world, case):
    response = _post(world, case)
    assert (response.status_code, response.json["error"]) == (case.status, case.error), (
        response.json
    )
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers.get("Cache-Control") == "no-store"  # RFC 6749 §5.1/§5.2
    if case.status == 401 and "Authorization" in case.request(world)[1]:
        # RFC 6749 §5.2: 401 with a WWW-Authenticate matching the scheme the client used.
        assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_unknown_token_is_200_at_revocation(world):
    # RFC 7009 §2.2: an invalid token is not an error; the client cannot act on it anyway.
    response = world.http.post("/revoke", data={"token": "nope"}, headers=basic(world))
    assert response.status_code == 200


def test_unknown_token_is_inactive_at_introspection(world):
    # RFC 7662 §2.2: {"active": false} for a token that is unknown, expired or revoked.
    response = world.http.post("/introspect", data={"token": "nope"}, headers=basic(world))
    assert response.status_code == 200 and response.json == {"active": False}


def test_get_at_the_token_endpoint_is_405(world):
    # RFC 6749 §3.2: the client MUST use POST. A GET is refused by HTTP itself (RFC 9110
    # §15.5.6, 405 with Allow), before any OAuth processing, so that a code or secret in a
    # URL is never acted upon.
    response = world.http.get("/token", query_string=_code_form(world), headers=basic(world))
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]

"""Factories and helpers: each builds a valid object with one call."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from flask import Flask

from idp.extensions import db
from idp.services import clients as client_service
from idp.services import orgs as org_service
from idp.services import users as user_service

# The source tree, and the test data files (PSKC seed files ...) under tests/data/.
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SEED_FILES = DATA / "pskc"  # RFC 6030 examples and seed files of code displays
# What every refused login says, whichever of username, password or code was wrong.
GENERIC = "The username, password or code is not right"
PASSWORD = "correct horse battery staple"
REDIRECT_URI = "https://rp.example.dk/callback"
# CI (.ci/run, and most CI services) sets CI=true: there a missing part fails the run.
IN_CI = os.environ.get("CI") == "true"
TEST_DATABASE_URL = os.environ.get("IDP_TEST_DATABASE_URL", "")


def require(condition: bool, why: str) -> None:
    """Go on only if ``condition`` holds (Chromium is installed, Playwright importable ...).

    Locally a missing part skips the test, or the whole module when called at import, saying
    ``why``; under CI=true it fails instead, so that CI cannot pass without the tests people
    depend on."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{why} (CI=true: this is a failure here, not a skip)", pytrace=False)
    pytest.skip(why, allow_module_level=True)


def postgresql_only(why: str) -> pytest.MarkDecorator:
    """Mark a test that only PostgreSQL can show (SQLite serialises writers, so races and
    row locks look different there). It runs when IDP_TEST_DATABASE_URL names PostgreSQL;
    otherwise it is skipped, and under CI=true the reason says where it runs: the PostgreSQL
    pass of .ci/run, whose database must then be reachable (tests/conftest.py fails if not)."""
    where = (
        "runs in the PostgreSQL pass of .ci/run (IDP_TEST_DATABASE_URL)"
        if IN_CI
        else "needs PostgreSQL: set IDP_TEST_DATABASE_URL=postgresql+psycopg://..."
    )
    return pytest.mark.skipif(
        not TEST_DATABASE_URL.startswith("postgresql"), reason=f"{where}; {why}"
    )


@dataclass
class LiveServer:
    url: str
    app: Flask


@dataclass
class TestUser:
    __test__ = False  # a factory result, not a test class
    username: str
    password: str
    totp_secret: str | None
    uuid: str
    id: int

    def code(self, offset_steps: int = 0) -> str:
        assert self.totp_secret
        totp = pyotp.TOTP(self.totp_secret)
        return totp.at(int(__import__("time").time()) + 30 * offset_steps)


@dataclass
class TestClient:
    __test__ = False
    client_id: str
    client_secret: str | None
    redirect_uri: str
    extra: dict[str, Any] = field(default_factory=dict)


def make_org(app: Flask, cvr: str = "12345678", name: str = "Testfirma ApS") -> int:
    with app.app_context():
        try:
            return org_service.get_by_cvr(cvr).id
        except Exception:
            return org_service.create_organisation(cvr, name, actor="test").id


def make_user(
    app: Flask,
    username: str = "anna",
    *,
    totp: bool = True,
    ial: str | None = "Substantial",
    cvr: str = "12345678",
    password: str = PASSWORD,
) -> TestUser:
    make_org(app, cvr)
    with app.app_context():
        org = org_service.get_by_cvr(cvr)
        user, secret = user_service.create_user(
            org,
            username=username,
            name="Anna Jensen",
            email=f"{username}@example.dk",
            password=password,
            with_totp=totp,
            ial=ial,
            actor="test",
        )
        result = TestUser(
            username=user.username,
            password=password,
            totp_secret=secret,
            uuid=user.uuid,
            id=user.id,
        )
        db.session.remove()
        return result


def make_admin(app: Flask, username: str = "boss", cvr: str = "12345678", role: str = "user_admin"):
    """A person (``make_user``) who holds one administrator ``role`` in organisation ``cvr``."""
    person = make_user(app, username, cvr=cvr)
    result = app.test_cli_runner().invoke(
        args=shlex.split(f"admins grant {username} {role} --org {cvr}")
    )
    assert result.exit_code == 0, result.output
    return person


def make_client(
    app: Flask,
    *,
    public: bool = False,
    first_party: bool = True,
    redirect_uri: str = REDIRECT_URI,
    **kwargs: Any,
) -> TestClient:
    kwargs.setdefault(
        "grant_types",
        ["authorization_code", "refresh_token", "client_credentials"]
        if not public
        else ["authorization_code", "refresh_token"],
    )
    with app.app_context():
        client, secret = client_service.create_client(
            name="Test RP",
            redirect_uris=[redirect_uri],
            public=public,
            first_party=first_party,
            actor="test",
            **kwargs,
        )
        result = TestClient(client.client_id, secret, redirect_uri)
        db.session.remove()
        return result


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    return verifier, challenge


def auth_params(client: TestClient, challenge: str | None, **extra: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uri,
        "scope": "openid profile email organization",
        "state": "state-" + secrets.token_hex(4),
        "nonce": "nonce-" + secrets.token_hex(8),
    }
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


def login(http: Any, user: TestUser, start: str | None = None, code: str | None = None) -> Any:
    """Walk the login pages with a Flask test client; returns the final response."""
    page = http.get(start or "/login/")
    html = page.get_data(as_text=True)
    token = csrf_of(html)
    key = re.search(r'name="r" value="([^"]+)"', html)
    data = {"csrf_token": token, "username": user.username}
    if key:
        data["r"] = key.group(1)
    http.post("/login/", data=data)
    response = http.post("/login/password", data={"csrf_token": token, "password": user.password})
    if response.location and response.location.endswith("/login/code"):
        response = http.post(
            "/login/code",
            data={"csrf_token": token, "code": code if code is not None else user.code()},
        )
    return response


def redirect_status(method: str) -> int:
    """The status of the IdP's redirects answering a request of ``method``: 303 See Other
    after a POST, so that the browser never re-posts a form (RFC 9700 §4.12), else 302."""
    return 303 if method.upper() == "POST" else 302


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def authorize_code(
    http: Any, client: TestClient, user: TestUser, **extra: str
) -> tuple[str, str, dict[str, str]]:
    """Run a full authorization request with login; returns (code, verifier, params)."""
    verifier, challenge = pkce_pair()
    params = auth_params(client, challenge, **extra)
    response = http.get("/authorize", query_string=params)
    if response.status_code == 302 and "/login/" in response.location:
        response = login(http, user, start=response.location)
        response = http.get(response.location)
    assert response.status_code == 302, response.get_data(as_text=True)
    query = query_of(response.location)
    assert "code" in query, query
    return query["code"], verifier, params


def redeem(http: Any, client: TestClient, code: str, verifier: str | None) -> Any:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": client.redirect_uri}
    if verifier:
        data["code_verifier"] = verifier
    if client.client_secret:
        return http.post("/token", data=data, auth=(client.client_id, client.client_secret))
    data["client_id"] = client.client_id
    return http.post("/token", data=data)

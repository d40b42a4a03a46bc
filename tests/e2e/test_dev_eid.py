"""The development private-eID stand-in at /dev-eid (dev_stand_ins), over real HTTP.

With the switch on and no private_eid_issuer, the IdP is its own upstream: the person's
browser goes from the proofing page to /dev-eid/authorize, picks a test citizen and a level,
and comes back to the callback, where the IdP redeems the code at its own /dev-eid/token and
checks the ID token against its own /dev-eid/jwks, all through the threaded server.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import stat
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from idp.extensions import db
from idp.models import FederatedIdentity, ProofingRecord
from idp.services.orgs import get_by_cvr
from idp.services.proofing.settings import configure_organisation
from idp.web.dev_eid import provider
from idp.web.sealing import _fernet
from tests.support.browser import Browser, location, path_of
from tests.support.danish_text import DanishCheck, untranslated_sentences, visible_text
from tests.support.e2e import downstream_app
from tests.support.helpers import TestUser, make_user

WARNING = "Development stand-in — not MitID. For testing only."


@pytest.fixture
def stand_in(make_app: Any, servers: Any, smtp: Any) -> Any:
    server = servers()
    app = downstream_app(make_app, server, smtp, dev_stand_ins=True)
    server.serve(app)
    return app, server.url


def _signed_in(browser: Any, url: str, user: TestUser) -> Browser:
    b: Browser = browser(url)
    page = b.log_in(b.get(url + "/login/"), user.username, user.password, user.code())
    assert page.status_code == 200, (page.url, page.text)
    return b


def _stand_in_page(b: Browser, url: str) -> requests.Response:
    page = b.submit(b.get(url + "/account/proofing"), "/account/proofing/private-eid")
    assert path_of(page) == "/dev-eid/authorize", (page.url, page.text)
    assert WARNING in page.text
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    return page


def _records(app: Any, user: TestUser) -> list[tuple[str, str | None, dict[str, Any]]]:
    with app.app_context():
        rows = db.session.execute(
            select(ProofingRecord).where(ProofingRecord.user_id == user.id)
        ).scalars()
        found = [(r.route, r.level, dict(r.evidence)) for r in rows]
        db.session.remove()
        return found


def test_a_person_proves_their_identity_through_the_stand_in(stand_in, browser):
    app, url = stand_in
    user = make_user(app, "freja", ial=None)
    b = _signed_in(browser, url, user)
    page = _stand_in_page(b, url)
    for citizen in provider.CITIZENS:
        assert citizen.name in page.text
    assert 'value="Substantial" checked' in page.text  # the default level
    done = b.submit(page, "/dev-eid/authorize", citizen="mads", level="Substantial")
    assert done.status_code == 200, (done.url, done.text)
    mads = provider.BY_KEY["mads"]
    assert _records(app, user) == [
        (
            "private_eid",
            "Substantial",
            {"issuer": url + "/dev-eid", "subject": mads.subject, "upstream_level": "Substantial"},
        )
    ]
    with app.app_context():
        binding = db.session.execute(select(FederatedIdentity)).scalar_one()
        assert (binding.user_id, binding.subject) == (user.id, mads.subject)
        db.session.remove()


def test_a_high_login_gives_at_most_the_organisations_cap(stand_in, browser):
    app, url = stand_in
    user = make_user(app, "bent", ial=None)
    with app.app_context():
        org = get_by_cvr("12345678")
        configure_organisation(org, caps={"private_eid": "Substantial"}, actor="test")
        db.session.remove()
    b = _signed_in(browser, url, user)
    b.submit(_stand_in_page(b, url), "/dev-eid/authorize", citizen="bent", level="High")
    [(route, level, evidence)] = _records(app, user)
    assert (route, level, evidence["upstream_level"]) == ("private_eid", "Substantial", "High")


def test_the_signing_key_is_made_once_in_the_instance_folder(stand_in):
    app, url = stand_in
    path = Path(app.instance_path) / "dev-eid-key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = requests.get(url + "/dev-eid/jwks", timeout=10).json()
    again = provider.load_key(Path(app.instance_path))
    assert before["keys"][0]["kid"] == again.kid
    meta = requests.get(url + "/dev-eid/.well-known/openid-configuration", timeout=10).json()
    assert meta["issuer"] == url + "/dev-eid"


# -- the protocol, played by hand ---------------------------------------------------------------
def _s256(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def _authorize_params(url: str, **changes: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": provider.CLIENT_ID,
        "redirect_uri": url + "/proofing/private-eid/callback",
        "scope": "openid",
        "state": "state-" + secrets.token_hex(4),
        "nonce": "nonce-" + secrets.token_hex(4),
        "code_challenge_method": "S256",
        "code_challenge": _s256("v" * 64),
    }
    params.update(changes)
    return {k: v for k, v in params.items() if v is not None}


def _code(url: str, params: dict[str, str]) -> str:
    http = requests.Session()
    page = http.get(url + "/dev-eid/authorize", params=params, timeout=10)
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    answer = http.post(
        url + "/dev-eid/authorize",
        data={**params, "csrf_token": token.group(1), "citizen": "aisha", "level": "Low"},
        allow_redirects=False,
        timeout=10,
    )
    target = location(answer)
    assert target.startswith(params["redirect_uri"] + "?"), target
    query = {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}
    assert query["state"] == params["state"]
    return query["code"]


def _redeem(app: Any, url: str, code: str, verifier: str = "v" * 64, secret: str | None = None):
    return requests.post(
        url + "/dev-eid/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": url + "/proofing/private-eid/callback",
            "code_verifier": verifier,
        },
        auth=(
            provider.CLIENT_ID,
            secret or app.extensions["idp.settings"].private_eid_client_secret,
        ),
        timeout=10,
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"redirect_uri": "http://127.0.0.1:9/evil"},
        {"client_id": "someone-else"},
        {"code_challenge": None},
        {"code_challenge_method": "plain"},
        {"nonce": None},
        {"state": None},
        {"response_type": "token"},
    ],
    ids=lambda c: next(iter(c)) + "=" + str(next(iter(c.values()))),
)
def test_a_bad_authorization_request_gets_an_error_page_never_a_redirect(stand_in, changes):
    _app, url = stand_in
    answer = requests.get(
        url + "/dev-eid/authorize",
        params=_authorize_params(url, **changes),
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 400, answer.text
    assert "Location" not in answer.headers
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert WARNING not in answer.text


def test_a_code_is_redeemed_once_with_its_verifier_and_the_client_secret(stand_in):
    app, url = stand_in
    params = _authorize_params(url)
    code = _code(url, params)
    wrong_secret = _redeem(app, url, code, secret="not-the-secret")
    assert (wrong_secret.status_code, wrong_secret.json()["error"]) == (401, "invalid_client")
    wrong_verifier = _redeem(app, url, code, verifier="w" * 64)
    assert (wrong_verifier.status_code, wrong_verifier.json()["error"]) == (400, "invalid_grant")
    first = _redeem(app, url, code)
    assert first.status_code == 200, first.text
    assert set(first.json()) >= {"id_token", "access_token"}
    replayed = _redeem(app, url, code)
    assert (replayed.status_code, replayed.json()["error"]) == (400, "invalid_grant")
    forged = _redeem(app, url, code[:-4] + "AAAA")
    assert forged.json()["error"] == "invalid_grant"


def test_without_the_switch_there_is_no_stand_in(make_app, servers, smtp):
    server = servers()
    app = downstream_app(make_app, server, smtp)
    server.serve(app)
    for path in (
        "/dev-eid/authorize",
        "/dev-eid/jwks",
        "/dev-eid/.well-known/openid-configuration",
    ):
        assert requests.get(server.url + path, timeout=10).status_code == 404
    assert requests.post(server.url + "/dev-eid/token", timeout=10).status_code == 404
    assert app.extensions["idp.settings"].private_eid_issuer == ""


def test_a_code_older_than_60_seconds_is_refused(stand_in):
    app, url = stand_in
    params = _authorize_params(url)
    code = _code(url, params)
    with app.test_request_context("/"):
        grant = provider.unseal_code(code)
        assert grant is not None
        old = _fernet(provider.CODE_PURPOSE).encrypt_at_time(
            json.dumps(grant).encode(), int(time.time()) - provider.CODE_TTL - 2
        )
    late = _redeem(app, url, old.decode())
    assert (late.status_code, late.json()["error"]) == (400, "invalid_grant")
    assert _redeem(app, url, code).status_code == 200  # the same grant, young: redeemed


def test_the_login_form_is_csrf_protected(stand_in):
    _app, url = stand_in
    params = _authorize_params(url)
    answer = requests.post(
        url + "/dev-eid/authorize",
        data={**params, "citizen": "aisha", "level": "Low"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 400 and "Location" not in answer.headers


def test_the_stand_in_reads_danish_in_danish(stand_in):
    app, url = stand_in
    danish = {"Accept-Language": "da"}
    page = requests.get(
        url + "/dev-eid/authorize", params=_authorize_params(url), headers=danish, timeout=10
    )
    assert "Udviklingsudgave — ikke MitID. Kun til afprøvning." in page.text
    refused = requests.get(
        url + "/dev-eid/authorize",
        params=_authorize_params(url, code_challenge=None),
        headers=danish,
        timeout=10,
    )
    assert "Login-forespørgslen er ikke gyldig: code_challenge (PKCE S256)." in refused.text
    check = DanishCheck(app)
    english = untranslated_sentences()
    for answer in (page, refused):
        assert check.leaks(answer.text) == []
        assert [s for s in english if s in visible_text(answer.text)] == []


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "a\x01b"}, "invalid_request"),
    ],
)
def test_the_token_endpoint_answers_oauth_errors_in_json(stand_in, form, error):
    app, url = stand_in
    secret = app.extensions["idp.settings"].private_eid_client_secret
    answer = requests.post(
        url + "/dev-eid/token", data=form, auth=(provider.CLIENT_ID, secret), timeout=10
    )
    assert answer.status_code == 400, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json()["error"] == error

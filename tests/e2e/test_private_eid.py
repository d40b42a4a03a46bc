"""Private eID proofing: the IdP as a strict relying party of an upstream OpenID provider.

The downstream IdP under test is driven with its Flask test client; it talks to the upstream
over real HTTP. The upstream is either a second instance of this IdP (``live_server``, played
through its login pages with ``requests``) or the scripted provider in ``tests/support/fake_op.py``
whose knobs make it misbehave in one way at a time. The browser never reaches the downstream
over HTTP: the upstream's redirect to the callback is handed to the test client.

Both apps share one database, so usernames are unique across both and CVRs are distinct.
"""

from __future__ import annotations

import html
import re
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import pyotp
import pytest
import requests
from flask import Flask
from sqlalchemy import select

from idp.extensions import db
from idp.models import AuditEvent, FederatedIdentity, ProofingRecord, User
from tests.support.browser import Browser, location
from tests.support.fake_op import FakeOP
from tests.support.helpers import (
    LiveServer,
    TestClient,
    TestUser,
    csrf_of,
    login,
    make_client,
    make_org,
    make_user,
    query_of,
)

DOWNSTREAM = "http://127.0.0.1:5000"  # the downstream's (default) issuer; never served
CALLBACK = DOWNSTREAM + "/proofing/private-eid/callback"
UPSTREAM_CVR = "99999999"


# --- the downstream: person, pages, database -------------------------------------------------


def logged_in(app: Flask, user: TestUser) -> Any:
    http = app.test_client()
    response = login(http, user)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert "/login/" not in response.location, response.location
    return http


def start_proofing(http: Any) -> Any:
    page = http.get("/account/proofing")
    assert page.status_code == 200, page.get_data(as_text=True)
    return http.post(
        "/account/proofing/private-eid", data={"csrf_token": csrf_of(page.get_data(as_text=True))}
    )


def callback(http: Any, location: str) -> Any:
    """Deliver the upstream's redirect to the downstream's callback, as the browser would."""
    assert location.startswith(CALLBACK + "?"), location
    return http.get(urlsplit(location).path, query_string=urlsplit(location).query)


def message_of(response: Any) -> str:
    match = re.search(r'id="proofing-message">(.*?)</p>', response.get_data(as_text=True), re.S)
    assert match, response.get_data(as_text=True)
    return html.unescape(match.group(1)).strip()


def level_shown(http: Any) -> str:
    page = http.get("/account/proofing")
    assert page.status_code == 200
    match = re.search(r'id="identity-level">(.*?)<', page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)
    return html.unescape(match.group(1)).strip()


@dataclass
class Identity:
    """What the downstream database says about one person's identity."""

    level: str | None
    records: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    bindings: list[tuple[int, str, str]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)


def identity_of(app: Flask, user: TestUser) -> Identity:
    with app.app_context():
        row = db.session.get(User, user.id)
        assert row is not None
        result = Identity(
            level=row.identity_level,
            records=[
                (r.route, r.level, dict(r.evidence))
                for r in db.session.execute(
                    select(ProofingRecord)
                    .where(ProofingRecord.user_id == user.id)
                    .order_by(ProofingRecord.id)
                ).scalars()
            ],
            bindings=[
                (b.org_id, b.issuer, b.subject)
                for b in db.session.execute(
                    select(FederatedIdentity).where(FederatedIdentity.user_id == user.id)
                ).scalars()
            ],
            audit=[
                dict(e.details)
                for e in db.session.execute(
                    select(AuditEvent)
                    .where(
                        AuditEvent.action == "proofing.recorded",
                        AuditEvent.target == user.username,
                    )
                    .order_by(AuditEvent.id)
                ).scalars()
            ],
        )
        db.session.remove()
        return result


def org_id_of(app: Flask, user: TestUser) -> int:
    with app.app_context():
        row = db.session.get(User, user.id)
        assert row is not None
        org_id = row.org_id
        db.session.remove()
        return org_id


UNPROVEN = Identity(level=None)


def assert_proven(app: Flask, user: TestUser, issuer: str, subject: str) -> None:
    assert identity_of(app, user) == Identity(
        level="Substantial",
        records=[
            (
                "private_eid",
                "Substantial",
                {"issuer": issuer, "subject": subject, "upstream_level": "Substantial"},
            )
        ],
        bindings=[(org_id_of(app, user), issuer, subject)],
        audit=[
            {
                "route": "private_eid",
                "level": "Substantial",
                "identity_level_before": None,
                "identity_level_after": "Substantial",
            }
        ],
    )


# --- the login at the real upstream ----------------------------------------------------------


def authorize_upstream(browser: Browser, url: str, user: TestUser | None) -> str:
    """Follow the downstream's authorization request; log in as ``user`` if given (else
    expect single sign-on). Returns the upstream's redirect back to the callback."""
    [issuer] = browser.sites
    assert url.startswith(issuer + "/authorize?"), url
    page = browser.get(url)
    if user is not None:
        assert user.totp_secret
        page = browser.log_in(
            page, user.username, user.password, pyotp.TOTP(user.totp_secret).now()
        )
    return location(page)


# --- 1. a real upstream: a second instance of this IdP ---------------------------------------


@dataclass
class RealUpstream:
    live: LiveServer
    rp: TestClient
    app: Flask  # the downstream


@pytest.fixture
def real(make_app: Any, live_server: LiveServer) -> Iterator[RealUpstream]:
    make_org(live_server.app, UPSTREAM_CVR, "Upstream eID A/S")
    rp = make_client(live_server.app, redirect_uri=CALLBACK, first_party=True)
    assert rp.client_secret
    app = make_app(
        private_eid_issuer=live_server.url,
        private_eid_client_id=rp.client_id,
        private_eid_client_secret=rp.client_secret,
    )
    yield RealUpstream(live_server, rp, app)


@pytest.fixture
def upstream_browser(real: RealUpstream) -> Iterator[Browser]:
    browser = Browser(real.live.url)
    try:
        yield browser
    finally:
        browser.close()


def prove_with_real(
    real: RealUpstream, browser: Browser, http: Any, upstream_user: TestUser | None
) -> Any:
    started = start_proofing(http)
    assert started.status_code == 303, started.get_data(as_text=True)
    request = query_of(started.location)
    assert request["client_id"] == real.rp.client_id
    assert request["redirect_uri"] == CALLBACK
    assert request["response_type"] == "code"
    assert request["code_challenge_method"] == "S256" and request["code_challenge"]
    assert request["state"] and request["nonce"]
    location = authorize_upstream(browser, started.location, upstream_user)
    assert query_of(location)["iss"] == real.live.url  # RFC 9207, checked by the downstream
    return callback(http, location)


def test_real_upstream_proves_the_identity(real: RealUpstream, upstream_browser: Browser) -> None:
    upstream_user = make_user(real.live.app, "upstreamperson", cvr=UPSTREAM_CVR)
    person = make_user(real.app, "person", ial=None)
    http = logged_in(real.app, person)
    assert level_shown(http) == "not proven"
    assert identity_of(real.app, person) == UNPROVEN

    done = prove_with_real(real, upstream_browser, http, upstream_user)

    assert done.status_code == 302, message_of(done)
    assert urlsplit(done.location).path == "/account/proofing"
    assert level_shown(http) == "Substantial"
    # the upstream's sub for a person is the person's uuid there
    assert_proven(real.app, person, real.live.url, upstream_user.uuid)


def test_real_upstream_level_too_low_is_refused(
    real: RealUpstream, upstream_browser: Browser
) -> None:
    # password + TOTP with identity level Low: the upstream login is at LoA Low
    upstream_user = make_user(real.live.app, "lowperson", cvr=UPSTREAM_CVR, ial="Low")
    person = make_user(real.app, "person", ial=None)
    http = logged_in(real.app, person)

    refused = prove_with_real(real, upstream_browser, http, upstream_user)

    assert refused.status_code == 400  # InvalidInput
    message = message_of(refused)
    assert "level Low" in message and "requires at least Substantial" in message, message
    assert level_shown(http) == "not proven"
    assert identity_of(real.app, person) == UNPROVEN


def test_real_upstream_person_cannot_prove_two_identities_in_one_org(
    real: RealUpstream, upstream_browser: Browser
) -> None:
    upstream_user = make_user(real.live.app, "upstreamperson", cvr=UPSTREAM_CVR)
    person = make_user(real.app, "person", ial=None)
    colleague = make_user(real.app, "colleague", ial=None)

    first = prove_with_real(real, upstream_browser, logged_in(real.app, person), upstream_user)
    assert first.status_code == 302, message_of(first)
    assert_proven(real.app, person, real.live.url, upstream_user.uuid)

    # the same upstream person again (single sign-on at the upstream), for another identity
    http = logged_in(real.app, colleague)
    second = prove_with_real(real, upstream_browser, http, None)

    assert second.status_code == 409  # Conflict
    message = message_of(second)
    assert "already bound to another identity" in message, message
    assert level_shown(http) == "not proven"
    assert identity_of(real.app, colleague) == UNPROVEN
    assert_proven(real.app, person, real.live.url, upstream_user.uuid)  # unchanged


# --- 2. a scripted upstream ------------------------------------------------------------------


@dataclass
class Scripted:
    op: FakeOP
    app: Flask  # the downstream
    person: TestUser


@pytest.fixture
def scripted(make_app: Any) -> Iterator[Scripted]:
    with FakeOP(
        client_id="lokal-idp", client_secret=secrets.token_urlsafe(24), redirect_uri=CALLBACK
    ) as op:
        app = make_app(
            private_eid_issuer=op.url,
            private_eid_client_id=op.client_id,
            private_eid_client_secret=op.client_secret,
        )
        yield Scripted(op, app, make_user(app, "person", ial=None))


def to_upstream_and_back(s: Scripted, http: Any) -> str:
    """Start the proofing and follow the downstream's redirect to the fake's /authorize."""
    started = start_proofing(http)
    assert started.status_code == 303, message_of(started)
    assert started.location.startswith(s.op.url + "/authorize?"), started.location
    with requests.Session() as browser:
        answer = browser.get(started.location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text  # the fake accepted the request
    return answer.headers["Location"]


def test_scripted_upstream_proves_the_identity(scripted: Scripted) -> None:
    """The fake is a correct provider: without a knob turned the proofing succeeds."""
    s = scripted
    http = logged_in(s.app, s.person)
    location = to_upstream_and_back(s, http)

    done = callback(http, location)

    assert done.status_code == 302, message_of(done)
    assert urlsplit(done.location).path == "/account/proofing"
    assert s.op.redeemed == 1  # client_secret_basic, redirect_uri and PKCE S256 were right
    assert level_shown(http) == "Substantial"
    assert_proven(s.app, s.person, s.op.url, s.op.sub)

    # the answer cannot be delivered twice
    replayed = callback(http, location)
    assert replayed.status_code == 400
    assert "not started here" in message_of(replayed)
    assert s.op.redeemed == 1
    assert_proven(s.app, s.person, s.op.url, s.op.sub)


OTHER_ISSUER = "https://eid.example.org"
REFUSALS = [
    # knobs, tamper with state, status, words of the message, was the code redeemed
    pytest.param({"id_token_nonce": "another-nonce"}, False, 502, ["nonce"], 1, id="nonce"),
    pytest.param({"id_token_iss": OTHER_ISSUER}, False, 502, ["another issuer"], 1, id="iss"),
    pytest.param({"response_iss": OTHER_ISSUER}, False, 502, ["another issuer"], 0, id="resp-iss"),
    pytest.param({"id_token_aud": "another-rp"}, False, 502, ["another client"], 1, id="aud"),
    pytest.param({"id_token_exp_offset": -3600}, False, 502, ["expired"], 1, id="expired"),
    pytest.param(
        {"sign_with": "same_kid_other_key"}, False, 502, ["signature"], 1, id="bad-signature"
    ),
    pytest.param({"sign_with": "unknown_kid"}, False, 502, ["signature"], 1, id="unknown-kid"),
    pytest.param(
        {"authorize_error": "access_denied"},
        False,
        502,
        ["refused the login", "access_denied"],
        0,
        id="access-denied",
    ),
    pytest.param({}, True, 502, ["state"], 0, id="state-tampered"),
    pytest.param({"level": None}, False, 400, ["at which level"], 1, id="no-level"),
    pytest.param(
        {"token_error": "invalid_grant"},
        False,
        502,
        ["refused the code", "invalid_grant"],
        0,
        id="token-error",
    ),
    pytest.param(
        {"jwks_override": {"keys": []}},
        False,
        502,
        ["signing keys are unreadable"],
        1,
        id="empty-jwks",
    ),
]


@pytest.mark.parametrize(("knobs", "tamper", "status", "words", "redeemed"), REFUSALS)
def test_scripted_upstream_answer_is_refused(
    scripted: Scripted,
    knobs: dict[str, Any],
    tamper: bool,
    status: int,
    words: list[str],
    redeemed: int,
) -> None:
    s = scripted
    for name, value in knobs.items():
        assert hasattr(s.op, name), name
        setattr(s.op, name, value)
    http = logged_in(s.app, s.person)
    location = to_upstream_and_back(s, http)
    if tamper:
        answer = query_of(location)
        answer["state"] = answer["state"][:-1] + ("A" if answer["state"][-1] != "A" else "B")
        location = CALLBACK + "?" + urlencode(answer)

    refused = callback(http, location)

    assert refused.status_code == status, refused.get_data(as_text=True)
    message = message_of(refused)
    for word in words:
        assert word in message, message
    assert s.op.redeemed == redeemed
    assert level_shown(http) == "not proven"
    assert identity_of(s.app, s.person) == UNPROVEN


def test_upstream_configuration_naming_another_issuer_is_refused(scripted: Scripted) -> None:
    s = scripted
    s.op.discovery_issuer = OTHER_ISSUER
    http = logged_in(s.app, s.person)

    refused = start_proofing(http)

    assert refused.status_code == 502  # UpstreamError
    assert "another issuer" in message_of(refused)
    assert s.op.authorize_requests == []  # the person was not sent there
    assert identity_of(s.app, s.person) == UNPROVEN


def test_unreachable_upstream_is_reported(make_app: Any) -> None:
    with socket.socket() as probe:  # a port on which nothing listens once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = make_app(
        private_eid_issuer=f"http://127.0.0.1:{port}",
        private_eid_client_id="lokal-idp",
        private_eid_client_secret="secret",
    )
    person = make_user(app, "person", ial=None)
    http = logged_in(app, person)

    refused = start_proofing(http)

    assert refused.status_code == 502  # UpstreamError
    assert "cannot be reached" in message_of(refused)
    assert level_shown(http) == "not proven"
    assert identity_of(app, person) == UNPROVEN


def test_upstream_gone_before_the_callback_is_reported(scripted: Scripted) -> None:
    s = scripted
    http = logged_in(s.app, s.person)
    location = to_upstream_and_back(s, http)
    s.op.stop()

    refused = callback(http, location)

    assert refused.status_code == 502
    assert "cannot be reached" in message_of(refused)
    assert s.op.redeemed == 0
    assert identity_of(s.app, s.person) == UNPROVEN

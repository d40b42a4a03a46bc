"""The thin path (idp/web/thin.py, idp/oidc/thin.py): valid /token and /userinfo requests are
answered on Core statements with a cached client, alike to what the full path answers, and a
change to a client is seen on the very next request, by every app sharing the database."""

from __future__ import annotations

import json
import logging

from joserfc import jwt
from prometheus_client import REGISTRY
from sqlalchemy import text, update

from idp.extensions import db
from idp.models import Client
from idp.services import clients as client_service
from tests.support.helpers import authorize_code, make_client, make_user, redeem
from tests.support.thin import bearer, statements, suspend

CC = {"grant_type": "client_credentials"}
VARYING = {"X-Request-ID", "Content-Length"}


def test_a_cached_client_costs_one_guarded_insert(app, client):
    rp = make_client(app)
    assert client.post("/token", data=CC, auth=(rp.client_id, rp.client_secret)).status_code == 200
    with statements(app) as seen:
        answer = client.post("/token", data=CC, auth=(rp.client_id, rp.client_secret))
    assert answer.status_code == 200
    # One statement: the INSERT itself checks that client_version is what the client was
    # cached under.
    assert len(seen) == 1, seen
    assert seen[0].startswith("insert into oauth_token")


def test_a_code_is_redeemed_by_one_guarded_update(app, client):
    rp = make_client(app)
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user)
    with statements(app) as seen:
        answer = redeem(client, rp, code, verifier)
    assert answer.status_code == 200, answer.json
    assert not any("from oauth_client" in s for s in seen[1:]), seen  # cached after one read
    redeeming = [s for s in seen if s.startswith("update authorization_code")]
    assert len(redeeming) == 1, seen
    with statements(app) as seen:
        info = client.get("/userinfo", headers=bearer(answer.json["access_token"]))
    assert info.status_code == 200
    assert len(seen) == 1, seen  # the token, its person and the clients' version at once


def test_a_code_of_a_person_no_longer_active_is_refused_and_left_for_the_full_path(app, client):
    rp, user = make_client(app), make_user(app)
    code, verifier, _ = authorize_code(client, rp, user)
    suspend(app, user.username)
    refused = redeem(client, rp, code, verifier)
    assert refused.status_code == 400 and refused.json["error"] == "invalid_grant"
    with app.app_context():
        tokens = db.session.execute(text("SELECT count(*) FROM oauth_token")).scalar()
    assert tokens == 0  # the thin path's transaction was rolled back, nothing half-written


def test_userinfo_sees_a_changed_client_on_the_next_request(app, client):
    rp = make_client(app)
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user)
    header = bearer(redeem(client, rp, code, verifier).json["access_token"])
    public = client.get("/userinfo", headers=header).json["sub"]
    with app.app_context():
        db.session.execute(
            update(Client)
            .where(Client.client_id == rp.client_id)
            .values(subject_type="pairwise", sector_identifier="https://rp.example")
        )
        db.session.commit()
    pairwise = client.get("/userinfo", headers=header).json["sub"]
    assert pairwise != public and len(pairwise) == 43  # OIDC Core §8.1, from the new row


def _pair(make_app):
    return make_app(), make_app(thin_path=False)


def test_thin_and_full_paths_answer_alike(make_app):
    thin_app, full_app = _pair(make_app)
    rp = make_client(thin_app)
    user = make_user(thin_app, totp=False)  # two logins within one time step: no OTP replay
    answers = {}
    for name, app in (("thin", thin_app), ("full", full_app)):
        browser, back_channel = app.test_client(), app.test_client()
        credentials = back_channel.post("/token", data=CC, auth=(rp.client_id, rp.client_secret))
        code, verifier, _ = authorize_code(browser, rp, user)
        tokens = redeem(back_channel, rp, code, verifier)
        info = back_channel.get("/userinfo", headers=bearer(tokens.json["access_token"]))
        answers[name] = (credentials, tokens, info)
    for thin, full in zip(answers["thin"], answers["full"], strict=True):
        assert thin.status_code == full.status_code == 200
        assert _headers(thin) == _headers(full)
        assert set(thin.json) == set(full.json)
    thin_info, full_info = answers["thin"][2].json, answers["full"][2].json
    assert thin_info == full_info
    claims = [_claims(thin_app, answers[n][1].json["id_token"]) for n in ("thin", "full")]
    moving = {"iat", "exp", "at_hash", "auth_time", "nonce"}
    assert {k: v for k, v in claims[0].items() if k not in moving} == {
        k: v for k, v in claims[1].items() if k not in moving
    }
    assert set(claims[0]) == set(claims[1])


def _headers(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in VARYING}


def _claims(app, id_token: str) -> dict:
    with app.app_context():
        from idp.services.platform.runtime import keystore

        keys = keystore().public_key_set()
    return dict(jwt.decode(id_token, keys).claims)


def test_a_rotated_secret_stops_working_on_the_next_request_at_every_app(make_app):
    first, second = make_app(), make_app()
    rp = make_client(first)
    http_a, http_b = first.test_client(), second.test_client()
    for http in (http_a, http_b):  # both cache the client
        assert (
            http.post("/token", data=CC, auth=(rp.client_id, rp.client_secret)).status_code == 200
        )
    with first.app_context():
        row = client_service.get_client(rp.client_id)
        new_secret = client_service.rotate_secret(row, actor="test")
    for http in (http_a, http_b):
        old = http.post("/token", data=CC, auth=(rp.client_id, rp.client_secret))
        assert old.status_code == 401 and old.json["error"] == "invalid_client"
        assert http.post("/token", data=CC, auth=(rp.client_id, new_secret)).status_code == 200


def test_a_client_changed_by_plain_sql_or_removed_is_seen_at_once(app, client):
    rp = make_client(app)
    auth = (rp.client_id, rp.client_secret)
    assert client.post("/token", data=CC, auth=auth).status_code == 200
    with app.app_context():
        # Not through the services: the database's trigger still tells every cache.
        db.session.execute(
            update(Client)
            .where(Client.client_id == rp.client_id)
            .values(grant_types=["refresh_token"])
        )
        db.session.commit()
    refused = client.post("/token", data=CC, auth=auth)
    assert refused.status_code == 400 and refused.json["error"] == "unauthorized_client"
    with app.app_context():
        client_service.remove_client(rp.client_id, actor="test")
        assert db.session.execute(text("SELECT count(*) FROM client_version")).scalar() == 1
    gone = client.post("/token", data=CC, auth=auth)
    assert gone.status_code == 401 and gone.json["error"] == "invalid_client"


def test_a_thin_answer_is_logged_and_counted_as_a_full_one(make_app):
    app = make_app(log_format="json")
    http = app.test_client()
    rp = make_client(app)
    before = [_sample(*sample) for sample in SAMPLES]
    lines: list[logging.LogRecord] = []
    catcher = logging.Handler()
    catcher.emit = lines.append  # type: ignore[method-assign]
    logging.getLogger("idp.access").addHandler(catcher)
    try:
        answer = http.post("/token", data=CC, auth=(rp.client_id, rp.client_secret))
    finally:
        logging.getLogger("idp.access").removeHandler(catcher)
    assert answer.status_code == 200
    assert len(lines) == 1
    fields = lines[0].access  # type: ignore[attr-defined]
    assert fields["endpoint"] == "oidc.token" and fields["status"] == 200
    assert fields["client_id"] == rp.client_id
    assert fields["request_id"] == answer.headers["X-Request-ID"]
    json.dumps(fields)  # one JSON line
    assert [_sample(*sample) - was for sample, was in zip(SAMPLES, before, strict=True)] == [1, 1]


SAMPLES = [
    ("idp_tokens_issued_total", {"grant_type": "client_credentials"}),
    ("idp_http_requests_total", {"endpoint": "oidc.token", "status": "200"}),
]


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0

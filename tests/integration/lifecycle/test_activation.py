"""Activation by an administrator and the person's journey through the mailed link."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from idp.extensions import db
from idp.models import Activation, AuditEvent, User
from idp.models.types import utcnow
from idp.services.means import otp
from tests.support.activation import (
    ISSUER,
    _link,
    _path,
    _post,
    _proof_in_person,
    _run,
    make_imported,
)
from tests.support.catalogue import add_rights
from tests.support.helpers import (
    SEED_FILES,
    TestUser,
    auth_params,
    login,
    make_client,
    make_org,
    pkce_pair,
    query_of,
    redeem,
)

DATA = SEED_FILES


def _status(app, username):
    with app.app_context():
        return db.session.query(User).filter_by(username=username).one().status


def test_activation_queues_a_mail_with_a_link_from_the_issuer(app):
    make_org(app)
    make_imported(app, "anna")
    add_rights(app, "urn:dk:some_domain:right1")
    result = _run(
        app,
        "users activate anna --org 12345678 --login-means app "
        "--privilege urn:dk:some_domain:right1 --json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["activated"] == 1
    assert _status(app, "anna") == "pending_activation"
    link = _link(app, "anna")
    assert link.startswith(ISSUER + "/activate/")
    token = link.rsplit("/", 1)[1]
    with app.app_context():
        row = db.session.query(Activation).one()
        assert token not in row.token_hash and len(row.token_hash) == 64
        assert (row.expires_at - row.created_at) == timedelta(days=30)
        person = db.session.query(User).filter_by(username="anna").one()
        assert "urn:dk:some_domain:right1" in person.privileges


def test_opening_the_link_changes_nothing(app, client):
    make_org(app)
    make_imported(app, "anna")
    _run(app, "users activate anna --org 12345678 --login-means app")
    path = _path(_link(app, "anna"))
    for _ in range(2):
        assert client.get(path).status_code == 200
        assert client.head(path).status_code == 200
    assert _status(app, "anna") == "pending_activation"
    with app.app_context():
        assert db.session.query(Activation).one().used_at is None


def test_full_journey_with_app_then_oidc_login(app, client):
    make_org(app)
    make_imported(app, "anna")
    _run(app, "users activate anna --org 12345678 --login-means app")
    path = _path(_link(app, "anna"))
    page = client.get(path)
    assert "Prove who you are" in page.get_data(as_text=True)
    # A later step cannot be reached by calling its URL.
    skipped = _post(client, path + "/password", page, password="x" * 20, password2="x" * 20)
    assert skipped.status_code == 303
    with app.app_context():
        assert db.session.query(User).filter_by(username="anna").one().password_hash is None
    _proof_in_person(app, "anna")
    page = client.get(path)
    assert 'id="password"' in page.get_data(as_text=True)
    weak = _post(
        client, path + "/password", page, password="password1234", password2="password1234"
    )
    assert weak.status_code == 400 and "too common" in weak.get_data(as_text=True)
    differ = _post(
        client,
        path + "/password",
        page,
        password="a fine long passphrase",
        password2="another long passphrase",
    )
    assert differ.status_code == 400
    ok = _post(
        client,
        path + "/password",
        page,
        password="a fine long passphrase",
        password2="a fine long passphrase",
    )
    assert ok.status_code == 303
    page = client.get(path)
    qr = _post(client, path + "/app", page)
    html = qr.get_data(as_text=True)
    assert "<svg" in html
    secret = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    import pyotp

    done = _post(client, path + "/app/confirm", qr, code=pyotp.TOTP(secret).now())
    assert done.status_code == 200 and 'id="done"' in done.get_data(as_text=True)
    assert _status(app, "anna") == "active"
    again = client.get(path)
    assert again.status_code == 410 and 'data-kind="used"' in again.get_data(as_text=True)
    with app.app_context():
        assert "user.activated" in [e.action for e in db.session.query(AuditEvent)]
    # On completion the person logs in to a relying party with a Substantial token.
    person = TestUser("anna", "a fine long passphrase", secret, "", 0)
    rp = make_client(app)
    fresh = app.test_client()
    verifier, challenge = pkce_pair()
    start = fresh.get("/authorize", query_string=auth_params(rp, challenge))
    # The next time step: the activation consumed the current one (replay guard).
    done = login(fresh, person, start=start.location, code=person.code(offset_steps=1))
    code = query_of(fresh.get(done.location).location)["code"]
    tokens = redeem(fresh, rp, code, verifier).json
    from joserfc import jwt
    from joserfc.jwk import KeySet

    claims = jwt.decode(tokens["id_token"], KeySet.import_key_set(fresh.get("/jwks").json)).claims
    assert claims["acr"].endswith("/Substantial")


def test_journey_with_a_code_display(app, client, frozen_clock):
    make_org(app)
    make_imported(app, "bo")
    _run(app, f"tokens import {DATA / 'rfc6030-figure3-totp.pskcxml'} --org 12345678")
    _run(app, "users activate bo --org 12345678 --login-means code_display")
    _proof_in_person(app, "bo")
    path = _path(_link(app, "bo"))
    page = client.get(path)
    _post(
        client,
        path + "/password",
        page,
        password="a fine long passphrase",
        password2="a fine long passphrase",
    )
    page = client.get(path)
    assert "Serial number" in page.get_data(as_text=True)
    code = otp.code_at(b"12345678901234567890", otp.time_step(frozen_clock.t) + 3, digits=8)
    done = _post(client, path + "/code-display", page, serial="987654321", code=code)
    assert done.status_code == 200, done.get_data(as_text=True)
    assert _status(app, "bo") == "active"


def test_resend_makes_the_first_link_useless_and_is_throttled(make_app):
    app = make_app(resend_min_seconds=0)
    client = app.test_client()
    make_org(app)
    make_imported(app, "anna")
    _run(app, "users activate anna --org 12345678 --login-means app")
    first = _path(_link(app, "anna"))
    assert _run(app, "users resend anna").exit_code == 0
    second = _path(_link(app, "anna"))
    assert first != second
    old = client.get(first)
    assert old.status_code == 410 and 'data-kind="superseded"' in old.get_data(as_text=True)
    assert client.get(second).status_code == 200
    throttled = make_app(resend_min_seconds=3600)
    result = _run(throttled, "users resend anna")
    assert result.exit_code != 0 and "try again" in result.output


def test_expired_and_unknown_links(app, client):
    make_org(app)
    make_imported(app, "anna")
    _run(app, "users activate anna --org 12345678 --login-means app")
    path = _path(_link(app, "anna"))
    with app.app_context():
        db.session.query(Activation).update({"expires_at": utcnow() - timedelta(seconds=1)})
        db.session.commit()
    expired = client.get(path)
    assert expired.status_code == 410 and 'data-kind="expired"' in expired.get_data(as_text=True)
    unknown = client.get("/activate/not-a-real-token")
    text = unknown.get_data(as_text=True)
    assert unknown.status_code == 404 and 'data-kind="unknown"' in text
    assert "anna" not in text and "Traceback" not in text


def test_bulk_activation_reports_per_person_and_one_failure_does_not_undo_others(app):
    make_org(app)
    for name in ("p1", "p2", "p3"):
        make_imported(app, name)
    with app.app_context():
        db.session.query(User).filter_by(username="p2").update({"status": "active"})
        db.session.commit()
    result = _run(app, "users activate p1 p2 p3 nobody --org 12345678 --login-means app --json")
    assert result.exit_code != 0
    report = json.loads(result.output)
    by_person = {r["person"]: r["ok"] for r in report["results"]}
    assert by_person == {"nobody": False, "p1": True, "p2": False, "p3": True}
    assert [_status(app, n) for n in ("p1", "p2", "p3")] == [
        "pending_activation",
        "active",
        "pending_activation",
    ]


def test_all_imported_activates_everyone_waiting(app):
    make_org(app)
    for name in ("q1", "q2"):
        make_imported(app, name)
    result = _run(app, "users activate --all-imported --org 12345678 --login-means code_display")
    assert result.exit_code == 0, result.output
    assert _status(app, "q1") == _status(app, "q2") == "pending_activation"

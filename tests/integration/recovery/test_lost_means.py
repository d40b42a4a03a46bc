"""A lost or new phone, a lost code display: the person re-proves their identity through an
enabled route (the private eID bound to them), then binds a new means; the old one is revoked
and every session and token ends. The scripted upstream is tests/support/fake_op.py."""

from __future__ import annotations

import dataclasses
import re
import shlex

import pyotp
from sqlalchemy import select

from idp.extensions import db
from idp.models import Authenticator, FederatedIdentity, ProofingRecord
from idp.models.enums import AuthenticatorStatus
from tests.support.helpers import login
from tests.support.recovery import (
    ask,
    bind_upstream,
    latest_token,
    mails_to,
    post,
    snapshot,
    step_of,
    via_upstream,
)


def _new_app(person, http, token):
    shown = post(http, f"/recovery/{token}/app")
    assert shown.status_code == 200, shown.get_data(as_text=True)
    secret = re.search(r'id="secret">([A-Z2-7 ]+)<', shown.get_data(as_text=True)).group(1)
    return secret.replace(" ", "")


def test_lost_phone_reproofing_then_a_new_app(upstream_person):
    p = upstream_person
    app, user = p.app, p.user
    bind_upstream(app, user.id, p.op.url, p.op.sub)
    before = snapshot(app, user.id)
    ask(app.test_client(), user.username, kind="means")
    token = latest_token(app, user.id)

    http = app.test_client()
    assert step_of(http, token) == "prove"
    back = via_upstream(http, token)
    assert back.status_code == 302 and back.location.endswith(f"/recovery/{token}")
    assert step_of(http, token) == "means"
    secret = _new_app(p, http, token)
    p.user.clock.step(1)
    code = pyotp.TOTP(secret).at(int(p.user.clock.t))
    done = post(http, f"/recovery/{token}/app/confirm", code=code)
    assert done.status_code == 200 and 'id="done"' in done.get_data(as_text=True)

    after = snapshot(app, user.id)
    old = dict(before.means)
    assert all(dict(after.means)[i] == AuthenticatorStatus.REVOKED for i in old)
    assert after.live_sessions == 0 and after.live_tokens == 0
    assert after.password_hash == before.password_hash
    with app.app_context():
        routes = [r.route for r in db.session.execute(select(ProofingRecord)).scalars()]
        assert "private_eid" in routes  # the re-proofing is recorded and counts
    assert len(mails_to(app, user.id, "recovery_done")) == 1
    assert http.get(f"/recovery/{token}").status_code == 410

    # the new app logs in; the old one does not
    p.user.clock.step(1)
    new = dataclasses.replace(user, totp_secret=secret)
    assert "/login/" not in login(app.test_client(), new).location
    p.user.clock.step(1)
    assert login(app.test_client(), user).location is None


def test_a_code_display_from_stock_replaces_the_lost_means(upstream_person):
    p = upstream_person
    app, user = p.app, p.user
    bind_upstream(app, user.id, p.op.url, p.op.sub)
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    path = app.instance_path + "/displays.csv"
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            f"serial,secret,encoding,digits,period,algorithm\nCD-7001,{secret},base32,6,30,SHA1\n"
        )
    result = app.test_cli_runner().invoke(args=shlex.split(f"tokens import {path} --org 12345678"))
    assert result.exit_code == 0, result.output
    ask(app.test_client(), user.username, kind="means")
    token = latest_token(app, user.id)
    http = app.test_client()
    via_upstream(http, token)
    code = pyotp.TOTP(secret).at(int(p.user.clock.t))
    done = post(http, f"/recovery/{token}/code-display", serial="CD-7001", code=code)
    assert done.status_code == 200, done.get_data(as_text=True)
    with app.app_context():
        live = db.session.execute(
            select(Authenticator).where(
                Authenticator.user_id == user.id, Authenticator.status == "active"
            )
        ).scalar_one()
        assert live.serial == "CD-7001"


def test_another_persons_private_eid_proves_nothing(upstream_person):
    """The upstream says who logged in there; it is not the eID bound to this identity."""
    p = upstream_person
    app, user = p.app, p.user
    bind_upstream(app, user.id, p.op.url, "somebody-else")
    before = snapshot(app, user.id)
    ask(app.test_client(), user.username, kind="means")
    token = latest_token(app, user.id)
    http = app.test_client()
    refused = via_upstream(http, token)
    assert refused.status_code == 400
    assert "not the one your identity was proven with" in refused.get_data(as_text=True)
    assert step_of(http, token) == "prove"
    assert post(http, f"/recovery/{token}/app").status_code == 303  # back to the journey
    assert snapshot(app, user.id) == before


def test_a_person_with_no_bound_private_eid_cannot_use_it(upstream_person):
    p = upstream_person
    app, user = p.app, p.user
    before = snapshot(app, user.id)
    ask(app.test_client(), user.username, kind="means")
    token = latest_token(app, user.id)
    http = app.test_client()
    assert via_upstream(http, token).status_code == 400
    assert snapshot(app, user.id) == before
    with app.app_context():  # the stranger's eID was not bound either
        assert db.session.execute(select(FederatedIdentity)).first() is None
        routes = [r.route for r in db.session.execute(select(ProofingRecord)).scalars()]
        assert "private_eid" not in routes


def test_a_route_not_enabled_is_not_offered_and_refused(upstream_person):
    p = upstream_person
    app, user = p.app, p.user
    bind_upstream(app, user.id, p.op.url, p.op.sub)
    result = app.test_cli_runner().invoke(
        args=shlex.split("orgs configure 12345678 --disable-route private_eid")
    )
    assert result.exit_code == 0, result.output
    before = snapshot(app, user.id)
    ask(app.test_client(), user.username, kind="means")
    token = latest_token(app, user.id)
    http = app.test_client()
    page = http.get(f"/recovery/{token}").get_data(as_text=True)
    assert 'id="private-eid"' not in page and 'id="no-route"' in page
    assert post(http, f"/recovery/{token}/private-eid").status_code == 400
    assert snapshot(app, user.id) == before


def test_a_code_from_the_old_means_is_not_enough_for_a_new_means(person):
    """Mailbox + password + code, even: a new means needs a re-proofing."""
    app, user = person.app, person.user
    before = snapshot(app, user.id)
    ask(app.test_client(), user.username, kind="means")
    token = latest_token(app, user.id)
    http = app.test_client()
    assert post(http, f"/recovery/{token}/code", code=person.fresh_code()).status_code == 400
    assert step_of(http, token) == "prove"
    assert snapshot(app, user.id) == before

"""The bar of issue 12: someone who holds only the person's mailbox (the recovery mail, no
login means, no private eID of theirs) reaches nothing. Every recovery path is walked with only
the link, every form of the journey is posted in every order, and afterwards the person is
unchanged: no password set, no means bound, no session, no token, no login at Substantial.

The upstream is up and the person's own private eID is bound (the attacker's is not): the
re-proofing route is open, so the refusal comes from the identity check, not from its absence.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from idp.extensions import db
from idp.models import BrowserSession
from tests.support.helpers import make_user
from tests.support.recovery import (
    NEW_PASSWORD,
    ask,
    bind_upstream,
    latest_token,
    post,
    scripted_op,
    snapshot,
    step_of,
    via_upstream,
)

GUESSES = ("000000", "123456", "999999")


@pytest.fixture
def victim(make_app: Any):
    with scripted_op() as op:
        app = make_app(
            private_eid_issuer=op.url,
            private_eid_client_id=op.client_id,
            private_eid_client_secret=op.client_secret,
        )
        user = make_user(app, "victim")
        bind_upstream(app, user.id, op.url, "the-victims-own-eid")
        yield app, user, op


def _every_form(http: Any, token: str) -> list[int]:
    """Post each form of the journey as the attacker could, in an order that skips the proof."""
    statuses = [
        post(
            http, f"/recovery/{token}/password", password=NEW_PASSWORD, password2=NEW_PASSWORD
        ).status_code,
        post(http, f"/recovery/{token}/app").status_code,
        post(http, f"/recovery/{token}/app/confirm", code="123456").status_code,
        post(http, f"/recovery/{token}/code-display", serial="CD-1", code="123456").status_code,
    ]
    statuses += [post(http, f"/recovery/{token}/code", code=g).status_code for g in GUESSES]
    statuses.append(via_upstream(http, token).status_code)  # the attacker's own eID
    statuses += [
        post(
            http, f"/recovery/{token}/password", password=NEW_PASSWORD, password2=NEW_PASSWORD
        ).status_code,
        post(http, f"/recovery/{token}/app").status_code,
    ]
    return statuses


@pytest.mark.parametrize("kind", ["password", "means"])
def test_the_mailbox_alone_changes_nothing(victim, kind):
    app, user, _op = victim
    before = snapshot(app, user.id)
    attacker = app.test_client()
    ask(attacker, user.username, kind=kind)
    token = latest_token(app, user.id)  # the attacker reads the mailbox

    statuses = _every_form(attacker, token)

    assert all(s in (303, 400) for s in statuses), statuses  # refused or back to the journey
    assert step_of(attacker, token) == "prove"
    assert snapshot(app, user.id) == before  # no password, no means, no session, no token
    with app.app_context():
        assert db.session.execute(select(BrowserSession)).first() is None
    assert attacker.get("/account/").status_code == 302  # not logged in at any level
    authorize = attacker.get("/admin/")
    assert authorize.status_code == 302 and "/login/" in authorize.location

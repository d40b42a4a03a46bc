"""A forgotten password (NIST SP 800-63B §6.1.2.3): a mailed single-use link, then a code from
the live login means (or a re-proofing), then the new password; everything else ends."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from idp.extensions import db
from idp.models import AuditEvent, RecoveryLink, User
from idp.models.enums import UserStatus
from idp.models.types import utcnow
from tests.support.helpers import login
from tests.support.recovery import (
    NEW_PASSWORD,
    ask,
    latest_token,
    mails_to,
    post,
    snapshot,
    step_of,
)


def _actions(app, username):
    with app.app_context():
        return [
            e.action
            for e in db.session.execute(
                select(AuditEvent).where(AuditEvent.target == username).order_by(AuditEvent.id)
            ).scalars()
        ]


def _with_password(user: Any, password: str) -> Any:
    return dataclasses.replace(user, password=password)


def test_forgotten_password_with_a_code_sets_it_and_ends_everything(person):
    app, user = person.app, person.user
    before = snapshot(app, user.id)
    assert before.live_sessions == 1 and before.live_tokens >= 1

    answer = ask(app.test_client(), user.username)
    assert answer.status_code == 200 and 'id="sent"' in answer.get_data(as_text=True)
    token = latest_token(app, user.id)

    http = app.test_client()  # another browser: only the link
    assert step_of(http, token) == "prove"
    assert post(http, f"/recovery/{token}/code", code=person.fresh_code()).status_code == 303
    assert step_of(http, token) == "password"
    done = post(http, f"/recovery/{token}/password", password=NEW_PASSWORD, password2=NEW_PASSWORD)
    assert done.status_code == 200 and 'id="done"' in done.get_data(as_text=True)

    after = snapshot(app, user.id)
    assert after.password_hash != before.password_hash
    assert after.live_sessions == 0 and after.live_tokens == 0  # offline access included
    assert after.means == before.means
    assert person.session.get("/account/").status_code == 302  # the old session is gone
    [notice] = mails_to(app, user.id, "recovery_done")
    assert notice.to_address == f"{user.username}@example.dk"
    actions = _actions(app, user.username)
    assert "recovery.proven_by_one_time_code" in actions and "recovery.password_reset" in actions
    assert post(http, f"/recovery/{token}/password").status_code == 410  # used

    person.fresh_code()
    assert "/login/" not in login(app.test_client(), _with_password(user, NEW_PASSWORD)).location
    person.fresh_code()
    assert login(app.test_client(), user).location is None  # the old password no more


def test_the_start_page_says_the_same_whatever_the_account(person):
    app, user = person.app, person.user
    with app.app_context():
        db.session.execute(
            update(User).where(User.username == "anna").values(email="Anna@Example.dk")
        )
        db.session.commit()
    pages = [
        re.sub(r'value="[^"]+"', "", ask(app.test_client(), name).get_data(as_text=True))
        for name in ("nobody-here", "anna", "no.one@example.dk")
    ]  # the same page but for the CSRF tokens
    assert pages[0] == pages[1] == pages[2]
    assert len(mails_to(app, user.id)) == 1
    # by e-mail, any case; asking again at once sends no second mail
    ask(app.test_client(), "anna@example.DK")
    assert len(mails_to(app, user.id)) == 1


def test_an_inactive_account_gets_no_link_and_its_link_stops(person):
    app, user = person.app, person.user
    ask(app.test_client(), user.username)
    token = latest_token(app, user.id)
    with app.app_context():
        db.session.execute(
            update(User).where(User.id == user.id).values(status=UserStatus.SUSPENDED)
        )
        db.session.execute(update(RecoveryLink).values(created_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
    before = snapshot(app, user.id)

    assert ask(app.test_client(), user.username).status_code == 200
    assert len(mails_to(app, user.id)) == 1  # no new mail
    http = app.test_client()
    assert http.get(f"/recovery/{token}").status_code == 404
    assert post(http, f"/recovery/{token}/code", code=user.code()).status_code == 404
    assert snapshot(app, user.id) == before


def test_expired_link_is_refused(person):
    app, user = person.app, person.user
    ask(app.test_client(), user.username)
    token = latest_token(app, user.id)
    with app.app_context():
        db.session.execute(update(RecoveryLink).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    http = app.test_client()
    page = http.get(f"/recovery/{token}")
    assert page.status_code == 410 and 'data-kind="expired"' in page.get_data(as_text=True)
    assert http.post(f"/recovery/{token}/code", data={"code": user.code()}).status_code in (
        400,
        410,
    )


def test_a_newer_link_supersedes_the_older(person):
    app, user = person.app, person.user
    ask(app.test_client(), user.username)
    first = latest_token(app, user.id)
    with app.app_context():  # past the one-mail-a-minute gap
        db.session.execute(update(RecoveryLink).values(created_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    ask(app.test_client(), user.username, kind="means")
    second = latest_token(app, user.id)
    assert first != second
    http = app.test_client()
    page = http.get(f"/recovery/{first}")
    assert page.status_code == 410 and 'data-kind="superseded"' in page.get_data(as_text=True)
    assert http.get(f"/recovery/{second}").status_code == 200


def test_a_wrong_code_changes_nothing_and_counts_towards_the_lock(person):
    app, user = person.app, person.user
    ask(app.test_client(), user.username)
    token = latest_token(app, user.id)
    before = snapshot(app, user.id)
    http = app.test_client()
    wrong = "000000" if user.code() != "000000" else "111111"
    answer = post(http, f"/recovery/{token}/code", code=wrong)
    assert answer.status_code == 400 and 'id="journey-error"' in answer.get_data(as_text=True)
    assert step_of(http, token) == "prove"
    assert post(http, f"/recovery/{token}/password", password=NEW_PASSWORD).status_code == 303
    assert snapshot(app, user.id) == before
    with app.app_context():
        from idp.models import Authenticator

        auth = db.session.execute(
            select(Authenticator).where(Authenticator.user_id == user.id)
        ).scalar_one()
        assert auth.failed_attempts == 1  # the lockout of verification.py counts it


def test_a_code_already_used_to_log_in_is_refused(person):
    """The replay guard: the code the person just logged in with cannot prove possession."""
    app, user = person.app, person.user
    used = user.code()  # the fixture's login consumed this step
    ask(app.test_client(), user.username)
    token = latest_token(app, user.id)
    http = app.test_client()
    assert post(http, f"/recovery/{token}/code", code=used).status_code == 400
    assert step_of(http, token) == "prove"


def test_the_new_password_must_meet_the_rules(person):
    app, user = person.app, person.user
    ask(app.test_client(), user.username)
    token = latest_token(app, user.id)
    http = app.test_client()
    post(http, f"/recovery/{token}/code", code=person.fresh_code())
    before = snapshot(app, user.id)
    short = post(http, f"/recovery/{token}/password", password="short", password2="short")
    assert short.status_code == 400
    assert snapshot(app, user.id) == before
    assert step_of(http, token) == "password"  # the link still works


def test_the_recovery_pages_are_danish_in_danish(person):
    """Every step's page, in Danish, shows no English and no internal key."""
    from tests.support.danish_text import DanishCheck

    app, user = person.app, person.user
    check = DanishCheck(app)
    http = app.test_client()
    http.environ_base["HTTP_ACCEPT_LANGUAGE"] = "da"
    pages = {
        kind: http.get(f"/recovery/?kind={kind}").get_data(as_text=True)
        for kind in ("password", "means")
    }
    pages["sent"] = ask(http, user.username).get_data(as_text=True)
    token = latest_token(app, user.id)
    pages["prove"] = http.get(f"/recovery/{token}").get_data(as_text=True)
    pages["wrong"] = post(http, f"/recovery/{token}/code", code="000000").get_data(as_text=True)
    post(http, f"/recovery/{token}/code", code=person.fresh_code())
    pages["password"] = http.get(f"/recovery/{token}").get_data(as_text=True)
    pages["done"] = post(
        http, f"/recovery/{token}/password", password=NEW_PASSWORD, password2=NEW_PASSWORD
    ).get_data(as_text=True)
    pages["used"] = http.get(f"/recovery/{token}").get_data(as_text=True)
    assert 'lang="da"' in pages["prove"]
    leaks = {name: found for name, page in pages.items() if (found := check.leaks(page))}
    assert leaks == {}
    [mail] = mails_to(app, user.id)
    assert check.leaks(mail.body_html) == [] and "Ny adgangskode" in mail.subject

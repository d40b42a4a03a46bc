"""Consecutive wrong codes lock the login means; success resets; an administrator unlocks."""

from __future__ import annotations

import shlex

import pytest

from idp.extensions import db
from idp.models import AuditEvent
from idp.services import users
from idp.services.means import authenticators
from tests.support.helpers import make_user
from tests.support.one_time_codes import _try, _wrong


@pytest.fixture
def locked_app(make_app):
    return make_app(otp_max_failures=3, otp_lock_seconds=600)


def test_locks_after_max_failures_and_even_a_right_code_is_refused(locked_app):
    person = make_user(locked_app)
    assert [_try(locked_app, person.username, _wrong(person)) for _ in range(3)] == [
        "wrong",
        "wrong",
        "wrong",
    ]
    assert _try(locked_app, person.username, person.code()) == "locked"
    with locked_app.app_context():
        actions = [e.action for e in db.session.query(AuditEvent).all()]
        assert "authenticator.locked" in actions


def test_success_resets_the_counter(locked_app):
    person = make_user(locked_app)
    _try(locked_app, person.username, _wrong(person))
    _try(locked_app, person.username, _wrong(person))
    assert _try(locked_app, person.username, person.code()) == "ok"
    _try(locked_app, person.username, _wrong(person))
    _try(locked_app, person.username, _wrong(person))
    # Two more failures after the reset: still below three.
    assert _try(locked_app, person.username, person.code(offset_steps=1)) == "ok"


def test_administrator_unlocks(locked_app):
    person = make_user(locked_app)
    for _ in range(3):
        _try(locked_app, person.username, _wrong(person))
    result = locked_app.test_cli_runner().invoke(
        args=shlex.split(f"means unlock {person.username}")
    )
    assert result.exit_code == 0, result.output
    assert _try(locked_app, person.username, person.code()) == "ok"
    with locked_app.app_context():
        actions = [e.action for e in db.session.query(AuditEvent).all()]
        assert "authenticator.unlocked" in actions


def test_locked_person_sees_a_plain_message_at_login(locked_app):
    from tests.support.helpers import login

    client = locked_app.test_client()
    person = make_user(locked_app)
    for _ in range(3):
        _try(locked_app, person.username, _wrong(person))
    page = login(client, person).get_data(as_text=True)
    assert "locked after too many wrong codes" in page


def test_lock_period_grows(locked_app):
    from idp.models.types import utcnow

    person = make_user(locked_app)
    for _ in range(3):
        _try(locked_app, person.username, _wrong(person))
    with locked_app.app_context():
        auth = authenticators.active_authenticator(users.find_user(person.username))
        first = (auth.locked_until - utcnow()).total_seconds()
        auth.locked_until = None  # the first lock has run out
        db.session.commit()
    for _ in range(3):
        _try(locked_app, person.username, _wrong(person))
    with locked_app.app_context():
        auth = authenticators.active_authenticator(users.find_user(person.username))
        second = (auth.locked_until - utcnow()).total_seconds()
    assert 590 < first <= 600
    assert 1190 < second <= 1200


def test_max_failures_setting_cannot_exceed_100():
    from idp.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="otp_max_failures: must be between 1 and 100"):
        load_settings({"otp_max_failures": 101})

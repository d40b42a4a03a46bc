"""Bounded drift (RFC 6238 §5.2): an authenticator app gets one step either way of now and no
stored drift; a code display keeps its measured drift, but never beyond ±otp_bind_window_steps
of real time, however many logins try to walk it."""

from __future__ import annotations

from idp.extensions import db
from idp.services import users
from idp.services.means import authenticators, otp
from tests.support.helpers import make_user
from tests.support.one_time_codes import _bind, _code, _import, _verify


def _app_secret(person):
    return otp.from_base32(person.totp_secret)


def _app_code(secret, clock, offset):
    return otp.code_at(secret, otp.time_step(clock.t) + offset)


def _drift(app, username):
    with app.app_context():
        return authenticators.active_authenticator(users.find_user(username)).drift_steps


def test_app_code_of_the_next_step_does_not_move_the_window(app, frozen_clock):
    person = make_user(app)
    secret = _app_secret(person)
    assert _verify(app, person.username, _app_code(secret, frozen_clock, 1))
    assert _drift(app, person.username) == 0
    # Two steps ahead of real now: refused, although it is one step after the last login.
    assert not _verify(app, person.username, _app_code(secret, frozen_clock, 2))


def test_app_logins_cannot_walk_the_window_forward(app, frozen_clock):
    person = make_user(app)
    secret = _app_secret(person)
    assert _verify(app, person.username, _app_code(secret, frozen_clock, 1))
    frozen_clock.step(1)
    assert _verify(app, person.username, _app_code(secret, frozen_clock, 1))
    assert not _verify(app, person.username, _app_code(secret, frozen_clock, 2))
    assert not _verify(app, person.username, _app_code(secret, frozen_clock, 0))  # replayed
    frozen_clock.step(2)
    assert _verify(app, person.username, _app_code(secret, frozen_clock, 0))


def test_code_display_login_cannot_go_beyond_the_bind_window(app, frozen_clock):
    person = make_user(app, totp=False)
    _import(app)
    assert _bind(app, person.username, _code(frozen_clock, 10)) == 10
    frozen_clock.step(1)
    # One step around the drift of 10 would be 11: beyond ±10 of real time, refused.
    assert not _verify(app, person.username, _code(frozen_clock, 11))
    assert _verify(app, person.username, _code(frozen_clock, 10))
    assert _drift(app, person.username) == 10


def test_code_display_below_the_bind_window_is_bounded_too(app, frozen_clock):
    person = make_user(app, totp=False)
    _import(app)
    assert _bind(app, person.username, _code(frozen_clock, -10)) == -10
    frozen_clock.step(2)  # so that real time -11 is a step after the one the binding used
    assert not _verify(app, person.username, _code(frozen_clock, -11))
    assert _verify(app, person.username, _code(frozen_clock, -10))


def test_a_stored_drift_beyond_the_window_is_held_to_it(app, frozen_clock):
    person = make_user(app, totp=False)
    _import(app)
    _bind(app, person.username, _code(frozen_clock, 0))
    with app.app_context():
        auth = authenticators.active_authenticator(users.find_user(person.username))
        auth.drift_steps = 15  # e.g. written before drift was bounded
        db.session.commit()
    frozen_clock.step(1)
    assert not _verify(app, person.username, _code(frozen_clock, 15))
    assert _verify(app, person.username, _code(frozen_clock, 10))
    assert _drift(app, person.username) == 10

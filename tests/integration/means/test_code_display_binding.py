"""Binding a code display by serial + code, drift tracking, replay, and login with it."""

from __future__ import annotations

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from idp.services import users
from idp.services.errors import InvalidInput
from idp.services.means import authenticators
from tests.support.helpers import (
    auth_params,
    login,
    make_client,
    make_user,
    pkce_pair,
    query_of,
    redeem,
)
from tests.support.one_time_codes import _bind, _code, _import, _verify


@pytest.fixture
def person(app):
    user = make_user(app, totp=False)
    _import(app)
    return user


@pytest.mark.parametrize("drift", [-10, -3, 0, 4, 10])
def test_binding_accepts_drift_up_to_ten_steps_and_stores_it(app, frozen_clock, person, drift):
    assert _bind(app, person.username, _code(frozen_clock, drift)) == drift


def test_binding_refuses_more_than_ten_steps(app, frozen_clock, person):
    with pytest.raises(InvalidInput):
        _bind(app, person.username, _code(frozen_clock, 11))


def test_binding_refuses_unknown_serial_with_the_same_words(app, frozen_clock, person):
    with pytest.raises(InvalidInput, match="do not match a code display for you"):
        _bind(app, person.username, _code(frozen_clock), serial="000000")


def test_code_display_of_another_organisation_cannot_be_bound(app, frozen_clock, person):
    outsider = make_user(app, "bo", totp=False, cvr="87654321")
    with pytest.raises(InvalidInput):
        _bind(app, outsider.username, _code(frozen_clock))


def test_later_logins_use_one_step_around_the_measured_drift(app, frozen_clock, person):
    _bind(app, person.username, _code(frozen_clock, 7))
    frozen_clock.step(2)
    assert _verify(app, person.username, _code(frozen_clock, 8))  # drifted one further
    frozen_clock.step(2)
    assert not _verify(app, person.username, _code(frozen_clock, 0))  # no longer near 0
    assert _verify(app, person.username, _code(frozen_clock, 8))  # new drift 8 kept
    with app.app_context():
        auth = authenticators.active_authenticator(users.find_user(person.username))
        assert auth.drift_steps == 8


def test_code_from_two_steps_back_is_refused_after_binding(app, frozen_clock, person):
    _bind(app, person.username, _code(frozen_clock))
    frozen_clock.step(1)
    assert not _verify(app, person.username, _code(frozen_clock, -2))


def test_accepted_code_cannot_be_replayed(app, frozen_clock, person):
    _bind(app, person.username, _code(frozen_clock))
    frozen_clock.step(1)
    code = _code(frozen_clock)
    assert _verify(app, person.username, code)
    assert not _verify(app, person.username, code)
    # An earlier step inside the window is refused too (only later steps are accepted).
    assert not _verify(app, person.username, _code(frozen_clock, -1))


def test_binding_code_cannot_be_reused_to_log_in(app, frozen_clock, person):
    code = _code(frozen_clock)
    _bind(app, person.username, code)
    assert not _verify(app, person.username, code)


def test_code_display_login_through_oidc_says_hwk(app, client, frozen_clock, person):
    """Bar: a code display imported from PSKC is bound and used to log in; amr says so."""
    _bind(app, person.username, _code(frozen_clock))
    frozen_clock.step(1)
    rp = make_client(app)
    verifier, challenge = pkce_pair()
    start = client.get("/authorize", query_string=auth_params(rp, challenge))
    done = login(client, person, start=start.location, code=_code(frozen_clock))
    code = query_of(client.get(done.location).location)["code"]
    id_token = redeem(client, rp, code, verifier).json["id_token"]
    claims = jwt.decode(id_token, KeySet.import_key_set(client.get("/jwks").json)).claims
    assert claims["amr"] == ["pwd", "otp", "hwk"]
    assert claims["https://data.gov.dk/concept/core/nsis/aal"] == "Substantial"

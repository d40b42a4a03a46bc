"""argon2id parameters are settings: new hashes use them, a stored hash made with others is
replaced at the person's next login, and nothing below the OWASP minimum is accepted."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from idp.config import ConfigError, load_settings
from idp.extensions import db
from idp.models import User
from tests.support.helpers import login, make_user

OWASP = {
    "password_hash_memory_kib": 19456,
    "password_hash_time_cost": 2,
    "password_hash_parallelism": 1,
}


def _stored_hash(app, username: str) -> str:
    with app.app_context():
        return db.session.scalars(select(User.password_hash).where(User.username == username)).one()


def test_new_hashes_use_the_configured_parameters(make_app):
    app = make_app(**OWASP)
    user = make_user(app, totp=False)
    assert _stored_hash(app, user.username).startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_hash_with_other_parameters_is_replaced_at_the_next_login(make_app):
    before = make_app()  # the default: m=65536, t=3, p=4
    user = make_user(before, totp=False)
    assert "$m=65536,t=3,p=4$" in _stored_hash(before, user.username)
    after = make_app(**OWASP)
    response = login(after.test_client(), user)
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    assert "$m=19456,t=2,p=1$" in _stored_hash(after, user.username)
    # The new hash still opens with the same password.
    assert login(after.test_client(), user).status_code in (302, 303)


def test_a_wrong_password_replaces_nothing(make_app):
    before = make_app()
    user = make_user(before, totp=False)
    stored = _stored_hash(before, user.username)
    after = make_app(**OWASP)
    wrong = dataclasses.replace(user, password="not-the-password-at-all")
    login(after.test_client(), wrong, code="000000")  # every outcome asks for a code
    assert _stored_hash(after, user.username) == stored


@pytest.mark.parametrize(("memory", "passes"), [(17919, 2), (46 * 1024, 0), (7167, 10)])
def test_parameters_below_the_owasp_minimum_stop_start_up(memory, passes):
    with pytest.raises(ConfigError, match="password_hash"):
        load_settings({"password_hash_memory_kib": memory, "password_hash_time_cost": passes})

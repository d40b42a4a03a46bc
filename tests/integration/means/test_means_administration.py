"""Administrators revoke and replace login means, and rotate the secret encryption key."""

from __future__ import annotations

import json
import shlex

from idp.extensions import db
from idp.models import AuditEvent
from idp.services import users
from idp.services.errors import InvalidInput
from idp.services.means import otp, verification
from idp.services.platform.secret_box import SecretBox
from tests.support.helpers import SEED_FILES, make_user

DATA = SEED_FILES


def _run(app, command):
    return app.test_cli_runner().invoke(args=shlex.split(command))


def _code_ok(app, username, code):
    with app.app_context():
        try:
            verification.verify_login_code(users.find_user(username), code)
            return True
        except InvalidInput:
            return False
        finally:
            db.session.remove()


def test_revoked_means_no_longer_logs_in(app):
    person = make_user(app)
    assert _run(app, f"means revoke {person.username} --json").output.count('"revoked": 1')
    assert not _code_ok(app, person.username, person.code())
    with app.app_context():
        assert "authenticator.revoked" in [e.action for e in db.session.query(AuditEvent)]


def test_replace_revokes_the_app_and_reserves_a_code_display(app, frozen_clock):
    person = make_user(app)
    _run(app, f"tokens import {DATA / 'rfc6030-figure3-totp.pskcxml'} --org 12345678")
    result = _run(app, f"means replace {person.username} --serial 987654321 --json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"serial": "987654321", "status": "assigned"}
    listed = json.loads(_run(app, f"means list {person.username} --json").output)
    assert sorted((m["type"], m["status"]) for m in listed) == [
        ("app", "revoked"),
        ("code_display", "assigned"),
    ]
    code = otp.code_at(b"12345678901234567890", otp.time_step(frozen_clock.t), digits=8)
    bound = _run(app, f"means bind {person.username} --serial 987654321 --code {code}")
    assert bound.exit_code == 0, bound.output
    frozen_clock.step(1)
    next_code = otp.code_at(b"12345678901234567890", otp.time_step(frozen_clock.t), digits=8)
    assert _code_ok(app, person.username, next_code)


def test_revoked_code_display_in_stock_cannot_be_bound(app, frozen_clock):
    person = make_user(app, totp=False)
    _run(app, f"tokens import {DATA / 'rfc6030-figure3-totp.pskcxml'} --org 12345678")
    _run(app, "tokens revoke 987654321 --org 12345678")
    code = otp.code_at(b"12345678901234567890", otp.time_step(frozen_clock.t), digits=8)
    result = _run(app, f"means bind {person.username} --serial 987654321 --code {code}")
    assert result.exit_code != 0


def test_encryption_key_rotation_keeps_secrets_usable(make_app):
    old_key = SecretBox.new_setting()
    new_key = "2:" + SecretBox.new_setting().split(":", 1)[1]
    app_v1 = make_app(secret_encryption_keys=old_key)
    person = make_user(app_v1)
    app_both = make_app(secret_encryption_keys=f"{old_key},{new_key}")
    result = _run(app_both, "means reencrypt --json")
    assert json.loads(result.output) == {"reencrypted": 1}
    app_v2 = make_app(secret_encryption_keys=new_key)  # the old key is gone
    assert _code_ok(app_v2, person.username, person.code())

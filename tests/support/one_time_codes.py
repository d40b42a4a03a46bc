"""One-time codes: the RFC 6030 code display imported, bound and checked, and login codes
tried against the lockout; shared by the login means tests and the hostile tests.

The short names are those of the test modules they began in (test_code_display_binding.py,
test_otp_lockout.py)."""

from __future__ import annotations

from idp.extensions import db
from idp.services import orgs, users
from idp.services.errors import AccountLocked, InvalidInput
from idp.services.means import (
    code_display,
    inventory,
    otp,
    seed_files,
    verification,
)

from .helpers import SEED_FILES

SECRET = b"12345678901234567890"  # in rfc6030-figure3-totp.pskcxml, 8 digits, 30 s


SERIAL = "987654321"


def _import(app):
    with app.app_context():
        org = orgs.get_by_cvr("12345678")
        rows = seed_files.read_seed_file((SEED_FILES / "rfc6030-figure3-totp.pskcxml").read_bytes())
        assert inventory.import_code_displays(
            org, rows, source="fig3", replace=False, dry_run=False, actor="test"
        ).ok
        db.session.remove()


def _code(clock, offset_steps=0):
    return otp.code_at(SECRET, otp.time_step(clock.t) + offset_steps, digits=8)


def _bind(app, username, code, serial=SERIAL):
    with app.app_context():
        user = users.find_user(username)
        try:
            auth = code_display.bind_code_display(user, serial, code, actor="test")
            return auth.drift_steps
        finally:
            db.session.remove()


def _verify(app, username, code):
    with app.app_context():
        user = users.find_user(username)
        try:
            verification.verify_login_code(user, code)
            return True
        except InvalidInput:
            return False
        finally:
            db.session.remove()


def _try(app, username, code):
    with app.app_context():
        try:
            verification.verify_login_code(users.find_user(username), code)
            return "ok"
        except AccountLocked:
            return "locked"
        except InvalidInput:
            return "wrong"
        finally:
            db.session.remove()


def _wrong(person):
    import pyotp

    good = pyotp.TOTP(person.totp_secret).now()
    return "000000" if good != "000000" else "111111"

"""Wrong passwords are throttled per (account, client address) early and lock the account only
after 100 (NIST SP 800-63B §5.2.2), so that knowing a username is not enough to lock its
person out; nobody trying is told which happened; the organisation's administrators are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from idp.extensions import db
from idp.models import AuditEvent, Authenticator, LoginThrottle, OutboxMail, User
from idp.models.types import utcnow
from idp.services import sessions
from tests.support.helpers import GENERIC, csrf_of, login, make_admin, make_user

pytestmark = pytest.mark.usefixtures("cheap_password_hashes")

ATTACKER = "203.0.113.66"
PERSON = "198.51.100.7"


def attempt(app, username, password, code="000000", source=ATTACKER):
    """One walk through the login pages from ``source``; returns (password step, end, client)."""
    http = app.test_client()
    http.environ_base["REMOTE_ADDR"] = source
    token = csrf_of(http.get("/login/").get_data(as_text=True))
    http.post("/login/", data={"csrf_token": token, "username": username})
    step = http.post("/login/password", data={"csrf_token": token, "password": password})
    end = step
    if step.location and step.location.endswith("/login/code"):
        end = http.post("/login/code", data={"csrf_token": token, "code": code})
    return step, end, http


def logged_in(http) -> bool:
    return http.get("/account/").status_code == 200


def wrong_passwords(app, username, count, source=ATTACKER):
    """``count`` wrong passwords through the password rule itself (faster than the pages)."""
    with app.app_context():
        for _ in range(count):
            assert not sessions.check_password(
                username, "wrong guess 123", source=source
            ).password_ok
        db.session.remove()


def mails(app, kind="account_under_attack"):
    with app.app_context():
        return list(
            db.session.execute(select(OutboxMail.to_address).where(OutboxMail.kind == kind))
            .scalars()
            .all()
        )


def actions(app):
    with app.app_context():
        return [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]


def test_an_attacker_address_cannot_lock_the_person_out(app):
    person = make_user(app)
    for _ in range(12):
        _step, end, _http = attempt(app, person.username, "wrong guess 123")
        assert GENERIC in end.get_data(as_text=True)
    _step, end, http = attempt(app, person.username, person.password, person.code(), PERSON)
    assert end.status_code == 303, end.get_data(as_text=True)
    assert logged_in(http)


def test_the_throttled_address_is_refused_even_the_right_password_in_the_same_words(app):
    person = make_user(app)
    wrong_passwords(app, person.username, 10)
    wrong_step, wrong_end, _ = attempt(app, person.username, "wrong guess 123")
    right_step, right_end, http = attempt(app, person.username, person.password, person.code())
    assert not logged_in(http)
    assert right_step.location == wrong_step.location  # both go on to the code step
    assert (right_end.status_code, wrong_end.status_code) == (200, 200)
    assert GENERIC in right_end.get_data(as_text=True)
    assert GENERIC in wrong_end.get_data(as_text=True)


def test_nine_wrong_passwords_do_not_throttle_the_address(app):
    person = make_user(app)
    wrong_passwords(app, person.username, 9)
    _step, _end, http = attempt(app, person.username, person.password, person.code())
    assert logged_in(http)


def test_the_throttle_ends_after_its_block(app):
    person = make_user(app)
    wrong_passwords(app, person.username, 10)
    with app.app_context():
        db.session.execute(
            update(LoginThrottle).values(blocked_until=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    _step, _end, http = attempt(app, person.username, person.password, person.code())
    assert logged_in(http)


def test_a_successful_login_clears_the_count_of_its_address(app):
    person = make_user(app)
    wrong_passwords(app, person.username, 9)
    _step, _end, http = attempt(app, person.username, person.password, person.code())
    assert logged_in(http)
    wrong_passwords(app, person.username, 1)
    _step, _end, http = attempt(app, person.username, person.password, person.code(offset_steps=1))
    assert logged_in(http)


def test_100_consecutive_wrong_passwords_lock_the_account_from_everywhere(app):
    person = make_user(app)
    for n in range(10):
        wrong_passwords(app, person.username, 10, source=f"192.0.2.{n + 1}")
    _step, end, http = attempt(app, person.username, person.password, person.code(), PERSON)
    assert not logged_in(http)
    assert GENERIC in end.get_data(as_text=True)
    assert "user.locked" in actions(app)


def test_99_wrong_passwords_from_many_addresses_do_not_lock_the_account(app):
    person = make_user(app)
    for n in range(9):
        wrong_passwords(app, person.username, 11, source=f"192.0.2.{n + 1}")
    with app.app_context():
        assert db.session.get(User, person.id).failed_logins == 90  # the 11th of each refused
    wrong_passwords(app, person.username, 9, source="192.0.2.99")
    _step, _end, http = attempt(app, person.username, person.password, person.code(), PERSON)
    assert logged_in(http)
    assert "user.locked" not in actions(app)


def test_administrators_get_one_mail_and_an_audit_trail(app):
    boss = make_admin(app, "boss", cvr="12345678")
    person = make_user(app)
    for n in range(3):  # three addresses throttled, one after another
        wrong_passwords(app, person.username, 10, source=f"192.0.2.{n + 1}")
    assert mails(app) == [f"{boss.username}@example.dk"]
    events = actions(app)
    assert events.count("user.address_throttled") == 3
    assert events.count("user.under_attack") == 1
    # Only after password_attack_alert_hours is there another mail.
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.id == person.id)
            .values(attack_alerted_at=utcnow() - timedelta(hours=7))
        )
        db.session.commit()
    wrong_passwords(app, person.username, 10, source="192.0.2.50")
    assert len(mails(app)) == 2


def test_the_mail_names_the_account_in_the_default_language(app):
    make_admin(app, "boss", cvr="12345678")
    person = make_user(app)
    wrong_passwords(app, person.username, 10)
    with app.app_context():
        mail = db.session.execute(select(OutboxMail)).scalar_one()
        assert person.username in mail.subject
        assert "10" in mail.body_text and "/admin/" in mail.body_text
        assert "adgangskode" in mail.body_text  # default_locale da


def test_the_admin_home_page_lists_accounts_under_attack(app):
    boss = make_admin(app, "boss", cvr="12345678")
    person = make_user(app)
    make_user(app, "bo")  # not attacked: not listed
    wrong_passwords(app, person.username, 10)
    http = app.test_client()
    login(http, boss)
    page = http.get("/admin/").get_data(as_text=True)
    assert "Accounts under attack" in page
    listed = page.split('id="under-attack"')[1].split("</section>")[0]
    assert f">{person.username}</a>" in listed and "10 wrong passwords" in listed
    assert ">bo</a>" not in listed


def test_the_admin_home_page_has_no_notice_without_an_attack(app):
    boss = make_admin(app, "boss", cvr="12345678")
    make_user(app)
    wrong_passwords(app, "anna", 3)
    http = app.test_client()
    login(http, boss)
    assert 'id="under-attack"' not in http.get("/admin/").get_data(as_text=True)


def test_wrong_codes_after_a_wrong_password_do_not_lock_the_login_means(make_app):
    app = make_app(otp_max_failures=3)
    person = make_user(app)
    for _ in range(5):
        attempt(app, person.username, "wrong guess 123", code="000000", source=PERSON)
    with app.app_context():
        auth = db.session.execute(select(Authenticator)).scalar_one()
        assert (auth.failed_attempts, auth.locked_until) == (0, None)
    _step, _end, http = attempt(app, person.username, person.password, person.code(), PERSON)
    assert logged_in(http)


def test_counters_of_addresses_whose_window_is_over_are_dropped(app):
    person = make_user(app)
    wrong_passwords(app, person.username, 2, source="192.0.2.1")
    wrong_passwords(app, person.username, 10, source="192.0.2.2")  # throttled: kept
    with app.app_context():
        db.session.execute(
            update(LoginThrottle).values(window_started=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
    wrong_passwords(app, person.username, 1, source="192.0.2.3")
    with app.app_context():
        sources = db.session.execute(select(LoginThrottle.source)).scalars().all()
        assert sorted(sources) == ["192.0.2.2", "192.0.2.3"]

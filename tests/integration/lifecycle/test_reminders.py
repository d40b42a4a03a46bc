"""Reminders 7 days and 1 day before an activation link expires (issue 12): once each, through
the outbox, with a fresh link of the same expiry; none for a used or superseded link, a person
no longer waiting, or an organisation that turned them off; one winner of concurrent passes.

The clock is frozen by handing ``send_due_reminders`` the time it runs at."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from sqlalchemy import func, select

from idp.extensions import db
from idp.models import Activation, AuditEvent, Organisation, OutboxMail, User
from idp.models.types import utcnow
from idp.services.lifecycle import activation, reminders
from idp.services.lifecycle.reminders import send_due_reminders
from tests.support.activation import ISSUER, _link, _path, _run, make_imported
from tests.support.helpers import make_org

NAMES = ("anna", "bo", "cy")


def _activate(app, username="anna", cvr="12345678"):
    make_org(app, cvr)
    make_imported(app, username, cvr=cvr)
    result = _run(app, f"users activate {username} --org {cvr} --login-means app")
    assert result.exit_code == 0, result.output
    with app.app_context():
        return db.session.execute(select(Activation).order_by(Activation.id.desc())).scalar()


def _before_expiry(row, days, hours=1):
    """The frozen time ``days`` days (less ``hours``) before the link expires."""
    return row.expires_at - timedelta(days=days) + timedelta(hours=hours)


def _reminder_mails(app, username="anna"):
    with app.app_context():
        person = db.session.query(User).filter_by(username=username).one()
        return list(
            db.session.execute(
                select(OutboxMail)
                .where(OutboxMail.user_id == person.id, OutboxMail.kind == "activation_reminder")
                .order_by(OutboxMail.id)
            ).scalars()
        )


def _run_at(app, now):
    with app.app_context():
        return send_due_reminders(now)


def test_seven_and_one_day_reminders_go_out_once_each(app, client):
    first = _activate(app)
    old_link = _link(app, "anna")
    assert _run_at(app, first.expires_at - timedelta(days=8)).seven_days == 0
    report = _run_at(app, _before_expiry(first, 7))
    assert (report.seven_days, report.one_day) == (1, 0)
    assert _run_at(app, _before_expiry(first, 7, hours=2)).seven_days == 0  # second run: none
    [mail] = _reminder_mails(app)
    assert "udløber" in mail.body_text and "om 7 dage" in mail.body_text
    # The reminder's link works and keeps the expiry; the old one is superseded.
    new_link = re.search(r"(http\S+/activate/\S+)", mail.body_text).group(1)
    assert new_link.startswith(ISSUER + "/activate/") and new_link != old_link
    assert client.get(_path(new_link)).status_code == 200
    assert client.get(_path(old_link)).status_code == 410
    with app.app_context():
        live = db.session.execute(
            select(Activation).where(Activation.superseded_at.is_(None))
        ).scalar_one()
        assert live.expires_at == first.expires_at and live.reminded_7_at is not None
        events = db.session.scalar(
            select(func.count()).where(AuditEvent.action == "user.activation_reminded")
        )
        assert events == 1

    report = _run_at(app, _before_expiry(first, 1))
    assert (report.seven_days, report.one_day) == (0, 1)
    assert _run_at(app, _before_expiry(first, 1, hours=3)).one_day == 0
    assert _run_at(app, first.expires_at + timedelta(hours=1)) == reminders.ReminderReport(0, 0)
    mails = _reminder_mails(app)
    assert len(mails) == 2 and "i morgen" in mails[1].body_text


def test_cli_command_sends_the_due_reminders(app):
    first = _activate(app)
    with app.app_context():  # the link was mailed 24 days ago: its 7-day reminder is due now
        row = db.session.get(Activation, first.id)
        row.created_at -= timedelta(days=24)
        row.expires_at = utcnow() + timedelta(days=6)
        db.session.commit()
    result = _run(app, "reminders send --json")
    assert result.exit_code == 0, result.output
    assert '"seven_days": 1' in result.output
    assert _run(app, "reminders send").output.strip() == "queued 0 7-day and 0 1-day reminders"


def test_turned_off_organisation_gets_no_reminders(app):
    first = _activate(app)
    with app.app_context():
        org = db.session.query(Organisation).one()
        reminders.set_reminders(org, False, actor="admin")
        assert not reminders.reminders_enabled(org)
    assert _run_at(app, _before_expiry(first, 7)).seven_days == 0
    assert _run_at(app, _before_expiry(first, 1)).one_day == 0
    assert _reminder_mails(app) == []


def test_used_or_superseded_link_or_active_person_gets_no_reminder(app):
    first = _activate(app)
    make_imported(app, "bo")
    assert _run(app, "users activate bo --org 12345678 --login-means app").exit_code == 0
    make_imported(app, "cy")
    assert _run(app, "users activate cy --org 12345678 --login-means app").exit_code == 0
    with app.app_context():
        anna, bo, cy = (db.session.query(User).filter_by(username=n).one() for n in NAMES)
        for row in db.session.query(Activation).filter(Activation.user_id == anna.id):
            row.used_at = utcnow()
        for row in db.session.query(Activation).filter(Activation.user_id == bo.id):
            row.superseded_at = utcnow()
        cy.status = "active"
        db.session.commit()
    report = _run_at(app, _before_expiry(first, 7))
    assert report == reminders.ReminderReport(0, 0)


def test_resent_link_starts_its_reminders_afresh(app):
    first = _activate(app)
    assert _run_at(app, _before_expiry(first, 7)).seven_days == 1
    with app.app_context():
        person = db.session.query(User).filter_by(username="anna").one()
        person.link_sent_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        activation.resend(person, actor="admin")
        live = db.session.execute(
            select(Activation).where(Activation.superseded_at.is_(None))
        ).scalar_one()
        assert live.reminded_7_at is None and live.reminded_1_at is None


def test_link_issued_inside_the_window_gets_no_seven_day_reminder(app):
    first = _activate(app)
    with app.app_context():  # a link mailed 6 days before its expiry (a short lifetime)
        row = db.session.get(Activation, first.id)
        row.expires_at = row.created_at + timedelta(days=6)
        db.session.commit()
    assert _run_at(app, first.created_at + timedelta(hours=1)).seven_days == 0


def test_concurrent_passes_have_one_winner(app):
    first = _activate(app)
    now = _before_expiry(first, 7)
    barrier = threading.Barrier(4)
    totals: list[int] = []

    def run() -> None:
        with app.app_context():
            barrier.wait(timeout=30)
            totals.append(send_due_reminders(now).seven_days)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(totals) == [0, 0, 0, 1]
    assert len(_reminder_mails(app)) == 1


def test_admin_turns_reminders_off_and_on_in_the_settings(app):
    from tests.support.admin import ORG, admin, browser, text, token

    http = browser(app, admin(app, "oa", "org_admin"))
    page = text(http.get("/admin/settings"))
    assert 'id="activation_reminders" name="activation_reminders" checked' in page  # default on
    form = {"minimum_ial": "Low", "route_in_person": "on", "cap_in_person": "Substantial"}
    response = http.post("/admin/settings", data={"csrf_token": token(http), **form})
    assert response.status_code == 303
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=ORG).one()
        assert not reminders.reminders_enabled(org)
        assert org.settings["minimum_ial"] == "Low"
    after = text(http.get("/admin/settings")).split('id="activation_reminders"')[1]
    assert "checked" not in after[:40]
    # Saving the proofing settings again keeps the switch (configure_organisation keeps it).
    form["activation_reminders"] = "on"
    assert http.post("/admin/settings", data={"csrf_token": token(http), **form}).status_code == 303
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=ORG).one()
        assert reminders.reminders_enabled(org) and org.settings["minimum_ial"] == "Low"
        actions = [a for (a,) in db.session.query(AuditEvent.action).order_by(AuditEvent.id)]
        assert actions.count("org.reminders_off") == 1 and actions.count("org.reminders_on") == 1


def test_dashboard_lists_links_that_expire_soon(app):
    from tests.support.admin import admin, browser, text

    http = browser(app, admin(app, "ua", "user_admin"))
    first = _activate(app)
    with app.app_context():  # the link runs out in 6 days (the server's clock is not moved)
        db.session.get(Activation, first.id).expires_at = utcnow() + timedelta(days=6)
        db.session.commit()
    html = text(http.get("/admin/", headers={"Accept-Language": "da"}))
    section = html.split('id="expiring"')[1].split("</section>")[0]
    assert "Aktiveringslinks der udløber snart" in section and "Send nyt link" in section
    assert section.count('href="/admin/') == 2  # the person page and the whole list

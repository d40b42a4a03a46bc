"""Ten administrators (or one double-clicking across two nodes) activating or resending to one
person at once: exactly one wins, one mail, one audit event, one live link (issue 9 §5).

Each racer has an app context of its own, so its own session and database connection: the
rule under test is the guarded UPDATE in the database, not anything held in Python."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select, update

from idp.extensions import db
from idp.models import Activation, AuditEvent, Organisation, OutboxMail, User
from idp.models.types import utcnow
from idp.services.errors import ServiceError
from idp.services.lifecycle import activation
from tests.support.helpers import make_user

RACERS = 10


def _race(app, act) -> list[str]:
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def racer() -> None:
        with app.app_context():
            person = db.session.execute(select(User).where(User.username == "racer")).scalar_one()
            barrier.wait(timeout=30)
            try:
                act(person)
                outcome = "won"
            except ServiceError:
                db.session.rollback()
                outcome = "refused"
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=racer) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == RACERS, outcomes
    return outcomes


def _counts(app, action: str) -> tuple[int, int, int]:
    with app.app_context():
        person = db.session.execute(select(User).where(User.username == "racer")).scalar_one()
        mails = db.session.scalar(
            select(func.count()).select_from(OutboxMail).where(OutboxMail.user_id == person.id)
        )
        events = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.target == "racer")
        )
        live = db.session.scalar(
            select(func.count())
            .select_from(Activation)
            .where(
                Activation.user_id == person.id,
                Activation.used_at.is_(None),
                Activation.superseded_at.is_(None),
            )
        )
        return mails, events, live


def _imported(app) -> None:
    make_user(app, "racer", totp=False, ial=None)
    with app.app_context():
        db.session.execute(update(User).where(User.username == "racer").values(status="imported"))
        db.session.commit()


def test_parallel_activations_of_one_person_have_one_winner(app):
    _imported(app)

    def activate(person: User) -> None:
        org = db.session.get(Organisation, person.org_id)
        [result] = activation.activate_users(
            org, [person], login_means="app", privileges=[], actor="admin"
        )
        if not result.ok:
            raise result.error or ServiceError(result.message)

    outcomes = _race(app, activate)
    assert sorted(outcomes) == ["refused"] * (RACERS - 1) + ["won"]
    assert _counts(app, "user.activation_started") == (1, 1, 1)


def test_parallel_resends_after_the_window_have_one_winner(app):
    _imported(app)
    with app.app_context():
        person = db.session.execute(select(User).where(User.username == "racer")).scalar_one()
        org = db.session.get(Organisation, person.org_id)
        [result] = activation.activate_users(
            org, [person], login_means="app", privileges=[], actor="admin"
        )
        assert result.ok
        # Just after the throttle's window: every racer sees a resend as allowed.
        past = utcnow() - timedelta(seconds=app.extensions["idp.settings"].resend_min_seconds + 1)
        db.session.execute(update(User).where(User.id == person.id).values(link_sent_at=past))
        db.session.execute(
            update(Activation).where(Activation.user_id == person.id).values(created_at=past)
        )
        db.session.commit()

    outcomes = _race(app, lambda person: activation.resend(person, actor="admin"))
    assert sorted(outcomes) == ["refused"] * (RACERS - 1) + ["won"]
    mails, events, live = _counts(app, "user.activation_resent")
    assert (mails, events, live) == (2, 1, 1)  # the activation mail and one resend


def test_concurrent_audit_events_keep_one_unbroken_chain(app):
    from idp.services import audit

    barrier = threading.Barrier(RACERS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                audit.record(f"test.event{n}", actor="racer", target=str(n))
                db.session.commit()
            except BaseException as error:  # reported below
                errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(AuditEvent))
        assert count == RACERS
        assert audit.verify_chain() is None

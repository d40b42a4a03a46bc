"""The user administrator starts either recovery for a person from the person page: the same
mailed link, audited; the person still proves it is them."""

from __future__ import annotations

from sqlalchemy import select

from idp.extensions import db
from idp.models import AuditEvent
from tests.integration.recovery.conftest import clocked
from tests.support.helpers import csrf_of, login, make_admin
from tests.support.recovery import latest_token, mails_to, snapshot, step_of


def _admin(person, username="boss", role="user_admin"):
    """An administrator logged in at the person fixture's frozen clock."""
    boss = clocked(make_admin(person.app, username, role=role), person.user.clock)
    http = person.app.test_client()
    login(http, boss)
    return http


def test_the_administrator_sends_either_link_audited(person):
    app, user = person.app, person.user
    http = _admin(person)
    page = http.get(f"/admin/people/{user.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="recovery-password"' in html and 'id="recovery-means"' in html
    before = snapshot(app, user.id)
    for kind in ("password", "means"):
        sent = http.post(
            f"/admin/people/{user.id}/recovery/{kind}", data={"csrf_token": csrf_of(html)}
        )
        assert sent.status_code == 303 and f"done=recovery_{kind}" in sent.location
    assert len(mails_to(app, user.id)) == 2
    assert snapshot(app, user.id) == before  # a link only: nothing else changes
    assert step_of(app.test_client(), latest_token(app, user.id)) == "prove"
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "recovery.link_sent")
        ).scalars()
        assert [(e.actor, e.target, e.details["kind"]) for e in events] == [
            ("boss", "anna", "password"),
            ("boss", "anna", "means"),
        ]
    assert "Recovery link sent" in http.get(f"/admin/people/{user.id}").get_data(as_text=True)
    audit = http.get("/admin/audit").get_data(as_text=True)
    assert "boss sent a recovery link to anna" in audit
    assert "Kind: Lost phone or code display" in audit


def test_only_a_user_administrator_of_the_organisation_may(person):
    app, user = person.app, person.user
    http = _admin(person, "reg", "registrar")
    csrf = csrf_of(http.get("/account/").get_data(as_text=True))
    answer = http.post(f"/admin/people/{user.id}/recovery/password", data={"csrf_token": csrf})
    assert answer.status_code == 403
    assert mails_to(app, user.id) == []

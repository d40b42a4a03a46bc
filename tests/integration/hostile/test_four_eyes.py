"""Four eyes (issue 9, finding 8): an administrator's change to their own rights waits for a
second user administrator of the same organisation; other people's rights change at once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from idp.extensions import db
from idp.models import AuditEvent, PendingChange, User
from tests.support.admin import OTHER, admin, browser, text, token
from tests.support.catalogue import add_rights
from tests.support.helpers import TestUser, make_user

RIGHT = "urn:dk:kommune:loen"


@pytest.fixture(autouse=True)
def _catalogue(app: Flask) -> None:
    """The right the administrators grant is in the organisation's catalogue."""
    add_rights(app, RIGHT)


def _privileges(app: Flask, person: TestUser) -> list[str]:
    with app.app_context():
        return list(db.session.get(User, person.id).privileges or [])


def _pending(app: Flask) -> list[PendingChange]:
    with app.app_context():
        rows = db.session.query(PendingChange).order_by(PendingChange.id).all()
        db.session.expunge_all()
        return rows


def _grant(http: Any, person: TestUser, right: str = RIGHT) -> Any:
    return http.post(
        f"/admin/people/{person.id}/privileges", data={"csrf_token": token(http), "add": right}
    )


def _decide(http: Any, person: TestUser, change_id: int, decision: str) -> Any:
    return http.post(
        f"/admin/people/{person.id}/changes/{change_id}/{decision}",
        data={"csrf_token": token(http)},
    )


def _two_admins(app: Flask) -> tuple[TestUser, Any, TestUser, Any]:
    ulla = admin(app, "ulla", "user_admin")
    viggo = admin(app, "viggo", "user_admin")
    return ulla, browser(app, ulla), viggo, browser(app, viggo)


def test_granting_yourself_a_right_is_pending_not_applied(app):
    ulla, ulla_http, _, _ = _two_admins(app)
    response = _grant(ulla_http, ulla)
    assert response.status_code == 303 and response.location.endswith("done=proposed")
    assert _privileges(app, ulla) == []
    [change] = _pending(app)
    assert (change.status, change.target_id, change.proposed_by) == ("pending", ulla.id, ulla.id)
    assert change.proposed == {"add": [RIGHT], "remove": []}
    # The proposer sees it waiting, without buttons to decide it.
    page = text(ulla_http.get(f"/admin/people/{ulla.id}"))
    assert f'id="change-{change.id}"' in page and "/approve" not in page


def test_a_second_administrator_approves_and_the_change_is_applied_and_audited(app):
    ulla, ulla_http, viggo, viggo_http = _two_admins(app)
    _grant(ulla_http, ulla)
    [change] = _pending(app)
    page = text(viggo_http.get(f"/admin/people/{ulla.id}"))
    assert f"/changes/{change.id}/approve" in page
    response = _decide(viggo_http, ulla, change.id, "approve")
    assert response.status_code == 303 and response.location.endswith("done=approved")
    assert _privileges(app, ulla) == [RIGHT]
    [decided] = _pending(app)
    assert (decided.status, decided.decided_by) == ("approved", viggo.id)
    with app.app_context():
        approved = db.session.query(AuditEvent).filter_by(action="change.approved").one()
        assert approved.actor == "viggo" and approved.details["proposed_by"] == "ulla"
        applied = db.session.query(AuditEvent).filter_by(action="user.privileges_changed").one()
        assert "viggo" in applied.actor and "ulla" in applied.actor
    # A decided change cannot be decided again.
    assert _decide(viggo_http, ulla, change.id, "approve").status_code == 404


def test_a_rejected_change_is_not_applied(app):
    ulla, ulla_http, _, viggo_http = _two_admins(app)
    _grant(ulla_http, ulla)
    [change] = _pending(app)
    assert _decide(viggo_http, ulla, change.id, "reject").location.endswith("done=rejected")
    assert _privileges(app, ulla) == [] and _pending(app)[0].status == "rejected"


def test_the_proposer_cannot_approve_their_own_change(app):
    ulla, ulla_http, _, _ = _two_admins(app)
    _grant(ulla_http, ulla)
    [change] = _pending(app)
    response = _decide(ulla_http, ulla, change.id, "approve")
    assert response.status_code == 409
    assert "second administrator" in text(response)
    assert _privileges(app, ulla) == [] and _pending(app)[0].status == "pending"


def test_a_single_administrator_is_told_to_find_a_second_or_ask_the_operator(app):
    solo = admin(app, "solo", "user_admin")
    http = browser(app, solo)
    response = _grant(http, solo)
    assert response.status_code == 409
    message = text(response)
    assert "second user administrator" in message and "idp users privileges" in message
    assert _privileges(app, solo) == [] and _pending(app) == []


def test_another_organisations_administrator_can_neither_see_nor_decide(app):
    ulla, ulla_http, _, _ = _two_admins(app)
    _grant(ulla_http, ulla)
    [change] = _pending(app)
    stranger = browser(app, admin(app, "stranger", "user_admin", cvr=OTHER))
    assert stranger.get(f"/admin/people/{ulla.id}").status_code == 404
    assert _decide(stranger, ulla, change.id, "approve").status_code == 404
    assert _privileges(app, ulla) == [] and _pending(app)[0].status == "pending"


def test_a_change_id_of_another_person_is_not_found(app):
    ulla, ulla_http, _, viggo_http = _two_admins(app)
    _grant(ulla_http, ulla)
    [change] = _pending(app)
    worker = make_user(app, "worker")
    assert _decide(viggo_http, worker, change.id, "approve").status_code == 404


def test_other_peoples_rights_still_change_in_one_step(app):
    _, ulla_http, viggo, _ = _two_admins(app)
    response = _grant(ulla_http, viggo)
    assert response.status_code == 303 and response.location.endswith("done=privileges")
    assert _privileges(app, viggo) == [RIGHT] and _pending(app) == []


def test_the_danish_page_explains_the_pending_change(app):
    ulla, ulla_http, _, _ = _two_admins(app)
    done = _grant(ulla_http, ulla)
    page = text(ulla_http.get(done.location, headers={"Accept-Language": "da"}))
    assert re.search(r'id="done">[^<]+<', page)
    assert "A change to your own rights" not in page  # translated

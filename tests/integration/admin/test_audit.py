"""The audit page: the events of these admin actions, newest first, filtered and paginated."""

from __future__ import annotations

import io

from idp.extensions import db
from idp.models import Organisation
from idp.services import audit
from tests.support.admin import (
    ORG,
    PSKC,
    admin,
    browser,
    events,
    import_seed_file,
    register_service,
    text,
    token,
)


def test_audit_lists_the_events_of_these_actions_newest_first_and_filters(app):
    http = browser(app, admin(app, "boss", "org_admin", "user_admin"))
    register_service(http)
    http.post(
        "/admin/login-means/upload",
        data={"csrf_token": token(http), "seed_file": (io.BytesIO(PSKC.read_bytes()), PSKC.name)},
        content_type="multipart/form-data",
    )
    import_seed_file(http)
    http.post(
        "/admin/settings",
        data={
            "csrf_token": token(http),
            "minimum_ial": "Substantial",
            "activation_reminders": "on",
        },
    )

    html = text(http.get("/admin/audit"))
    for action in ("client.created", "code_displays.imported", "org.configured"):
        assert f'data-action="{action}"' in html
    rows = [
        html.index(f'data-action="{action}"')
        for action in ("org.configured", "code_displays.imported", "client.created")
    ]
    assert rows == sorted(rows)  # newest first

    only = events(http.get("/admin/audit?action=client.created"))
    assert only and {action for action, _, _ in only} == {"client.created"}
    by_actor = events(http.get("/admin/audit?actor=test"))
    assert by_actor and {actor for _, actor, _ in by_actor} == {"test"}
    assert "user.created" in {action for action, _, _ in by_actor}
    by_target = events(http.get(f"/admin/audit?target={ORG}"))
    assert [a for a, _, t in by_target] == ["org.configured", "org.created"]


def test_audit_is_paginated(app):
    http = browser(app, admin(app, "reg", "registrar"))
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=ORG).one()
        for n in range(60):
            audit.record("test.event", actor="test", org_id=org.id, target=f"t{n:02}")
        db.session.commit()
    first = text(http.get("/admin/audit?action=test.event"))
    assert "<td>t59</td>" in first and "<td>t10</td>" in first and "<td>t09</td>" not in first
    assert "60 event(s); page 1 of 2." in first
    assert 'rel="next" href="/admin/audit?page=2&amp;action=test.event"' in first
    second = text(http.get("/admin/audit?action=test.event&page=2"))
    assert "<td>t09</td>" in second and "<td>t10</td>" not in second

"""The organisation's catalogue of rights (issue 12): the organisation administrator adds,
changes and removes rights (audited; a right people hold is not removed), typed URNs are
checked against it, and one organisation never sees or uses another's."""

from __future__ import annotations

import shlex
from typing import Any

from sqlalchemy import select

from idp.extensions import db
from idp.models import AuditEvent, Client, Privilege, User
from idp.services import orgs
from tests.support.admin import OTHER, admin, browser, token
from tests.support.catalogue import add_rights
from tests.support.helpers import make_org

URN = "urn:dk:kommune:sag:skriv"


def form(http: Any, path: str, data: dict[str, Any] | None = None) -> Any:
    return http.post(path, data={"csrf_token": token(http), **(data or {})})


def rights(app, cvr: str = "12345678") -> list[tuple[str, str, str, list[str]]]:
    with app.app_context():
        org = orgs.get_by_cvr(cvr)
        rows = db.session.execute(
            select(Privilege).where(Privilege.org_id == org.id).order_by(Privilege.urn)
        ).scalars()
        return [(r.urn, r.label_da, r.label_en, r.client_ids) for r in rows]


def right_id(app, urn: str, cvr: str = "12345678") -> int:
    with app.app_context():
        org = orgs.get_by_cvr(cvr)
        return db.session.execute(
            select(Privilege.id).where(Privilege.org_id == org.id, Privilege.urn == urn)
        ).scalar_one()


def service(app, client_id: str, cvr: str = "12345678") -> None:
    make_org(app, cvr)
    with app.app_context():
        org = orgs.get_by_cvr(cvr)
        db.session.add(
            Client(
                client_id=client_id,
                name=f"Service {client_id}",
                org_id=org.id,
                token_endpoint_auth_method="none",
            )
        )
        db.session.commit()


def audited(app) -> list[tuple[str, str]]:
    with app.app_context():
        query = select(AuditEvent.action, AuditEvent.target).where(
            AuditEvent.action.like("privilege.%")
        )
        return [tuple(row) for row in db.session.execute(query.order_by(AuditEvent.id)).all()]


def test_the_organisation_administrator_adds_changes_and_removes_rights(app):
    olga = admin(app, "olga", "org_admin")
    service(app, "intranet")
    http = browser(app, olga)
    page = http.get("/admin/privileges")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "The catalogue is empty" in html
    assert 'href="/admin/privileges"' in http.get("/admin/").get_data(as_text=True)  # a tab

    added = form(
        http,
        "/admin/privileges",
        {
            "urn": URN,
            "label_da": "Læse sager",
            "label_en": "Read cases",
            "client_ids": ["intranet"],
        },
    )
    assert added.status_code == 303 and added.location.endswith("done=added")
    assert rights(app) == [(URN, "Læse sager", "Read cases", ["intranet"])]
    html = http.get(added.location).get_data(as_text=True)
    assert "Read cases" in html and "Service intranet" in html and "0 people" in html

    rid = right_id(app, URN)
    changed = form(
        http, f"/admin/privileges/{rid}", {"label_da": "Se sager", "label_en": "See cases"}
    )
    assert changed.status_code == 303
    assert rights(app) == [(URN, "Se sager", "See cases", [])]

    removed = form(http, f"/admin/privileges/{rid}/remove")
    assert removed.status_code == 303 and rights(app) == []
    assert audited(app) == [
        ("privilege.added", URN),
        ("privilege.changed", URN),
        ("privilege.removed", URN),
    ]
    html = http.get("/admin/audit").get_data(as_text=True)
    assert "olga added the right urn:dk:kommune:sag:skriv to the catalogue" in html


def test_bad_entries_are_refused_with_a_message(app):
    olga = admin(app, "olga", "org_admin")
    add_rights(app, URN)
    service(app, "theirs", cvr=OTHER)
    http = browser(app, olga)
    good = {"urn": "urn:dk:a:b", "label_da": "A", "label_en": "A"}
    for change, message in (
        ({"urn": "not a urn"}, "Not a privilege URN"),
        ({"urn": URN}, "is already in the catalogue"),
        ({"label_en": " "}, "Give the right a Danish and an English label"),
        ({"client_ids": ["theirs"]}, "Choose among the organisation"),  # another's service
    ):
        refused = form(http, "/admin/privileges", {**good, **change})
        assert refused.status_code in (400, 409), change
        assert message in refused.get_data(as_text=True)
    assert [r[0] for r in rights(app)] == [URN]


def test_a_right_people_hold_is_not_removed(app):
    olga = admin(app, "olga", "org_admin")
    add_rights(app, URN)
    with app.app_context():
        worker = db.session.execute(select(User).where(User.username == "olga")).scalar_one()
        worker.privileges = [URN]
        db.session.commit()
    http = browser(app, olga)
    assert "1 person holds this right" in http.get("/admin/privileges").get_data(as_text=True)
    refused = form(http, f"/admin/privileges/{right_id(app, URN)}/remove")
    assert refused.status_code == 409
    assert "is still held (people: 1)" in refused.get_data(as_text=True)
    assert [r[0] for r in rights(app)] == [URN]


def test_only_the_organisation_administrator_keeps_the_catalogue(app):
    ulla = admin(app, "ulla", "user_admin")
    http = browser(app, ulla)
    assert http.get("/admin/privileges").status_code == 403
    assert (
        form(http, "/admin/privileges", {"urn": URN, "label_da": "A", "label_en": "A"}).status_code
        == 403
    )
    assert rights(app) == []


def test_another_organisations_catalogue_is_neither_seen_nor_used(app):
    add_rights(app, URN)  # organisation A's right
    mine = right_id(app, URN)
    make_org(app, OTHER)
    boris = admin(app, "boris", "org_admin", "user_admin", cvr=OTHER)
    http = browser(app, boris)
    assert URN not in http.get("/admin/privileges").get_data(as_text=True)
    for path in (f"/admin/privileges/{mine}", f"/admin/privileges/{mine}/remove"):
        assert form(http, path, {"label_da": "X", "label_en": "X"}).status_code == 404
    assert rights(app) == [(URN, "Ret skriv", "Right skriv", [])]
    # Nor can B give its people A's right, in the browser or by hand.
    with app.app_context():
        person = db.session.execute(select(User).where(User.username == "boris")).scalar_one()
        person_id = person.id
    refused = form(http, f"/admin/people/{person_id}/privileges", {"add": URN})
    assert refused.status_code == 400 and "Not in the catalogue of rights" in refused.get_data(
        as_text=True
    )
    assert f'value="{URN}"' not in http.get(f"/admin/people/{person_id}").get_data(as_text=True)


def test_a_typed_urn_on_the_command_line_is_checked_against_the_catalogue(app):
    from tests.support.activation import make_imported

    make_org(app)
    make_imported(app, "anna")
    add_rights(app, URN, cvr=OTHER)  # known elsewhere only
    runner = app.test_cli_runner()
    command = f"users activate anna --org 12345678 --login-means app --privilege {URN}"
    result = runner.invoke(args=shlex.split(command))
    assert result.exit_code == 1
    assert f"Not in the catalogue of rights: {URN}" in result.output
    with app.app_context():
        assert (
            db.session.execute(select(User.status).where(User.username == "anna")).scalar_one()
            == "imported"
        )
    added = runner.invoke(
        args=["privileges", "add", URN, "--org", "12345678", "--da", "Skrive", "--en", "Write"]
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(args=["privileges", "list", "--org", "12345678"])
    assert f"{URN}  Skrive / Write" in listed.output
    assert runner.invoke(args=shlex.split(command)).exit_code == 0

"""CSV export of the people lists (issue 12): the listing's filters, formula cells neutralised,
columns in the admin's language, no CPR, only the admin's own organisation, audited."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from idp.extensions import db
from idp.models import AuditEvent, User
from tests.support.activation import _run, make_imported
from tests.support.admin import OTHER, admin, browser
from tests.support.helpers import make_user

DANISH = {"Accept-Language": "da"}


def _rows(response) -> list[list[str]]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))


def _rename(app, username: str, name: str) -> None:
    with app.app_context():
        person = db.session.execute(select(User).where(User.username == username)).scalar_one()
        person.name = name
        db.session.commit()


def test_users_export_keeps_the_filters_and_neutralises_formulas(app):
    http = browser(app, admin(app, "ua", "user_admin"))
    make_user(app, "evil", totp=False)
    _rename(app, "evil", '=HYPERLINK("http://x","klik")')
    make_user(app, "plain", totp=False)
    _rename(app, "plain", "Ærlig Østergård")
    make_imported(app, "imp")
    listing = http.get("/admin/users?q=evil")
    assert 'href="/admin/users.csv?q=evil' in listing.get_data(as_text=True)
    response = http.get("/admin/users.csv?q=evil", headers=DANISH)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'attachment; filename="users-' in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    header, *rows = _rows(response)
    assert header == [
        "Brugernavn",
        "Navn",
        "E-mail",
        "RID",
        "Status",
        "Identitetssikringsniveau",
        "Oprettet",
    ]
    english = _rows(http.get("/admin/users.csv?q=evil", headers={"Accept-Language": "en"}))[0]
    assert english[0] == "Username"
    assert [r[0] for r in rows] == ["evil"]
    assert rows[0][1] == '\'=HYPERLINK("http://x","klik")'  # shown as text, never run
    assert rows[0][4] == "Aktiv"
    everyone = [r[0] for r in _rows(http.get("/admin/users.csv"))[1:]]
    assert "plain" in everyone and "evil" in everyone and "imp" not in everyone  # as the list
    assert "Ærlig Østergård" in http.get("/admin/users.csv?q=plain").get_data(as_text=True)
    with app.app_context():
        event = (
            db.session.execute(
                select(AuditEvent)
                .where(AuditEvent.action == "people.exported")
                .order_by(AuditEvent.id)
            )
            .scalars()
            .first()
        )
        assert event.actor == "ua" and event.details["people"] == 1


def test_export_never_holds_a_cpr(app, tmp_path):
    http = browser(app, admin(app, "ua", "user_admin"))
    data = tmp_path / "people.csv"
    data.write_text(
        "rid,name,email,cpr,username\n1001,Anna Cpr,anna.cpr@example.dk,010203-1234,annacpr\n",
        encoding="utf-8",
    )
    assert _run(app, f"users import {data} --org 12345678").exit_code == 0
    body = http.get("/admin/imported.csv").get_data(as_text=True)
    assert "annacpr" in body and "Anna Cpr" in body
    assert "0102031234" not in body and "010203-1234" not in body and "CPR" not in body


def test_imported_export_keeps_its_search(app):
    http = browser(app, admin(app, "ua", "user_admin"))
    make_imported(app, "ida")
    make_imported(app, "ole")
    html = http.get("/admin/imported?q=ida").get_data(as_text=True)
    assert 'href="/admin/imported.csv?q=ida' in html
    rows = _rows(http.get("/admin/imported.csv?q=ida", headers=DANISH))
    assert [r[0] for r in rows[1:]] == ["ida"]
    assert rows[1][4] == "Importeret"


def test_admin_of_one_organisation_never_gets_another_organisations_people(app):
    http = browser(app, admin(app, "ua", "user_admin"))
    make_user(app, "mine", totp=False)
    make_user(app, "theirs", totp=False, cvr=OTHER)
    make_imported(app, "their_imp", cvr=OTHER)
    users = [r[0] for r in _rows(http.get("/admin/users.csv"))[1:]]
    assert "mine" in users and "theirs" not in users
    imported = [r[0] for r in _rows(http.get("/admin/imported.csv"))[1:]]
    assert "their_imp" not in imported


def test_export_refuses_a_bad_filter_and_a_person_without_the_role(app):
    http = browser(app, admin(app, "ua", "user_admin"))
    assert http.get("/admin/users.csv?status=nonsense").status_code == 400
    assert http.get("/admin/users.csv?state=nonsense").status_code == 400
    registrar = browser(app, admin(app, "reg", "registrar"))
    assert registrar.get("/admin/imported.csv").status_code == 403

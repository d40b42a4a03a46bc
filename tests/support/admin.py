"""Helpers for the admin page tests (tests/integration/admin/) and the hostile tests that
walk the admin pages: administrators with roles, their logged-in test clients, and the
organisation's data the pages show."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Flask
from sqlalchemy import select

from idp.extensions import db
from idp.models import Organisation, User
from idp.services import clients as client_service
from idp.services import orgs
from idp.services.lifecycle.imports import import_users

from .helpers import SEED_FILES, TestUser, csrf_of, login, make_org, make_user

PSKC = SEED_FILES / "rfc6030-figure3-totp.pskcxml"
ORG = "12345678"
OTHER = "87654321"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def grant(app: Flask, username: str, *roles: str, cvr: str = ORG) -> None:
    runner = app.test_cli_runner()
    for role in roles:
        result = runner.invoke(args=["admins", "grant", username, role, "--org", cvr])
        assert result.exit_code == 0, result.output


def admin(app: Flask, username: str, *roles: str, cvr: str = ORG, totp: bool = True) -> TestUser:
    user = make_user(app, username, cvr=cvr, totp=totp)
    grant(app, username, *roles, cvr=cvr)
    return user


def browser(app: Flask, user: TestUser | None = None) -> Any:
    http = app.test_client()
    if user is not None:
        login(http, user)
    return http


def token(http: Any) -> str:
    """The session's CSRF token, from a page every visitor may see."""
    return csrf_of(http.get("/login/").get_data(as_text=True))


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no hidden {name} in page"
    return match.group(1)


def events(response: Any) -> list[tuple[str, str, str]]:
    """(action, actor, target) of each row of the audit page, top to bottom (the action's key is
    the data-action of the cell that says it in words)."""
    row = r'<tr><td>[^<]*</td><td data-action="([^"]*)">[^<]*</td><td>([^<]*)</td><td>([^<]*)</td>'
    return re.findall(row, text(response))


def shown(moment: datetime) -> str:
    """A moment as an English page shows it (idp/web/labels.py ``when``, Copenhagen time)."""
    return format_datetime(moment, "d MMMM y, HH:mm", tzinfo=COPENHAGEN, locale="en")


def pending_person(app: Flask, username: str = "pia", cvr: str = ORG) -> int:
    person = make_user(app, username, cvr=cvr, totp=False, ial=None)
    with app.app_context():
        row = db.session.get(User, person.id)
        assert row is not None
        row.status = "pending_activation"
        db.session.commit()
    return person.id


def org_client(app: Flask, cvr: str = ORG, name: str = "Intranet") -> str:
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=cvr).one()
        client, _ = client_service.create_client(
            name=name,
            redirect_uris=["https://intranet.example.dk/cb"],
            org_id=org.id,
            actor="test",
        )
        return client.client_id


def future(days: int = 365) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def register_service(http: Any, **extra: Any) -> Any:
    """Post the new-service form of the services page (``extra`` overrides its fields)."""
    data = {
        "csrf_token": token(http),
        "name": "Payroll",
        "redirect_uris": "https://payroll.example.dk/cb\r\nhttps://payroll.example.dk/cb2",
        "post_logout_redirect_uris": "https://payroll.example.dk/bye",
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "first_party": "on",
    }
    data.update(extra)
    return http.post("/admin/services", data=data)


def import_seed_file(http: Any) -> Any:
    """Upload the RFC 6030 example seed file at the admin's inventory, then confirm its import
    (the two steps an administrator takes); returns the confirming response."""
    report = text(
        http.post(
            "/admin/login-means/upload",
            data={
                "csrf_token": token(http),
                "seed_file": (io.BytesIO(PSKC.read_bytes()), PSKC.name),
            },
            content_type="multipart/form-data",
        )
    )
    return http.post(
        "/admin/login-means/import",
        data={"csrf_token": token(http), "upload": hidden(report, "upload")},
    )


def import_people(app: Flask, rows: list[str], cvr: str = ORG) -> dict[str, int]:
    """Imported people from CSV rows ``rid,name,email[,cpr]``; returns username -> id."""
    make_org(app, cvr)
    data = ("rid,name,email,cpr\n" + "\n".join(rows) + "\n").encode()
    with app.app_context():
        org = orgs.get_by_cvr(cvr)
        report = import_users(
            org, data, source="test", dry_run=False, skip_invalid=False, actor="test"
        )
        assert report.written, report.as_dict()
        ids = {
            u.username: u.id
            for u in db.session.execute(
                select(User).where(User.org_id == org.id, User.status == "imported")
            ).scalars()
        }
        db.session.remove()
        return ids

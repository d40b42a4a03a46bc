"""The user administrator's login means page: code displays uploaded from a seed file (checked,
then imported), assigned and revoked; a bad, tampered or repeated file and an unknown person are
refused with the reason shown."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask

from idp.extensions import db
from idp.models import Authenticator, User
from tests.support.admin import OTHER, PSKC, admin, browser, hidden, text, token
from tests.support.helpers import make_user


def _user_admin(app: Flask) -> Any:
    return browser(app, admin(app, "ua", "user_admin"))


def test_login_means_page_lists_uploads_assigns_and_revokes(app):
    http = _user_admin(app)
    page = http.get("/admin/login-means")
    assert page.status_code == 200
    html = text(page)
    assert 'href="/admin/login-means" aria-current="page"' in html
    assert 'id="seed_file"' in html and '<label class="form-label" for="seed_file">' in html

    csrf = token(http)
    checked = http.post(
        "/admin/login-means/upload",
        data={"csrf_token": csrf, "seed_file": (io.BytesIO(PSKC.read_bytes()), PSKC.name)},
        content_type="multipart/form-data",
    )
    assert checked.status_code == 200, text(checked)
    report = text(checked)
    assert "987654321" in report and 'id="confirm"' in report
    assert "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA" not in report  # the seed never reaches the page
    with app.app_context():
        assert db.session.query(Authenticator).filter_by(type="code_display").count() == 0

    done = http.post(
        "/admin/login-means/import",
        data={"csrf_token": csrf, "upload": hidden(report, "upload")},
    )
    assert done.status_code == 303
    listing = text(http.get(done.location))
    assert "Imported 1 code display(s)." in listing
    assert "987654321" in listing and "In stock" in listing
    with app.app_context():
        display = db.session.query(Authenticator).filter_by(serial="987654321").one()
        assert display.status == "in_stock" and display.digits == 8

    make_user(app, "bo", totp=False, ial=None)
    assigned = http.post(
        "/admin/login-means/assign",
        data={"csrf_token": csrf, "username": "bo", "serial": "987654321"},
    )
    assert assigned.status_code == 303
    with app.app_context():
        display = db.session.query(Authenticator).filter_by(serial="987654321").one()
        owner = db.session.get(User, display.user_id)
        assert display.status == "assigned" and owner is not None and owner.username == "bo"
    assert "bo" in text(http.get("/admin/login-means?status=assigned"))

    revoked = http.post(
        "/admin/login-means/revoke", data={"csrf_token": csrf, "serial": "987654321"}
    )
    assert revoked.status_code == 303
    assert "987654321" in text(http.get("/admin/login-means?status=revoked"))
    assert "987654321" not in text(http.get("/admin/login-means?status=in_stock"))


def test_importing_the_same_file_again_is_refused_with_the_row_named(app):
    http = _user_admin(app)
    csrf = token(http)

    def upload(replace: bool = False) -> Any:
        data: dict[str, Any] = {
            "csrf_token": csrf,
            "seed_file": (io.BytesIO(PSKC.read_bytes()), PSKC.name),
        }
        if replace:
            data["replace"] = "on"
        return http.post("/admin/login-means/upload", data=data, content_type="multipart/form-data")

    first = text(upload())
    http.post(
        "/admin/login-means/import", data={"csrf_token": csrf, "upload": hidden(first, "upload")}
    )
    again = upload()
    assert again.status_code == 400
    assert "already imported" in text(again) and 'role="alert"' in text(again)
    assert 'id="confirm"' not in text(again)
    assert upload(replace=True).status_code == 200


def test_bad_seed_file_tampered_upload_and_unknown_person_show_errors(app):
    http = _user_admin(app)
    csrf = token(http)
    bad = http.post(
        "/admin/login-means/upload",
        data={"csrf_token": csrf, "seed_file": (io.BytesIO(b"<not-pskc"), "x.xml")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400
    assert 'role="alert" id="seed_file-error"' in text(bad)
    assert 'aria-describedby="seed_file-error"' in text(bad)

    forged = http.post(
        "/admin/login-means/import", data={"csrf_token": csrf, "upload": "gAAAAforged"}
    )
    assert forged.status_code == 400 and 'id="seed_file-error"' in text(forged)

    missing = http.post(
        "/admin/login-means/assign",
        data={"csrf_token": csrf, "username": "nobody", "serial": "1"},
    )
    assert missing.status_code == 400 and 'id="username-error"' in text(missing)


def test_a_checked_upload_cannot_be_confirmed_by_another_organisation(app):
    http = _user_admin(app)
    csrf = token(http)
    report = text(
        http.post(
            "/admin/login-means/upload",
            data={"csrf_token": csrf, "seed_file": (io.BytesIO(PSKC.read_bytes()), PSKC.name)},
            content_type="multipart/form-data",
        )
    )
    other = browser(app, admin(app, "other", "user_admin", cvr=OTHER))
    refused = other.post(
        "/admin/login-means/import",
        data={"csrf_token": token(other), "upload": hidden(report, "upload")},
    )
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.query(Authenticator).filter_by(type="code_display").count() == 0

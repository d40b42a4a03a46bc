"""The registrar's identity checks: an in-person check is recorded and raises the identity level;
nobody checks their own identity."""

from __future__ import annotations

from datetime import date, timedelta

from idp.extensions import db
from idp.models import User
from tests.support.admin import admin, browser, future, pending_person, text, token


def test_registrar_records_an_in_person_check_and_the_identity_level_rises(app):
    person_id = pending_person(app)
    http = browser(app, admin(app, "reg", "registrar"))
    waiting = text(http.get("/admin/registrar"))
    assert f'href="/admin/registrar/{person_id}"' in waiting

    page = http.get(f"/admin/registrar/{person_id}")
    assert page.status_code == 200
    assert '<label class="form-label" for="document_type">' in text(page)
    assert '<label class="form-label" for="expires">' in text(page)
    csrf = token(http)

    expired = http.post(
        f"/admin/registrar/{person_id}",
        data={
            "csrf_token": csrf,
            "document_type": "passport",
            "last4": "12ab",
            "expires": (date.today() - timedelta(days=1)).isoformat(),
        },
    )
    assert expired.status_code == 400
    html = text(expired)
    assert 'role="alert" id="expires-error"' in html and "expired" in html
    assert 'aria-describedby="expires-error"' in html

    no_date = http.post(
        f"/admin/registrar/{person_id}",
        data={"csrf_token": csrf, "document_type": "passport", "last4": "12ab", "expires": "x"},
    )
    assert no_date.status_code == 400 and 'id="expires-error"' in text(no_date)

    done = http.post(
        f"/admin/registrar/{person_id}",
        data={
            "csrf_token": csrf,
            "document_type": "passport",
            "last4": "12ab",
            "expires": future(),
        },
    )
    assert done.status_code == 303
    with app.app_context():
        person = db.session.get(User, person_id)
        assert person is not None and person.identity_level == "Substantial"
    after = text(http.get(done.location))
    assert "The identity check of pia is recorded." in after
    assert f'href="/admin/registrar/{person_id}"' not in after


def test_registrar_cannot_check_their_own_identity(app):
    me = admin(app, "reg", "registrar")
    http = browser(app, me)
    response = http.post(
        f"/admin/registrar/{me.id}",
        data={
            "csrf_token": token(http),
            "document_type": "passport",
            "last4": "12ab",
            "expires": future(),
        },
    )
    assert response.status_code == 400 and 'role="alert"' in text(response)

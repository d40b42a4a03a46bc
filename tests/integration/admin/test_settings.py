"""The organisation administrator's settings: proofing routes and their caps, never above what a
route can establish."""

from __future__ import annotations

from idp.extensions import db
from idp.models import Organisation
from tests.support.admin import ORG, admin, browser, text, token


def test_org_admin_changes_the_settings(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    page = text(http.get("/admin/settings"))
    assert '<label class="form-label" for="minimum_ial">' in page
    assert '<label class="form-label" for="cap_in_person">' in page
    response = http.post(
        "/admin/settings",
        data={
            "csrf_token": token(http),
            "allow_access_requests": "on",
            "minimum_ial": "Low",
            "route_private_eid": "on",
            "cap_private_eid": "High",
            "route_in_person": "on",
            "cap_in_person": "High",
            "route_attestation": "on",
            "cap_attestation": "Low",
            "cap_legacy_import": "Low",
        },
    )
    assert response.status_code == 303
    assert "The settings are saved." in text(http.get(response.location))
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=ORG).one()
        assert org.allow_access_requests is True
        assert org.settings["minimum_ial"] == "Low"
        assert org.settings["routes"]["in_person"] == {"enabled": True, "cap": "High"}
        assert org.settings["routes"]["attestation"]["enabled"] is True
        assert org.settings["routes"]["legacy_import"]["enabled"] is False


def test_settings_refuse_a_cap_above_what_the_route_can_establish(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    response = http.post(
        "/admin/settings",
        data={"csrf_token": token(http), "minimum_ial": "Substantial", "cap_attestation": "High"},
    )
    assert response.status_code == 400
    html = text(response)
    assert 'role="alert" id="cap_attestation-error"' in html
    assert 'aria-describedby="cap_attestation-error"' in html
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=ORG).one()
        assert not org.settings

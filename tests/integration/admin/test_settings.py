"""The organisation administrator's settings: proofing routes and their caps, never above what a
route can establish, and never a route this server is not set up for (private eID without
``private_eid_issuer``)."""

from __future__ import annotations

from idp.extensions import db
from idp.models import Organisation
from idp.services.lifecycle import reminders
from idp.services.proofing.settings import available
from tests.support.admin import ORG, admin, browser, text, token

# A server with a private eID provider (nothing is fetched from it by these pages).
WITH_EID = {"private_eid_issuer": "https://eid.example.dk", "private_eid_client_id": "lokal"}
MISSING = "No private eID provider is configured on this server (private_eid_issuer)."


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
        # Not available here (no provider): its stored default is kept, not flipped off.
        assert org.settings["routes"]["private_eid"]["enabled"] is True
        assert not available(org, "private_eid")


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


def test_a_route_the_server_is_not_set_up_for_is_shown_as_not_available(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    page = text(http.get("/admin/settings"))
    box = page.split('id="route_private_eid"')[1].split(">")[0]
    assert " disabled" in box and 'aria-describedby="route_private_eid-missing"' in box
    assert " checked" not in box
    assert f'id="route_private_eid-missing">Not available: {MISSING}</p>' in page
    other = page.split('id="route_in_person"')[1].split(">")[0]
    assert " disabled" not in other and " checked" in other


def test_a_forged_post_enabling_the_missing_route_is_refused_and_nothing_written(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    form = {"minimum_ial": "Low", "route_private_eid": "on", "route_in_person": "on"}
    response = http.post("/admin/settings", data={"csrf_token": token(http), **form})
    assert response.status_code == 400
    html = text(response)
    assert f'role="alert" id="route_private_eid-error">{MISSING}</p>' in html
    assert 'aria-describedby="route_private_eid-missing route_private_eid-error"' in html
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=ORG).one()
        assert not org.settings and not org.allow_access_requests
        assert reminders.reminders_enabled(org)  # the switch on the form (off) was not saved


def test_the_refusal_reads_danish_on_a_danish_page(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    http.environ_base["HTTP_ACCEPT_LANGUAGE"] = "da"
    page = text(http.get("/admin/settings"))
    assert "Ikke tilgængelig: Der er ikke sat nogen udbyder af privat eID op" in page
    refused = http.post(
        "/admin/settings",
        data={"csrf_token": token(http), "minimum_ial": "Low", "route_private_eid": "on"},
    )
    assert refused.status_code == 400
    assert 'id="route_private_eid-error">Der er ikke sat nogen udbyder' in text(refused)


def test_with_a_provider_the_admin_turns_private_eid_off_and_on(make_app):
    app = make_app(**WITH_EID)
    http = browser(app, admin(app, "oa", "org_admin"))
    page = text(http.get("/admin/settings"))
    box = page.split('id="route_private_eid"')[1].split(">")[0]
    assert " disabled" not in box and " checked" in box and "route_private_eid-missing" not in page
    base = {"csrf_token": token(http), "minimum_ial": "Substantial", "route_in_person": "on"}
    assert http.post("/admin/settings", data=base).status_code == 303
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=ORG).one()
        assert org.settings["routes"]["private_eid"]["enabled"] is False
    on = {**base, "route_private_eid": "on"}
    assert http.post("/admin/settings", data=on).status_code == 303
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=ORG).one()
        assert available(org, "private_eid")

"""A proofing route is available to an organisation only when the organisation enables it and
this server has what it needs: without ``private_eid_issuer`` the private eID route cannot be
enabled (service and CLI), /request-access says plainly that no request can be made, and the
activation journey's proofing step says what to do instead of offering nothing."""

from __future__ import annotations

import shlex

import pytest

from idp.extensions import db
from idp.models import Organisation
from idp.services.errors import InvalidInput
from idp.services.orgs import get_by_cvr
from idp.services.proofing.settings import available, configure_organisation, missing
from tests.support.activation import _link, _path, make_imported
from tests.support.admin import token
from tests.support.helpers import make_org

CVR, OTHER = "12345678", "87654321"
MISSING = "No private eID provider is configured on this server (private_eid_issuer)."
WITH_EID = {"private_eid_issuer": "https://eid.example.dk", "private_eid_client_id": "lokal"}
NOT_POSSIBLE = "Requesting access is not possible on this server right now."


def _run(app, command):
    return app.test_cli_runner().invoke(args=shlex.split(command))


def _org(app, cvr=CVR):
    return db.session.query(Organisation).filter_by(cvr=cvr).one()


# -- the service ---------------------------------------------------------------------------
def test_without_a_provider_private_eid_is_missing_and_cannot_be_enabled(app):
    make_org(app)
    with app.app_context():
        assert missing("private_eid") == MISSING
        assert missing("in_person") is None
        org = get_by_cvr(CVR)
        assert not available(org, "private_eid")  # on by default, but not set up here
        assert available(org, "in_person")
        with pytest.raises(InvalidInput) as refused:
            configure_organisation(org, enable=["private_eid"], minimum="Low", actor="t")
        assert str(refused.value) == MISSING and refused.value.field == "route_private_eid"
        db.session.rollback()
        assert not _org(app).settings  # nothing written, the minimum neither
        # Disabling always works; saving other settings keeps the stored default.
        configure_organisation(org, minimum="Low", actor="t")
        assert _org(app).settings["routes"]["private_eid"]["enabled"] is True
        configure_organisation(org, disable=["private_eid"], actor="t")
        assert _org(app).settings["routes"]["private_eid"]["enabled"] is False


def test_with_a_provider_private_eid_can_be_enabled_and_is_available(make_app):
    app = make_app(**WITH_EID)
    make_org(app)
    with app.app_context():
        assert missing("private_eid") is None
        org = get_by_cvr(CVR)
        configure_organisation(org, disable=["private_eid"], actor="t")
        assert not available(org, "private_eid")
        configure_organisation(org, enable=["private_eid"], actor="t")
        assert available(org, "private_eid")


# -- the CLI -------------------------------------------------------------------------------
def test_cli_refuses_to_enable_the_missing_route_with_the_reason(app):
    make_org(app)
    refused = _run(app, f"orgs configure {CVR} --enable-route private_eid")
    assert refused.exit_code != 0
    assert MISSING in refused.output
    with app.app_context():
        assert not _org(app).settings
    assert _run(app, f"orgs configure {CVR} --disable-route private_eid").exit_code == 0


# -- /request-access -----------------------------------------------------------------------
def _requestable(app, cvr, name, *, route_on=True):
    make_org(app, cvr, name)
    with app.app_context():
        org = get_by_cvr(cvr)
        configure_organisation(
            org,
            allow_access_requests=True,
            disable=[] if route_on else ["private_eid"],
            actor="t",
        )
        return org.id


def test_request_access_without_a_provider_says_it_is_not_possible(app):
    org_id = _requestable(app, CVR, "Testfirma ApS")
    http = app.test_client()
    page = http.get("/request-access?q=Testfirma").get_data(as_text=True)
    assert NOT_POSSIBLE in page and 'id="not-possible"' in page
    assert "with your private eID" not in page and 'role="search"' not in page
    assert f"/request-access/{org_id}/prove" not in page
    forged = http.post(f"/request-access/{org_id}/prove", data={"csrf_token": token(http)})
    assert forged.status_code == 400 and NOT_POSSIBLE in forged.get_data(as_text=True)


def test_request_access_offers_only_organisations_that_accept_the_route(make_app):
    app = make_app(**WITH_EID)
    open_id = _requestable(app, CVR, "Testfirma Nord")
    closed_id = _requestable(app, OTHER, "Testfirma Syd", route_on=False)
    page = app.test_client().get("/request-access?q=Testfirma").get_data(as_text=True)
    assert NOT_POSSIBLE not in page
    assert f"/request-access/{open_id}/prove" in page and "Testfirma Nord" in page
    assert f"/request-access/{closed_id}/prove" not in page and "Testfirma Syd" not in page


# -- the activation journey's proofing step ------------------------------------------------
def _journey(app, cvr=CVR):
    make_org(app, cvr)
    make_imported(app, "anna", cvr=cvr)
    assert _run(app, f"users activate anna --org {cvr} --login-means app").exit_code == 0
    path = _path(_link(app, "anna"))
    return path, app.test_client().get(path).get_data(as_text=True)


def test_activation_without_a_provider_says_a_registrar_must_check_and_how_to_go_on(app):
    path, page = _journey(app)
    assert "Prove it with your private eID" not in page
    assert (
        "Your identity must be checked by a registrar of Testfirma ApS: contact your "
        "administrator to arrange it." in page
    )
    assert f'id="check-again" href="{path}"' in page  # an action, not a dead end
    assert "You can also meet" not in page
    danish = app.test_client().get(path, headers={"Accept-Language": "da"}).get_data(as_text=True)
    assert "Din identitet skal kontrolleres af en registrant fra Testfirma ApS" in danish
    assert "Registranten har kontrolleret min identitet: fortsæt" in danish


def test_activation_with_no_route_open_says_to_contact_the_administrator(app):
    make_org(app)
    with app.app_context():
        configure_organisation(get_by_cvr(CVR), disable=["in_person"], actor="t")
    page = _journey(app)[1]
    assert 'id="no-route"' in page and "Contact your administrator." in page
    assert 'id="check-again"' not in page


def test_activation_with_a_provider_offers_it_and_the_registrar_as_well(make_app):
    app = make_app(**WITH_EID)
    page = _journey(app)[1]
    assert "Prove it with your private eID" in page
    assert "You can also meet a registrar" in page and 'id="check-again"' not in page

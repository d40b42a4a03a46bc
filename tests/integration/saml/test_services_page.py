"""The admin's Tjenester page lists the organisation's SAML services (and no one else's): name,
entity ID, assertion consumer service and until when its certificates hold; a service whose
stored metadata no longer passes the checks says why."""

from __future__ import annotations

import shlex
from datetime import timedelta

from idp.extensions import db
from idp.models import AuditEvent, SamlServiceProvider
from idp.models.types import utcnow
from tests.support.admin import ORG, OTHER, admin, browser, text, token
from tests.support.helpers import make_org
from tests.support.saml import ACS, ENTITY_ID, certificate, serving, sp_metadata


def _services_of(app, cvr: str) -> str:
    http = browser(app, admin(app, f"oa{cvr}", "org_admin", cvr=cvr))
    response = http.get("/admin/services", headers={"Accept-Language": "da"})
    assert response.status_code == 200
    return text(response)


def test_an_organisations_saml_service_shows_on_its_page_only(app, tmp_path):
    make_org(app, ORG)
    make_org(app, OTHER, "Andet Firma ApS")
    path = tmp_path / "sp.xml"
    path.write_bytes(sp_metadata())
    added = app.test_cli_runner().invoke(
        args=shlex.split(f"saml sp add --metadata {path} --org {ORG}")
    )
    assert added.exit_code == 0, added.output
    own = _services_of(app, ORG)
    assert "SAML-tjenester (OIOSAML 3)" in own
    assert ENTITY_ID in own and ACS in own and "Lønportal" in own
    other = _services_of(app, OTHER)
    assert ENTITY_ID not in other and "Ingen SAML-tjenester endnu." in other


def test_a_service_whose_certificate_expired_since_says_so(app):
    org_id = make_org(app, ORG)
    # Stored when its certificate was valid; it has expired since (written past the checks).
    expired = certificate("Udløbet SP", days=1, starts=timedelta(days=-3))
    with app.app_context():
        now = utcnow()
        db.session.add(
            SamlServiceProvider(
                entity_id=ENTITY_ID,
                org_id=org_id,
                name="Lønportal",
                metadata_xml=sp_metadata(signing=expired).decode(),
                created_at=now,
                refreshed_at=now,
            )
        )
        db.session.commit()
    page = _services_of(app, ORG)
    assert "Metadata består ikke længere kontrollen:" in page
    assert "Certifikatet CN=Udløbet SP er ikke gyldigt nu" in page


def _cli(app, command: str) -> None:
    done = app.test_cli_runner().invoke(args=shlex.split(command))
    assert done.exit_code == 0, done.output


def test_an_administrator_refreshes_a_saml_services_metadata_from_its_url(app):
    make_org(app, ORG)
    make_org(app, OTHER, "Andet Firma ApS")
    own = browser(app, admin(app, "oa-own", "org_admin", cvr=ORG))
    stranger = browser(app, admin(app, "oa-other", "org_admin", cvr=OTHER))
    with serving() as (base, served):
        served["/sp.xml"] = sp_metadata()
        _cli(app, f"saml sp add --metadata {base}/sp.xml --org {ORG}")
        served["/sp.xml"] = sp_metadata(acs="https://ny.lonportal.example.dk/acs")
        # Another organisation's administrator cannot refresh it: as if it did not exist.
        refused = stranger.post(
            "/admin/services/saml/refresh",
            data={"entity_id": ENTITY_ID, "csrf_token": token(stranger)},
        )
        assert refused.status_code == 404 and f"No SAML service provider {ENTITY_ID}" in text(
            refused
        )
        assert ACS in _services_of(app, ORG)
        done = own.post(
            "/admin/services/saml/refresh",
            data={"entity_id": ENTITY_ID, "csrf_token": token(own)},
            follow_redirects=True,
        )
    assert done.status_code == 200 and "The metadata is refreshed." in text(done)
    assert "https://ny.lonportal.example.dk/acs" in text(done)
    with app.app_context():
        events = db.session.query(AuditEvent).filter_by(action="saml_sp.refreshed").all()
        assert [(e.actor, e.target) for e in events] == [("oa-own", ENTITY_ID)]


def test_a_saml_service_from_a_file_is_refreshed_by_the_operator(app, tmp_path):
    make_org(app, ORG)
    path = tmp_path / "sp.xml"
    path.write_bytes(sp_metadata())
    _cli(app, f"saml sp add --metadata {path} --org {ORG}")
    http = browser(app, admin(app, "oa-own", "org_admin", cvr=ORG))
    assert "Fra en fil" in _services_of(app, ORG)
    refused = http.post(
        "/admin/services/saml/refresh",
        data={"entity_id": ENTITY_ID, "csrf_token": token(http)},
        headers={"Accept-Language": "da"},
    )
    assert refused.status_code == 400
    assert "kom fra en fil: driften opdaterer den" in text(refused)

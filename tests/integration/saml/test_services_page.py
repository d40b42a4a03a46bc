"""The admin's Tjenester page lists the organisation's SAML services (and no one else's): name,
entity ID, assertion consumer service and until when its certificates hold; a service whose
stored metadata no longer passes the checks says why."""

from __future__ import annotations

import shlex
from datetime import timedelta

from idp.extensions import db
from idp.models import SamlServiceProvider
from idp.models.types import utcnow
from tests.support.admin import ORG, OTHER, admin, browser, text
from tests.support.helpers import make_org
from tests.support.saml import ACS, ENTITY_ID, certificate, sp_metadata


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

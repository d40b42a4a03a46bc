"""The OIOSAML 3 attributes of an assertion: what is always said, what only on request, and
nothing empty."""

from __future__ import annotations

import base64

from idp.extensions import db
from idp.models import User
from idp.services.oauth.tokens import AuthContext
from idp.services.saml import attributes as a
from tests.support.helpers import make_user

LOGIN = AuthContext(amr=["pwd", "otp"], ial="High", aal="Substantial")


def _attributes(app, requested=(), **changes):
    person = make_user(app, "anna")
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user is not None
        for name, value in changes.items():
            setattr(user, name, value)
        return a.assertion_attributes(user, LOGIN, requested), str(user.uuid)


def test_always_the_profile_the_levels_and_the_professional_identity(app):
    values, uuid = _attributes(app)
    assert values == {
        a.SPEC_VERSION: "OIO-SAML-3.0",
        "https://data.gov.dk/concept/core/nsis/loa": "Substantial",  # min(High, Substantial)
        "https://data.gov.dk/concept/core/nsis/ial": "High",
        "https://data.gov.dk/concept/core/nsis/aal": "Substantial",
        a.UUID: f"urn:uuid:{uuid}",
        a.CVR: "12345678",
        a.ORG_NAME: "Testfirma ApS",
    }


def test_names_mail_and_rights_only_when_asked_and_never_empty(app):
    values, _ = _attributes(
        app,
        requested=[a.EMAIL, a.FULL_NAME, a.FIRST_NAME, a.PRIVILEGES],
        given_name=None,
        privileges=["urn:dk:lokal-idp:privilege:lon"],
    )
    assert values[a.EMAIL] == "anna@example.dk" and values[a.FULL_NAME] == "Anna Jensen"
    assert a.FIRST_NAME not in values  # unknown: left out, not sent empty
    assert a.LAST_NAME not in values  # not asked for
    bpp = base64.b64decode(values[a.PRIVILEGES]).decode()
    assert 'Scope="urn:dk:gov:saml:cvrNumberIdentifier:12345678"' in bpp
    assert "urn:dk:lokal-idp:privilege:lon" in bpp

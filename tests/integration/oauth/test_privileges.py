"""Rights in tokens: OIO Basic Privilege Profile XML (base64) and a plain JSON list."""

from __future__ import annotations

import base64
import shlex

from defusedxml.ElementTree import fromstring
from joserfc import jwt
from joserfc.jwk import KeySet

from idp.privileges import BPP_NAMESPACE
from tests.support.catalogue import add_rights
from tests.support.helpers import authorize_code, make_client, make_user, redeem

CLAIM = "https://data.gov.dk/model/core/eid/privilegesIntermediate"
RIGHTS = ["urn:dk:some_domain:myPrivilege1A", "urn:dk:gov:saml:privilege:sickness"]


def _claims(app, client, scope):
    rp = make_client(app)
    user = make_user(app)
    add_rights(app, *RIGHTS)  # the rights granted are in the organisation's catalogue
    runner = app.test_cli_runner()
    add = " ".join(f"--add {r}" for r in RIGHTS)
    assert runner.invoke(args=shlex.split(f"users privileges {user.username} {add}")).exit_code == 0
    code, verifier, _ = authorize_code(client, rp, user, scope=scope)
    tokens = redeem(client, rp, code, verifier).json
    id_claims = jwt.decode(tokens["id_token"], KeySet.import_key_set(client.get("/jwks").json))
    info = client.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    return id_claims.claims, info.json


def test_privileges_claim_is_bpp_xml_scoped_to_the_cvr(app, client):
    claims, userinfo = _claims(app, client, "openid privileges")
    root = fromstring(base64.b64decode(claims[CLAIM]))
    assert root.tag == f"{{{BPP_NAMESPACE}}}PrivilegeList"
    groups = list(root)
    assert [g.tag for g in groups] == ["PrivilegeGroup"]
    assert groups[0].attrib == {"Scope": "urn:dk:gov:saml:cvrNumberIdentifier:12345678"}
    assert sorted(p.text for p in groups[0]) == sorted(RIGHTS)
    assert all(p.tag == "Privilege" for p in groups[0])
    assert claims["privileges"] == sorted(RIGHTS)
    assert userinfo[CLAIM] == claims[CLAIM]


def test_no_privileges_without_the_scope(app, client):
    claims, userinfo = _claims(app, client, "openid profile")
    assert CLAIM not in claims and "privileges" not in claims
    assert CLAIM not in userinfo


def test_privilege_must_be_a_urn(app):
    user = make_user(app)
    result = app.test_cli_runner().invoke(
        args=shlex.split(f"users privileges {user.username} --add not-a-urn")
    )
    assert result.exit_code != 0 and "Not a privilege URN" in result.output


def test_a_right_outside_the_catalogue_is_refused(app):
    user = make_user(app)
    result = app.test_cli_runner().invoke(
        args=shlex.split(f"users privileges {user.username} --add urn:dk:not:listed")
    )
    assert result.exit_code == 1 and "Not in the catalogue of rights" in result.output

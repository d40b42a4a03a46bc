"""Identity harvesting across organisations (issue 9, finding 1): an organisation's service
admits only the organisations it allows, another organisation's person always sees the
consent page, and only the operator can make a client first party."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from idp.extensions import db
from idp.models import Client, Organisation
from tests.support.admin import admin, browser, text, token
from tests.support.helpers import (
    TestClient,
    TestUser,
    auth_params,
    login,
    make_user,
    pkce_pair,
    query_of,
)

ORG_A = "11111111"
ORG_B = "22222222"
ORG_C = "33333333"
CALLBACK = "https://harvest.example.dk/cb"


def _register_as_org_b_admin(app: Flask) -> tuple[Any, TestClient]:
    """Org B's administrator registers a service, forging the old first-party field."""
    http = browser(app, admin(app, "bob", "org_admin", cvr=ORG_B))
    response = http.post(
        "/admin/services",
        data={
            "csrf_token": token(http),
            "name": "Harvester",
            "redirect_uris": CALLBACK,
            "grant_types": ["authorization_code"],
            "first_party": "on",  # forged: the form no longer has it
        },
    )
    assert response.status_code == 201
    client_id = re.search(r'id="client-id">([^<]+)<', text(response)).group(1)  # type: ignore[union-attr]
    secret = re.search(r'id="client-secret">([^<]+)<', text(response)).group(1)  # type: ignore[union-attr]
    return http, TestClient(client_id, secret, CALLBACK)


def _logged_in(app: Flask, username: str, cvr: str) -> tuple[Any, TestUser]:
    person = make_user(app, username, cvr=cvr)
    http = app.test_client()
    login(http, person)
    return http, person


def _authorize(http: Any, rp: TestClient, **extra: str) -> Any:
    return http.get("/authorize", query_string=auth_params(rp, pkce_pair()[1], **extra))


def _set_login_orgs(admin_http: Any, rp: TestClient, choice: str, cvrs: str = "") -> Any:
    return admin_http.post(
        f"/admin/services/{rp.client_id}",
        data={
            "csrf_token": token(admin_http),
            "redirect_uris": CALLBACK,
            "grant_types": ["authorization_code"],
            "login_orgs": choice,
            "allowed_orgs": cvrs,
            "first_party": "on",  # forged again
        },
    )


def _operator_sets_first_party(app: Flask, rp: TestClient) -> None:
    result = app.test_cli_runner().invoke(args=["clients", "update", rp.client_id, "--first-party"])
    assert result.exit_code == 0, result.output


def test_the_attack_forged_first_party_and_prompt_none_gives_no_code(app):
    _, rp = _register_as_org_b_admin(app)
    anna, _ = _logged_in(app, "anna", ORG_A)
    response = _authorize(anna, rp, prompt="none", state="s1")
    assert response.status_code == 302 and response.location.startswith(CALLBACK)
    query = query_of(response.location)
    assert "code" not in query
    assert query["error"] == "access_denied" and query["state"] == "s1"
    with app.app_context():
        assert db.session.query(Client).filter_by(client_id=rp.client_id).one().first_party is False


def test_another_organisations_person_is_refused_without_prompt_none_too(app):
    _, rp = _register_as_org_b_admin(app)
    anna, _ = _logged_in(app, "anna", ORG_A)
    query = query_of(_authorize(anna, rp).location)
    assert query["error"] == "access_denied" and "code" not in query


def test_admitted_organisation_still_sees_consent_even_for_a_first_party_client(app):
    admin_http, rp = _register_as_org_b_admin(app)
    assert _set_login_orgs(admin_http, rp, "any").status_code == 303
    _operator_sets_first_party(app, rp)  # even the operator's flag does not skip it for A
    anna, _ = _logged_in(app, "anna", ORG_A)
    silent = query_of(_authorize(anna, rp, prompt="none").location)
    assert silent["error"] == "consent_required" and "code" not in silent
    page = _authorize(anna, rp)
    assert page.status_code == 200 and 'name="decision"' in text(page)


def test_first_party_skips_consent_for_the_clients_own_people(app):
    _, rp = _register_as_org_b_admin(app)
    _operator_sets_first_party(app, rp)
    bente, _ = _logged_in(app, "bente", ORG_B)
    assert "code" in query_of(_authorize(bente, rp, prompt="none").location)


def test_listed_organisations_are_admitted_and_others_are_not(app):
    admin_http, rp = _register_as_org_b_admin(app)
    anna, _ = _logged_in(app, "anna", ORG_A)
    carl, _ = _logged_in(app, "carl", ORG_C)
    assert _set_login_orgs(admin_http, rp, "listed", f"{ORG_A}\n{ORG_B}").status_code == 303
    with app.app_context():
        row = db.session.query(Client).filter_by(client_id=rp.client_id).one()
        # The service's own organisation needs no entry; the first-party field was forged.
        assert row.allowed_org_cvrs == [ORG_A] and not row.allow_any_org and not row.first_party
    page = _authorize(anna, rp)
    assert page.status_code == 200 and 'name="decision"' in text(page)
    assert query_of(_authorize(carl, rp, prompt="none").location)["error"] == "access_denied"


def test_the_service_page_shows_who_may_log_in_and_refuses_unknown_cvrs(app):
    admin_http, rp = _register_as_org_b_admin(app)
    page = text(admin_http.get(f"/admin/services/{rp.client_id}"))
    assert 'name="login_orgs" value="own" checked' in page
    assert 'name="first_party"' not in page
    assert 'name="first_party"' not in text(admin_http.get("/admin/services"))
    bad = _set_login_orgs(admin_http, rp, "listed", "99999999\n12ab")
    assert bad.status_code == 400 and 'id="allowed_orgs-error"' in text(bad)
    with app.app_context():
        assert (
            db.session.query(Client).filter_by(client_id=rp.client_id).one().allowed_org_cvrs == []
        )


def test_cli_adds_a_client_for_an_organisation(app):
    make_user(app, "anna", cvr=ORG_A)
    result = app.test_cli_runner().invoke(
        args=["clients", "add", "--name", "A's RP", "--redirect-uri", CALLBACK, "--org", ORG_A]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=ORG_A).one()
        row = db.session.query(Client).filter_by(name="A's RP").one()
        assert row.org_id == org.id and not row.first_party

"""Access requests: search organisations that take them, prove the identity with a private
eID (the scripted upstream of tests/support/fake_op.py), give a work e-mail, follow the status; the
organisation's user administrators approve (activation link mailed) or reject (reason mailed).
"""

from __future__ import annotations

import re
import secrets
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from idp.extensions import db
from idp.models import AccessRequest, AuditEvent, FederatedIdentity, OutboxMail, User
from idp.services import orgs
from idp.services.proofing.settings import configure_organisation
from tests.support.catalogue import add_rights
from tests.support.fake_op import FakeOP
from tests.support.helpers import csrf_of, login, make_admin, make_org, make_user, redirect_status

CALLBACK = "http://127.0.0.1:5000/proofing/private-eid/callback"
CVR = "12345678"
OTHER_CVR = "87654321"
CLOSED_CVR = "11223344"


@dataclass
class World:
    op: FakeOP
    app: Flask


def allow(app: Flask, cvr: str, name: str, *, minimum: str | None = None) -> None:
    make_org(app, cvr, name)
    with app.app_context():
        configure_organisation(
            orgs.get_by_cvr(cvr), allow_access_requests=True, minimum=minimum, actor="test"
        )
        db.session.remove()


@pytest.fixture
def world(make_app: Any) -> Iterator[World]:
    with FakeOP(
        client_id="lokal-idp", client_secret=secrets.token_urlsafe(24), redirect_uri=CALLBACK
    ) as op:
        app = make_app(
            private_eid_issuer=op.url,
            private_eid_client_id=op.client_id,
            private_eid_client_secret=op.client_secret,
        )
        allow(app, CVR, "Testfirma ApS")
        allow(app, OTHER_CVR, "Andet Firma A/S")
        make_org(app, CLOSED_CVR, "Testfirma Lukket ApS")  # does not take requests
        yield World(op, app)


def org_id(app: Flask, cvr: str) -> int:
    with app.app_context():
        return orgs.get_by_cvr(cvr).id


def found(html: str) -> list[str]:
    return re.findall(r'class="org-name">([^<]+)<', html)


def prove(w: World, http: Any, cvr: str = CVR) -> Any:
    """Choose the organisation, go to the upstream and come back; returns the callback's answer."""
    page = http.get("/request-access", query_string={"q": cvr})
    assert page.status_code == 200
    started = http.post(
        f"/request-access/{org_id(w.app, cvr)}/prove",
        data={"csrf_token": csrf_of(page.get_data(as_text=True))},
    )
    assert started.status_code == 303, started.get_data(as_text=True)
    assert started.location.startswith(w.op.url + "/authorize?")
    with requests.Session() as browser:
        answer = browser.get(started.location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    return http.get(urlsplit(location).path, query_string=urlsplit(location).query)


def submit(http: Any, email: str = "ny@testfirma.dk", name: str = "Nina Nielsen") -> Any:
    page = http.get("/request-access/details")
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert 'for="email"' in html
    return http.post(
        "/request-access/details",
        data={"csrf_token": csrf_of(html), "email": email, "name": name},
    )


def status_of(http: Any) -> str:
    page = http.get("/request-access/status")
    assert page.status_code == 200, page.get_data(as_text=True)
    match = re.search(r'id="request-status">([^<]+)<', page.get_data(as_text=True))
    assert match
    return match.group(1).strip()


def mails(app: Flask, kind: str) -> list[OutboxMail]:
    with app.app_context():
        rows = list(
            db.session.execute(
                select(OutboxMail).where(OutboxMail.kind == kind).order_by(OutboxMail.id)
            ).scalars()
        )
        for row in rows:
            db.session.expunge(row)
        return rows


def requests_in_db(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [
            (r.status, r.email, r.level)
            for r in db.session.execute(select(AccessRequest).order_by(AccessRequest.id)).scalars()
        ]


def admin_browser(app: Flask, admin: Any) -> Any:
    http = app.test_client()
    assert login(http, admin).status_code == 303
    return http


def pending_id(app: Flask) -> int:
    with app.app_context():
        return db.session.execute(
            select(AccessRequest.id).where(AccessRequest.status == "pending")
        ).scalar_one()


def test_search_lists_only_organisations_that_take_requests(world: World) -> None:
    http = world.app.test_client()
    page = http.get("/request-access")
    assert page.status_code == 200 and 'for="q"' in page.get_data(as_text=True)
    assert found(http.get("/request-access?q=testfirma").get_data(as_text=True)) == [
        "Testfirma ApS"
    ]
    assert found(http.get(f"/request-access?q={OTHER_CVR}").get_data(as_text=True)) == [
        "Andet Firma A/S"
    ]
    assert found(http.get(f"/request-access?q={CLOSED_CVR}").get_data(as_text=True)) == []
    assert found(http.get("/request-access?q=%25").get_data(as_text=True)) == []
    # a closed organisation cannot be chosen by its id either
    token = csrf_of(page.get_data(as_text=True))
    closed = http.post(
        f"/request-access/{org_id(world.app, CLOSED_CVR)}/prove", data={"csrf_token": token}
    )
    assert closed.status_code == 404


def test_full_flow_submit_approve_and_activate(world: World) -> None:
    w = world
    boss = make_admin(w.app)
    http = w.app.test_client()
    back = prove(w, http)
    assert back.status_code == 302 and back.location.endswith("/request-access/details")

    sent = submit(http)
    assert sent.status_code == 303 and sent.location.endswith("/request-access/status")
    assert status_of(http) == "Waiting for a decision"
    assert requests_in_db(w.app) == [("pending", "ny@testfirma.dk", "Substantial")]
    [new] = mails(w.app, "access_request_new")
    assert new.to_address == "boss@example.dk" and "Nina Nielsen" in new.body_text

    admin = admin_browser(w.app, boss)
    assert 'href="/admin/requests"' in admin.get("/admin/").get_data(as_text=True)
    listing = admin.get("/admin/requests")
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200 and "ny@testfirma.dk" in html
    request_id = pending_id(w.app)
    add_rights(w.app, "urn:dk:gov:saml:privilege:example:read", cvr=CVR)
    approved = admin.post(
        f"/admin/requests/{request_id}/approve",
        data={
            "csrf_token": csrf_of(html),
            "login_means": "app",
            "privileges": "urn:dk:gov:saml:privilege:example:read",
        },
    )
    assert approved.status_code == 303, approved.get_data(as_text=True)
    assert "No access requests are waiting" in admin.get("/admin/requests").get_data(as_text=True)
    assert status_of(http) == "Approved"

    with w.app.app_context():
        person = db.session.execute(
            select(User).where(User.email == "ny@testfirma.dk")
        ).scalar_one()
        assert person.status == "pending_activation"
        assert person.identity_level == "Substantial"
        assert person.login_means == "app"
        assert person.name == "Nina Nielsen"
        [binding] = db.session.execute(select(FederatedIdentity)).scalars()
        assert (binding.user_id, binding.issuer, binding.subject) == (person.id, w.op.url, w.op.sub)
        actions = set(db.session.execute(select(AuditEvent.action)).scalars())
        assert {"access_request.submitted", "access_request.approved"} <= actions
    [activation] = mails(w.app, "activation")
    assert activation.to_address == "ny@testfirma.dk"
    link = re.search(r"http://\S+/activate/\S+", activation.body_text)
    assert link
    journey = w.app.test_client().get(urlsplit(link.group(0)).path)
    assert journey.status_code in (200, 302), journey.status_code
    if journey.status_code == 302:
        assert w.app.test_client().get(journey.location).status_code == 200


def test_reject_mails_the_reason(world: World) -> None:
    w = world
    boss = make_admin(w.app)
    http = w.app.test_client()
    prove(w, http)
    submit(http)
    admin = admin_browser(w.app, boss)
    token = csrf_of(admin.get("/admin/requests").get_data(as_text=True))
    rejected = admin.post(
        f"/admin/requests/{pending_id(w.app)}/reject",
        data={"csrf_token": token, "reason": "We do not know you."},
    )
    assert rejected.status_code == 303
    assert status_of(http) == "Rejected"
    assert "We do not know you." in http.get("/request-access/status").get_data(as_text=True)
    [mail] = mails(w.app, "access_request_rejected")
    assert mail.to_address == "ny@testfirma.dk"
    assert "We do not know you." in mail.body_text
    assert requests_in_db(w.app)[0][0] == "rejected"
    assert mails(w.app, "activation") == []


def test_duplicate_pending_request_is_refused(world: World) -> None:
    w = world
    make_admin(w.app)
    first = w.app.test_client()
    prove(w, first)
    assert submit(first).status_code == 303
    # the same upstream person again, in another browser
    second = w.app.test_client()
    prove(w, second)
    refused = submit(second, email="igen@testfirma.dk")
    assert refused.status_code == 409
    assert "already have a pending request" in refused.get_data(as_text=True)
    assert len(requests_in_db(w.app)) == 1
    # another organisation is a separate request
    third = w.app.test_client()
    prove(w, third, OTHER_CVR)
    assert submit(third).status_code == 303
    assert len(requests_in_db(w.app)) == 2


def test_level_below_the_minimum_is_refused(world: World) -> None:
    w = world
    w.op.level = "Low"
    http = w.app.test_client()
    prove(w, http)
    refused = submit(http)
    assert refused.status_code == 400  # InvalidInput
    text = refused.get_data(as_text=True)
    assert "level Low" in text and "requires at least Substantial" in text
    assert requests_in_db(w.app) == []
    assert mails(w.app, "access_request_new") == []


def test_bad_email_is_tied_to_its_input(world: World) -> None:
    http = world.app.test_client()
    prove(world, http)
    refused = submit(http, email="not-an-address")
    assert refused.status_code == 400
    assert 'id="email-error"' in refused.get_data(as_text=True)
    assert requests_in_db(world.app) == []


def test_status_page_needs_the_sealed_state(world: World) -> None:
    assert world.app.test_client().get("/request-access/status").status_code == 404
    assert world.app.test_client().get("/request-access/details").status_code == 302


@pytest.fixture
def with_request(world: World) -> tuple[World, int]:
    http = world.app.test_client()
    prove(world, http)
    assert submit(http).status_code == 303
    return world, pending_id(world.app)


def test_admin_routes_need_user_admin_of_the_organisation(with_request: tuple[World, int]):
    w, request_id = with_request
    registrar = admin_browser(w.app, make_admin(w.app, "reg", role="registrar"))
    assert registrar.get("/admin/requests").status_code == 403
    token = csrf_of(registrar.get("/login/").get_data(as_text=True))
    for action in ("approve", "reject"):
        response = registrar.post(
            f"/admin/requests/{request_id}/{action}",
            data={"csrf_token": token, "login_means": "app"},
        )
        assert response.status_code == 403

    other = admin_browser(w.app, make_admin(w.app, "otherboss", cvr=OTHER_CVR))
    assert "ny@testfirma.dk" not in other.get("/admin/requests").get_data(as_text=True)
    token = csrf_of(other.get("/login/").get_data(as_text=True))
    for action in ("approve", "reject"):
        response = other.post(
            f"/admin/requests/{request_id}/{action}",
            data={"csrf_token": token, "login_means": "app"},
        )
        assert response.status_code == 404
    assert requests_in_db(w.app)[0][0] == "pending"


def test_admin_forms_need_the_csrf_token(with_request: tuple[World, int]) -> None:
    w, request_id = with_request
    boss = admin_browser(w.app, make_admin(w.app))
    for action in ("approve", "reject"):
        url = f"/admin/requests/{request_id}/{action}"
        assert boss.post(url, data={"login_means": "app"}).status_code == 400
        assert boss.post(url, data={"login_means": "app", "csrf_token": "x"}).status_code == 400
    assert requests_in_db(w.app)[0][0] == "pending"


def test_admin_routes_refuse_no_session_and_a_low_session(with_request: tuple[World, int]):
    w, request_id = with_request
    anonymous = w.app.test_client()
    listing = anonymous.get("/admin/requests")
    assert listing.status_code == 302 and "/login/" in listing.location
    # A user administrator who logs in with the password only has a Low session.
    weak = make_user(w.app, "weakboss", cvr=CVR, totp=False)
    granted = w.app.test_cli_runner().invoke(
        args=shlex.split(f"admins grant weakboss user_admin --org {CVR}")
    )
    assert granted.exit_code == 0
    low = w.app.test_client()
    assert login(low, weak).status_code == 303
    for response in (
        low.get("/admin/requests"),
        low.post(
            f"/admin/requests/{request_id}/approve",
            data={
                "csrf_token": csrf_of(low.get("/login/").get_data(as_text=True)),
                "login_means": "app",
            },
        ),
    ):
        assert response.status_code == redirect_status(response.request.method)
        assert "/login/" in response.location
    assert requests_in_db(w.app)[0][0] == "pending"

"""The user administrator's pages: imported people (search, sort, pages, bulk activation), the
other people, a person's page (activation, resend, rights, login means) and the CSV import;
who may use them (session level, role, organisation) and CSRF on every form."""

from __future__ import annotations

import re
import shlex
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from idp.extensions import db
from idp.models import Activation, AuditEvent, Authenticator, User
from idp.models.types import utcnow
from idp.services import orgs, people
from tests.support.admin import import_people, shown
from tests.support.catalogue import add_rights, confirm_form, employees
from tests.support.helpers import (
    SEED_FILES,
    TestUser,
    csrf_of,
    login,
    make_user,
    query_of,
    redirect_status,
)

CVR = "12345678"
OTHER_CVR = "87654321"
PSKC = SEED_FILES / "rfc6030-figure3-totp.pskcxml"


# -- helpers ---------------------------------------------------------------------------------
def _run(app, command):
    return app.test_cli_runner().invoke(args=shlex.split(command))


def make_admin(app, username: str = "boss", role: str | None = "user_admin", **kw) -> TestUser:
    cvr = kw.get("cvr", CVR)
    person = make_user(app, username, **kw)
    if role:
        result = _run(app, f"admins grant {username} {role} --org {cvr}")
        assert result.exit_code == 0, result.output
    return person


def browser(app, user: TestUser | None = None) -> Any:
    http = app.test_client()
    if user is not None:
        login(http, user)
    return http


def token(http) -> str:
    """A CSRF token for this browser (from any page with a form)."""
    return csrf_of(http.get("/login/").get_data(as_text=True))


def post(http, path: str, data: dict[str, Any] | None = None, **kw) -> Any:
    return http.post(path, data={"csrf_token": token(http), **(data or {})}, **kw)


def person_row(app, user_id: int) -> User:
    with app.app_context():
        person = db.session.get(User, user_id)
        db.session.expunge(person)
        return person


def actions(app, target: str | None = None) -> list[str]:
    with app.app_context():
        query = select(AuditEvent.action).order_by(AuditEvent.id)
        if target is not None:
            query = query.where(AuditEvent.target == target)
        return list(db.session.execute(query).scalars())


def activate(http, data: dict[str, Any]) -> Any:
    """Both steps of a bulk activation: choose (the confirmation page), then confirm."""
    chosen = post(http, "/admin/imported/activate", data)
    assert chosen.status_code == 200, chosen.get_data(as_text=True)
    form = confirm_form(chosen.get_data(as_text=True))
    return post(http, "/admin/imported/activate/confirm", form)


def rows_of(html: str) -> list[str]:
    return re.findall(r'<label for="person-\d+">([^<]+)</label>', html)


def results_of(html: str) -> dict[str, str]:
    table = html.split('id="results"', 1)[1]
    return {
        person: result
        for person, result, _ in re.findall(
            r"<tr class=\"(?:ok|failed)\"><td>([^<]+)</td><td>([^<]+)</td><td>([^<]*)</td>", table
        )
    }


# -- the imported people ---------------------------------------------------------------------
def test_imported_list_searches_sorts_and_pages(app):
    boss = make_admin(app)
    employees(app, 30)
    http = browser(app, boss)
    assert 'href="/admin/imported"' in http.get("/admin/").get_data(as_text=True)

    page1 = http.get("/admin/imported")
    html = page1.get_data(as_text=True)
    assert page1.status_code == 200
    assert "30 imported people match." in html
    assert rows_of(html) == [f"emp{i:02}" for i in range(1, 26)]
    assert "Page 1 of 2" in html and 'rel="next"' in html
    assert "boss" not in rows_of(html)  # active people are not imported

    html = http.get("/admin/imported?page=2").get_data(as_text=True)
    assert rows_of(html) == [f"emp{i:02}" for i in range(26, 31)]
    assert "Page 2 of 2" in html and 'rel="prev"' in html
    assert 'aria-current="page">2<' in html

    html = http.get("/admin/imported?sort=-username").get_data(as_text=True)
    assert rows_of(html)[:2] == ["emp30", "emp29"]
    assert 'aria-sort="descending"' in html

    html = http.get("/admin/imported", query_string={"q": "PERSON 07"}).get_data(as_text=True)
    assert rows_of(html) == ["emp07"] and "1 imported person matches." in html
    html = http.get("/admin/imported?q=emp-012").get_data(as_text=True)  # RID
    assert rows_of(html) == ["emp12"]
    html = http.get("/admin/imported?q=emp1&sort=-name").get_data(as_text=True)
    assert rows_of(html) == [f"emp{i}" for i in range(19, 9, -1)]
    # Sort and page links keep the search.
    assert "q=emp1" in re.search(r'<th scope="col"[^>]*><a href="([^"]+)">Name', html).group(1)
    assert http.get("/admin/imported?sort=password_hash").status_code == 400


def test_a_search_costs_its_candidates_a_count_the_page_ids_and_those_people(app):
    employees(app, 12)
    with app.app_context():
        org = orgs.get_by_cvr(CVR)
        statements: list[str] = []

        def seen(conn, cursor, statement, *args):
            if "sqlite_master" not in statement:  # whether SQLite has its search table
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            result = people.search_people(
                org, status="imported", search="person", sort="-created", page=3, per_page=5
            )
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        assert (result.total, result.page, result.pages, len(result.items)) == (12, 3, 3, 2)
        assert [u.username for u in result.items] == ["emp02", "emp01"]
        candidates, count, page, found = statements
        assert "limit" in candidates.lower() and "order by" not in candidates.lower()
        assert "count(" in count.lower() and " IN (" in count
        assert "limit" in page.lower() and "offset" in page.lower()
        assert " IN (" in found
        past = people.search_people(
            org, status=None, search=None, sort="email", page=99, per_page=5
        )
        assert past.page == past.pages == 3


def test_bulk_activation_in_two_runs_reports_each_person(app):
    boss = make_admin(app)
    ids = employees(app, 3)
    add_rights(app, "urn:dk:kommune:sag", "urn:dk:kommune:loen")
    http = browser(app, boss)
    html = http.get("/admin/imported").get_data(as_text=True)
    assert 'name="all_matching"' in html and 'type="radio"' in html
    assert 'name="privileges" value="urn:dk:kommune:sag"' in html  # chosen from the catalogue
    first = activate(
        http,
        {
            "person": [ids["emp01"], ids["emp02"]],
            "login_means": "app",
            "privileges": ["urn:dk:kommune:sag", "urn:dk:kommune:loen"],
        },
    )
    html = first.get_data(as_text=True)
    assert first.status_code == 200, html
    assert results_of(html) == {"emp01": "OK", "emp02": "OK"}
    assert "2 of 2 people were activated" in html

    second = activate(http, {"person": [ids["emp03"], ids["emp01"]], "login_means": "code_display"})
    html = second.get_data(as_text=True)
    assert results_of(html) == {"emp01": "Not activated", "emp03": "OK"}
    assert "emp01 is pending activation, not imported (use resend)" in html
    assert "1 of 2 people were activated" in html

    one, three = person_row(app, ids["emp01"]), person_row(app, ids["emp03"])
    assert (one.status, one.login_means) == ("pending_activation", "app")
    assert one.privileges == ["urn:dk:kommune:loen", "urn:dk:kommune:sag"]
    assert (three.status, three.login_means, three.privileges) == (
        "pending_activation",
        "code_display",
        [],
    )
    with app.app_context():
        started = db.session.execute(
            select(AuditEvent.target, AuditEvent.actor).where(
                AuditEvent.action == "user.activation_started"
            )
        ).all()
    assert sorted(started) == [("emp01", "boss"), ("emp02", "boss"), ("emp03", "boss")]
    # Activated people leave the imported list and show up among the users.
    assert rows_of(http.get("/admin/imported").get_data(as_text=True)) == []
    html = http.get("/admin/users?status=pending_activation").get_data(as_text=True)
    assert "3 people match." in html


def test_select_all_matching_activates_every_match_on_every_page(app):
    boss = make_admin(app)
    employees(app, 30)
    import_people(app, ["x-1,Other Person,other@example.dk,"])
    http = browser(app, boss)
    response = activate(http, {"all_matching": "1", "q": "emp", "login_means": "app"})
    html = response.get_data(as_text=True)
    assert "30 of 30 people were activated" in html
    with app.app_context():
        statuses = dict(db.session.execute(select(User.username, User.status)).all())
    assert statuses["other"] == "imported"
    assert {statuses[f"emp{i:02}"] for i in range(1, 31)} == {"pending_activation"}


def test_activation_needs_people_a_login_means_and_valid_rights(app):
    boss = make_admin(app)
    ids = employees(app, 1)
    http = browser(app, boss)
    nobody = post(http, "/admin/imported/activate", {"login_means": "app"})
    assert nobody.status_code == 400
    assert 'role="alert"' in nobody.get_data(as_text=True)
    bad = post(
        http,
        "/admin/imported/activate",
        {"person": ids["emp01"], "login_means": "app", "privileges": "not a urn"},
    )
    assert bad.status_code == 400 and "Not a privilege URN" in bad.get_data(as_text=True)
    unknown = post(
        http,
        "/admin/imported/activate",
        {"person": ids["emp01"], "login_means": "app", "privileges": "urn:dk:not:listed"},
    )
    assert unknown.status_code == 400
    assert "Not in the catalogue of rights" in unknown.get_data(as_text=True)
    no_means = post(http, "/admin/imported/activate", {"person": ids["emp01"]})
    assert no_means.status_code == 400
    assert person_row(app, ids["emp01"]).status == "imported"


# -- a person's page -------------------------------------------------------------------------
def test_person_page_shows_details_but_never_the_cpr(app):
    boss = make_admin(app)
    ids = import_people(app, ["R-77,Karen Blixen,karen@example.dk,010203-1234"])
    http = browser(app, boss)
    response = http.get(f"/admin/people/{ids['karen']}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in ("Karen Blixen", "karen@example.dk", "R-77", "Imported", "Activate"):
        assert text in html
    assert "0102031234" not in html and "010203-1234" not in html


def test_single_activation_from_the_person_page(app):
    boss = make_admin(app)
    ids = employees(app, 1)
    add_rights(app, "urn:dk:a:b")
    http = browser(app, boss)
    page = http.get(f"/admin/people/{ids['emp01']}").get_data(as_text=True)
    assert f'action="/admin/people/{ids["emp01"]}/activate"' in page
    response = http.post(
        f"/admin/people/{ids['emp01']}/activate",
        data={
            "csrf_token": csrf_of(page),
            "login_means": "code_display",
            "privileges": "urn:dk:a:b",
        },
    )
    assert response.status_code == 303
    assert response.location.endswith(f"/admin/people/{ids['emp01']}?done=activated")
    html = http.get(response.location).get_data(as_text=True)
    assert "an activation e-mail is on its way" in html
    assert "Resend activation e-mail" in html and "Last sent" in html
    assert "user.activation_started" in html  # the person's history
    person = person_row(app, ids["emp01"])
    assert (person.status, person.login_means, person.privileges) == (
        "pending_activation",
        "code_display",
        ["urn:dk:a:b"],
    )
    again = post(http, f"/admin/people/{ids['emp01']}/activate", {"login_means": "app"})
    assert again.status_code == 409 and "use resend" in again.get_data(as_text=True)


def test_resend_from_the_person_page_is_throttled(app):
    boss = make_admin(app)
    ids = employees(app, 1)
    user_id = ids["emp01"]
    http = browser(app, boss)
    post(http, f"/admin/people/{user_id}/activate", {"login_means": "app"})
    with app.app_context():  # the first mail went out two minutes ago
        first = db.session.execute(select(Activation)).scalar_one()
        first.created_at = utcnow() - timedelta(minutes=2)
        db.session.get(User, user_id).link_sent_at = first.created_at
        db.session.commit()
        sent_before = shown(first.created_at)
    assert sent_before in http.get(f"/admin/people/{user_id}").get_data(as_text=True)

    response = post(http, f"/admin/people/{user_id}/resend")
    assert response.status_code == 303 and response.location.endswith("done=resent")
    html = http.get(response.location).get_data(as_text=True)
    assert "earlier links no longer work" in html
    assert f"Last sent {shown(utcnow())[:-7]}" in html

    throttled = post(http, f"/admin/people/{user_id}/resend")
    html = throttled.get_data(as_text=True)
    assert throttled.status_code == 409
    assert re.search(r'role="alert"[^>]*>An activation mail was sent less than 60 seconds', html)
    with app.app_context():
        links = list(db.session.execute(select(Activation).order_by(Activation.id)).scalars())
        assert len(links) == 2 and links[0].superseded_at is not None
    assert actions(app, "emp01").count("user.activation_resent") == 1

    imported = employees(app, 1, prefix="new")["new01"]
    refused = post(http, f"/admin/people/{imported}/resend")
    assert refused.status_code == 409 and "not waiting for activation" in refused.get_data(
        as_text=True
    )


def test_rights_are_added_and_removed(app):
    boss = make_admin(app)
    worker = make_user(app, "worker")
    with app.app_context():
        db.session.get(User, worker.id).privileges = ["urn:dk:old:one", "urn:dk:old:two"]
        db.session.commit()
    add_rights(app, "urn:dk:new:right", "urn:dk:old:two")
    http = browser(app, boss)
    html = http.get(f"/admin/people/{worker.id}").get_data(as_text=True)
    assert 'value="urn:dk:old:one"' in html  # held, though not in the catalogue: still shown
    assert "urn:dk:old:one <small>(not in the catalogue)</small>" in html
    assert 'name="add" value="urn:dk:new:right"' in html
    assert 'name="add" value="urn:dk:old:two"' not in html  # already held
    response = post(
        http,
        f"/admin/people/{worker.id}/privileges",
        {"remove": ["urn:dk:old:one"], "add": ["urn:dk:new:right", "urn:dk:new:right"]},
    )
    assert response.status_code == 303 and response.location.endswith("done=privileges")
    assert person_row(app, worker.id).privileges == ["urn:dk:new:right", "urn:dk:old:two"]
    assert "user.privileges_changed" in actions(app, "worker")

    bad = post(http, f"/admin/people/{worker.id}/privileges", {"add": "right two"})
    assert bad.status_code == 400 and "Not a privilege URN" in bad.get_data(as_text=True)
    typed = post(http, f"/admin/people/{worker.id}/privileges", {"add": "urn:dk:typed:by:hand"})
    assert typed.status_code == 400
    assert "Not in the catalogue of rights" in typed.get_data(as_text=True)
    empty = post(http, f"/admin/people/{worker.id}/privileges")
    assert empty.status_code == 400
    assert person_row(app, worker.id).privileges == ["urn:dk:new:right", "urn:dk:old:two"]


def _means(app, user_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Authenticator.type, Authenticator.status)
            .where(Authenticator.user_id == user_id)
            .order_by(Authenticator.id)
        ).all()
        return [tuple(r) for r in rows]


def test_login_means_are_unlocked_revoked_and_replaced(app):
    boss = make_admin(app)
    worker = make_user(app, "worker")
    with app.app_context():
        means = db.session.execute(
            select(Authenticator).where(Authenticator.user_id == worker.id)
        ).scalar_one()
        means.locked_until = utcnow() + timedelta(hours=1)
        means.failed_attempts = 5
        db.session.commit()
    http = browser(app, boss)
    assert "<td>Locked</td>" in http.get(f"/admin/people/{worker.id}").get_data(as_text=True)

    response = post(http, f"/admin/people/{worker.id}/means/unlock")
    assert response.status_code == 303 and response.location.endswith("done=unlocked")
    html = http.get(response.location).get_data(as_text=True)
    assert "<td>Locked</td>" not in html and "The login means was unlocked." in html

    response = post(http, f"/admin/people/{worker.id}/means/revoke")
    assert response.status_code == 303
    assert _means(app, worker.id) == [("app", "revoked")]
    nothing = post(http, f"/admin/people/{worker.id}/means/unlock")
    assert nothing.status_code == 404 and "no active login means" in nothing.get_data(as_text=True)

    assert _run(app, f"tokens import {PSKC} --org {CVR}").exit_code == 0
    unknown = post(http, f"/admin/people/{worker.id}/means/replace", {"serial": "000"})
    assert unknown.status_code == 404 and "No code display" in unknown.get_data(as_text=True)
    response = post(http, f"/admin/people/{worker.id}/means/replace", {"serial": "987654321"})
    assert response.status_code == 303 and response.location.endswith("done=replaced")
    assert _means(app, worker.id) == [("app", "revoked"), ("code_display", "assigned")]
    done = actions(app, "worker")
    for action in ("authenticator.unlocked", "authenticator.revoked", "authenticator.assigned"):
        assert action in done


# -- the other people ------------------------------------------------------------------------
def test_users_list_filters_by_status_and_leaves_out_imported(app):
    boss = make_admin(app)
    make_user(app, "carl")
    make_user(app, "dora")
    employees(app, 2)
    with app.app_context():
        db.session.execute(
            select(User).where(User.username == "dora")
        ).scalar_one().status = "suspended"
        db.session.commit()
    http = browser(app, boss)
    assert 'href="/admin/users"' in http.get("/admin/").get_data(as_text=True)
    html = http.get("/admin/users").get_data(as_text=True)
    assert "3 people match." in html and ">carl<" in html and "emp01" not in html
    html = http.get("/admin/users?status=suspended").get_data(as_text=True)
    assert "1 person matches." in html and ">dora<" in html and ">carl<" not in html
    html = http.get("/admin/users?q=CARL&sort=-created").get_data(as_text=True)
    assert "1 person matches." in html
    assert http.get("/admin/users?status=imported").status_code == 400


def test_a_registrar_sees_users_and_people_but_changes_nothing(app):
    registrar = make_admin(app, "reg", role="registrar")
    ids = employees(app, 1)
    http = browser(app, registrar)
    assert http.get("/admin/users").status_code == 200
    html = http.get(f"/admin/people/{ids['emp01']}").get_data(as_text=True)
    assert "emp01" in html and 'name="login_means"' not in html and "<form" in html
    assert http.get("/admin/imported").status_code == 403
    response = post(http, f"/admin/people/{ids['emp01']}/activate", {"login_means": "app"})
    assert response.status_code == 403
    assert person_row(app, ids["emp01"]).status == "imported"


# -- who may use the pages -------------------------------------------------------------------
GETS = ["/admin/imported", "/admin/users", "/admin/people/{id}", "/admin/import"]
POSTS = [
    "/admin/imported/activate",
    "/admin/imported/activate/confirm",
    "/admin/people/{id}/activate",
    "/admin/people/{id}/resend",
    "/admin/people/{id}/privileges",
    "/admin/people/{id}/means/unlock",
    "/admin/people/{id}/means/revoke",
    "/admin/people/{id}/means/replace",
    "/admin/import",
]
POST_DATA = {"login_means": "app", "add": "urn:dk:a:b", "serial": "987654321", "person": "1"}


def _target(app) -> int:
    """A person of organisation CVR with a live login means (the victim of forged ids)."""
    victim = make_user(app, "victim")
    return victim.id


def _requests(http, user_id: int):
    for path in GETS:
        url = path.format(id=user_id)
        yield url, http.get(url)
    for path in POSTS:
        url = path.format(id=user_id)
        yield url, post(http, url, POST_DATA)


def _untouched(app, user_id: int) -> None:
    person = person_row(app, user_id)
    assert person.privileges == [] and person.status == "active"
    assert _means(app, user_id) == [("app", "active")]


def test_without_a_session_every_page_sends_to_login(app):
    user_id = _target(app)
    http = app.test_client()
    for url, response in _requests(http, user_id):
        assert response.status_code == redirect_status(response.request.method), url
        assert response.location.startswith("/login/?next="), url
        assert query_of(response.location)["next"] == url, url
    _untouched(app, user_id)


def test_a_person_without_an_admin_role_is_refused(app):
    user_id = _target(app)
    http = browser(app, make_admin(app, "clerk", role=None))
    for url, response in _requests(http, user_id):
        assert response.status_code == 403, url
        assert "No access" in response.get_data(as_text=True)
    _untouched(app, user_id)


def test_a_low_session_must_log_in_again_with_two_factors(app):
    user_id = _target(app)
    weak = make_admin(app, "weak", totp=False)  # password only: AAL Low
    http = browser(app, weak)
    assert http.get("/account/").status_code == 200  # logged in, but only at Low
    for url, response in _requests(http, user_id):
        assert response.status_code == redirect_status(response.request.method), url
        assert response.location.startswith("/login/?next="), url
    _untouched(app, user_id)


def test_an_administrator_of_another_organisation_sees_nothing_of_this_one(app):
    user_id = _target(app)
    employees(app, 3)
    theirs = employees(app, 2, cvr=OTHER_CVR, prefix="their")
    stranger = make_admin(app, "stranger", cvr=OTHER_CVR)
    http = browser(app, stranger)
    for path in GETS:
        if "{id}" in path:
            assert http.get(path.format(id=user_id)).status_code == 404
    for path in POSTS:
        if "{id}" in path:
            assert post(http, path.format(id=user_id), POST_DATA).status_code == 404, path
    _untouched(app, user_id)

    html = http.get("/admin/imported").get_data(as_text=True)
    assert rows_of(html) == ["their01", "their02"]
    html = http.get("/admin/imported?q=emp").get_data(as_text=True)
    assert rows_of(html) == [] and "0 imported people match." in html
    html = http.get("/admin/users").get_data(as_text=True)
    assert "victim" not in html and "boss" not in html and ">stranger<" in html
    assert "0 people match." in http.get("/admin/users?q=victim").get_data(as_text=True)

    # Ticking this organisation's people (forged ids) activates nobody of theirs.
    mine = employees(app, 1, prefix="mine")["mine01"]
    forged = {"person": [mine, theirs["their01"]], "login_means": "app"}
    chosen = post(http, "/admin/imported/activate", forged)
    assert f'name="person" value="{mine}"' not in chosen.get_data(as_text=True)
    response = post(
        http,
        "/admin/imported/activate/confirm",
        {"person": [mine, theirs["their01"]], "login_means": "app"},
    )
    assert results_of(response.get_data(as_text=True)) == {"their01": "OK"}
    assert person_row(app, mine).status == "imported"


@pytest.mark.parametrize("path", POSTS)
def test_every_form_needs_the_csrf_token(app, path):
    user_id = _target(app)
    boss = make_admin(app)
    http = browser(app, boss)
    url = path.format(id=user_id)
    assert http.post(url, data=POST_DATA).status_code == 400
    assert http.post(url, data={**POST_DATA, "csrf_token": "forged"}).status_code == 400
    _untouched(app, user_id)

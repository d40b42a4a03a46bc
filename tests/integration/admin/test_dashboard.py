"""The admin home is the organisation's onboarding dashboard: its counts equal the database's,
each count's link lands on a list of exactly that many, another organisation's people never
count, and each role sees only its parts."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func, select

from idp.extensions import db
from idp.models import Organisation, User
from idp.services.proofing.settings import configure_organisation
from tests.support.admin import ORG, OTHER, admin, browser, text
from tests.support.dashboard import PREPARED, dashboard_counts, listed, prepare

PERSON_LINK = re.compile(r'<td><a href="/admin/people/\d+">')


def _active_in(app: Flask, cvr: str) -> int:
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=cvr).one()
        query = select(func.count(User.id)).where(User.org_id == org.id, User.status == "active")
        return int(db.session.execute(query).scalar_one())


def _prepared(app: Flask) -> dict[str, int]:
    """Both organisations prepared (the other one twice over); what ours should count."""
    prepare(app, OTHER, "x")
    prepare(app, OTHER, "y")
    prepare(app, ORG, "")
    return {**PREPARED, "active": _active_in(app, ORG)}


def test_the_counts_equal_the_database_and_each_link_lists_that_many(app):
    http = browser(app, admin(app, "ua", "user_admin"))
    expected = _prepared(app)
    counts = dashboard_counts(text(http.get("/admin/")))
    assert {name: count for name, (count, _url) in counts.items()} == expected
    assert expected["active"] == 3  # the administrator and the two prepared active people
    for name, (count, url) in counts.items():
        page = http.get(url)
        assert page.status_code == 200, (name, url)
        html = text(page)
        assert listed(html) == count, (name, url)
        if "/admin/users" in url or "/admin/imported" in url:
            assert len(PERSON_LINK.findall(html)) == count, (name, url)


def test_the_funnel_is_an_accessible_picture_with_danish_and_english_labels(app):
    http = browser(app, admin(app, "ua", "user_admin"))
    _prepared(app)
    danish = text(http.get("/admin/", headers={"Accept-Language": "da"}))
    assert '<svg role="img" aria-labelledby="funnel-title funnel-desc"' in danish
    assert '<title id="funnel-title">' in danish and "Aktivering sendt" in danish
    assert "Identitet sikret" in danish and "Kodeviserer på lager" in danish
    english = text(http.get("/admin/", headers={"Accept-Language": "en"}))
    assert "Activation mailed: 2; Identity proven: 1" in english
    assert "Code displays in stock" in english and "Choose a tab above." not in english


def test_a_registrar_sees_the_identity_steps_only(app):
    http = browser(app, admin(app, "reg", "registrar"))
    _prepared(app)
    counts = dashboard_counts(text(http.get("/admin/")))
    assert set(counts) == {"mailed", "proven", "active"}
    for count, url in counts.values():
        assert listed(text(http.get(url))) == count


def test_an_organisation_admin_sees_no_people_numbers(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    _prepared(app)
    html = text(http.get("/admin/"))
    assert dashboard_counts(html) == {} and "<svg" not in html


def test_the_users_list_refuses_an_unknown_state(app):
    http = browser(app, admin(app, "ua", "user_admin"))
    assert http.get("/admin/users?state=everyone").status_code == 400
    html = text(http.get("/admin/users?state=means_locked", headers={"Accept-Language": "en"}))
    assert "Only: Login means locked." in html and 'name="state" value="means_locked"' in html


def test_proven_follows_the_organisations_minimum_level(app):
    http = browser(app, admin(app, "ua", "user_admin"))
    prepare(app, ORG, "")
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=ORG).one()
        configure_organisation(org, minimum="Low", actor="test")
    counts = dashboard_counts(text(http.get("/admin/")))
    assert (counts["mailed"][0], counts["proven"][0]) == (1, 2)  # Low is enough now
    for name in ("mailed", "proven"):
        count, url = counts[name]
        assert listed(text(http.get(url))) == count

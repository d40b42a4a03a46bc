"""Bulk activation in two steps (issue 12): the first POST shows what will happen and queues
nothing; the confirmation queues one mail per person in one transaction; a selection survives
a refusal; "select all matching" is counted again at confirmation; a second confirmation
mails nobody twice."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select, update

from idp.extensions import db
from idp.models import OutboxMail, User
from tests.support.admin import admin, browser, token
from tests.support.catalogue import add_rights, confirm_form, employees

STEP = "/admin/imported/activate"
CONFIRM = "/admin/imported/activate/confirm"
SAG, LOEN = "urn:dk:kommune:sag", "urn:dk:kommune:loen"


def make_admin(app, username: str = "boss", role: str = "user_admin") -> Any:
    return admin(app, username, role)


def post(http, path: str, data: dict[str, Any] | None = None) -> Any:
    return http.post(path, data={"csrf_token": token(http), **(data or {})})


def outbox(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(OutboxMail.id)))


def statuses(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(select(User.username, User.status)).all())


def choose(http, data: dict[str, Any]) -> tuple[Any, str]:
    response = post(http, STEP, data)
    return response, response.get_data(as_text=True)


def test_the_confirmation_page_says_what_will_happen_and_nothing_is_queued_before(app):
    boss = make_admin(app)
    ids = employees(app, 3)
    add_rights(app, SAG, LOEN)
    http = browser(app, boss)
    chosen = [ids["emp01"], ids["emp03"]]
    response, html = choose(
        http, {"person": chosen, "login_means": "code_display", "privileges": [SAG]}
    )
    assert response.status_code == 200
    assert re.search(r'<dd id="count">2</dd>', html)
    assert '<dd id="means">Code display</dd>' in html  # the label, not the raw value
    assert "Right sag <small><code>urn:dk:kommune:sag</code></small>" in html
    assert "Right loen" not in html
    assert "2 activation e-mails will be sent when you confirm" in html
    assert ">emp01<" in html and ">emp03<" in html and ">emp02<" not in html
    assert outbox(app) == 0  # NOTHING is queued before the confirmation
    assert set(statuses(app).values()) == {"active", "imported"}

    done = post(http, CONFIRM, confirm_form(html))
    assert done.status_code == 200
    assert "2 of 2 people were activated" in done.get_data(as_text=True)
    assert outbox(app) == 2
    seen = statuses(app)
    assert (seen["emp01"], seen["emp02"], seen["emp03"]) == (
        "pending_activation",
        "imported",
        "pending_activation",
    )


def test_a_refused_choice_keeps_the_ticked_people_ticked(app):
    boss = make_admin(app)
    ids = employees(app, 3)
    add_rights(app, SAG)
    http = browser(app, boss)
    for data in (
        {"person": [ids["emp01"], ids["emp03"]]},  # no login means
        {"person": [ids["emp01"], ids["emp03"]], "login_means": "app", "privileges": ["urn:x:y"]},
    ):
        response, html = choose(http, data)
        assert response.status_code == 400 and 'role="alert"' in html
        ticked = re.findall(r'value="(\d+)" checked>', html)
        assert sorted(map(int, ticked)) == sorted([ids["emp01"], ids["emp03"]])
    assert "Not in the catalogue of rights: urn:x:y" in html
    assert 'name="login_means" value="app" required checked' in html
    _, html = choose(http, {"all_matching": "1", "q": "emp"})
    assert 'name="all_matching" value="1" checked' in html
    assert outbox(app) == 0


def test_select_all_matching_shows_its_count_and_is_counted_again_at_confirmation(app):
    boss = make_admin(app)
    employees(app, 60)
    http = browser(app, boss)
    listing = http.get("/admin/imported?q=emp").get_data(as_text=True)
    assert "Select all 60 imported people matching “emp” (on every page)" in listing
    response, html = choose(http, {"all_matching": "1", "q": "emp", "login_means": "app"})
    assert response.status_code == 200 and '<dd id="count">60</dd>' in html
    # The page stays small: it names the first 50 and counts the rest.
    assert html.count("@example.dk</td>") == 50 and "… and 10 more." in html
    assert "person" not in confirm_form(html)  # the filter travels, not 60 ids
    form = confirm_form(html)
    assert (form["all_matching"], form["q"], form["expected"]) == ("1", "emp", "60")

    employees(app, 2, prefix="emplate")  # two more match between the steps
    changed = post(http, CONFIRM, form)
    html = changed.get_data(as_text=True)
    assert changed.status_code == 409
    assert "changed from 60 to 62" in html and '<dd id="count">62</dd>' in html
    assert outbox(app) == 0
    done = post(http, CONFIRM, confirm_form(html))
    assert "62 of 62 people were activated" in done.get_data(as_text=True)
    assert outbox(app) == 62


def test_a_second_confirmation_mails_nobody_twice(app):
    boss = make_admin(app)
    ids = employees(app, 3)
    http = browser(app, boss)
    _, html = choose(http, {"person": list(ids.values()), "login_means": "app"})
    form = confirm_form(html)
    first = post(http, CONFIRM, form)
    again = post(http, CONFIRM, form)  # a double click, or the form posted twice
    assert "3 of 3 people were activated" in first.get_data(as_text=True)
    html = again.get_data(as_text=True)
    assert "0 of 3 people were activated" in html
    assert html.count("is pending activation, not imported (use resend)") == 3
    assert outbox(app) == 3


def test_the_report_names_each_person_who_could_not_be_activated(app):
    boss = make_admin(app)
    ids = employees(app, 3)
    http = browser(app, boss)
    _, html = choose(http, {"person": list(ids.values()), "login_means": "app"})
    with app.app_context():  # meanwhile: one activated by someone else, one lost the address
        db.session.execute(
            update(User).where(User.id == ids["emp01"]).values(status="pending_activation")
        )
        db.session.execute(update(User).where(User.id == ids["emp02"]).values(email=""))
        db.session.commit()
    done = post(http, CONFIRM, confirm_form(html)).get_data(as_text=True)
    assert "1 of 3 people were activated" in done
    assert "emp01 is pending activation, not imported (use resend)" in done
    assert "emp02 has no usable e-mail address" in done
    assert outbox(app) == 1 and statuses(app)["emp02"] == "imported"


def test_an_empty_catalogue_says_to_create_rights_first(app):
    boss = make_admin(app)
    employees(app, 1)
    http = browser(app, boss)
    html = http.get("/admin/imported").get_data(as_text=True)
    assert "create them in the catalogue first" in html
    assert "An organisation administrator creates them." in html
    assert 'name="privileges"' not in html  # no silent free-text field
    org_admin = admin(app, "owner", "org_admin", "user_admin")
    html = browser(app, org_admin).get("/admin/imported").get_data(as_text=True)
    assert 'href="/admin/privileges"' in html

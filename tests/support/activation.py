"""The activation journey's steps, shared by the activation tests and the hostile tests: an
imported person, the mailed link, in-person proofing, and posting a form of the journey.

The short names are those of tests/integration/lifecycle/test_activation.py, where they began."""

from __future__ import annotations

import re
import shlex
from datetime import date, timedelta

from idp.extensions import db
from idp.models import OutboxMail, User

from .helpers import csrf_of, make_user

ISSUER = "http://127.0.0.1:5000"


def _run(app, command):
    return app.test_cli_runner().invoke(args=shlex.split(command))


def make_imported(app, username: str, cvr: str = "12345678") -> None:
    make_user(app, username, totp=False, ial=None, cvr=cvr)
    with app.app_context():
        person = db.session.query(User).filter_by(username=username).one()
        person.status = "imported"
        person.password_hash = None
        person.identity_level = None
        db.session.commit()


def _link(app, username: str) -> str:
    with app.app_context():
        person = db.session.query(User).filter_by(username=username).one()
        mail = (
            db.session.query(OutboxMail)
            .filter_by(user_id=person.id)
            .order_by(OutboxMail.id.desc())
            .first()
        )
        match = re.search(r"(http\S+/activate/\S+)", mail.body_text)
        return match.group(1)


def _path(link: str) -> str:
    return link.removeprefix(ISSUER)


def _proof_in_person(app, username):
    if _run(app, "admins grant reg registrar --org 12345678").exit_code != 0:
        make_user(app, "reg")
        assert _run(app, "admins grant reg registrar --org 12345678").exit_code == 0
    expires = (date.today() + timedelta(days=400)).isoformat()
    result = _run(
        app,
        f"proofing in-person {username} --registrar reg --document passport "
        f"--last4 7788 --expires {expires}",
    )
    assert result.exit_code == 0, result.output


def _post(client, path, page, **data):
    html = page.get_data(as_text=True)
    if 'name="csrf_token"' not in html:  # a step page without a form of its own
        html = client.get("/login/").get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_of(html), **data})

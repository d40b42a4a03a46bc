"""An organisation with someone at every step of onboarding, for the admin dashboard's tests
(and any test that wants data in every list): people in each state, live activation links
that expire soon and later, locked and unlocked login means, access requests and code displays.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from html import unescape
from typing import Any

from flask import Flask

from idp.extensions import db
from idp.models import AccessRequest, Activation, Authenticator, Organisation, User
from idp.models.types import utcnow

from .helpers import make_user

# What prepare() puts at each step (besides the people it starts with, e.g. the admins).
PREPARED = {
    "imported": 3,
    "mailed": 2,  # one never proven, one proven below the minimum (Low)
    "proven": 1,
    "expiring": 1,  # of the waiting people, one link runs out in 3 days (one in 20, one gone)
    "locked": 1,
    "requests": 2,
    "stock": 2,
}


def _person(app: Flask, username: str, cvr: str, status: str, ial: str | None = None) -> int:
    person = make_user(app, username, cvr=cvr, totp=False, ial=ial)
    with app.app_context():
        row = db.session.get(User, person.id)
        assert row is not None
        row.status = status
        db.session.commit()
    return person.id


def _link(user_id: int, days: float, **extra: Any) -> Activation:
    return Activation(
        user_id=user_id,
        token_hash=secrets.token_hex(32),
        created_by="test",
        expires_at=utcnow() + timedelta(days=days),
        **extra,
    )


def _means(org_id: int, user_id: int | None, status: str, **extra: Any) -> Authenticator:
    return Authenticator(
        org_id=org_id,
        user_id=user_id,
        type="code_display",
        status=status,
        secret_encrypted=b"not a secret",
        serial=secrets.token_hex(6),
        **extra,
    )


def prepare(app: Flask, cvr: str, prefix: str) -> None:
    """Put :data:`PREPARED` people, links, means, requests and stock into organisation ``cvr``
    (usernames start with ``prefix``)."""
    for n in range(PREPARED["imported"]):
        _person(app, f"{prefix}imp{n}", cvr, "imported")
    unproven = _person(app, f"{prefix}wait", cvr, "pending_activation")
    low = _person(app, f"{prefix}low", cvr, "pending_activation", ial="Low")
    proven = _person(app, f"{prefix}proven", cvr, "pending_activation", ial="Substantial")
    locked = _person(app, f"{prefix}locked", cvr, "active")
    unlocked = _person(app, f"{prefix}unlocked", cvr, "active")
    soon, later = utcnow() + timedelta(hours=1), utcnow() - timedelta(hours=1)
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=cvr).one()
        db.session.add_all(
            [
                _link(unproven, 3),
                _link(proven, 20),
                _link(low, -1),  # expired
                _link(low, 2, superseded_at=utcnow()),  # replaced by the expired one
                _means(org.id, locked, "active", locked_until=soon),
                _means(org.id, unlocked, "active", locked_until=later),
                _means(org.id, unlocked, "revoked", locked_until=soon),
                _means(org.id, None, "in_stock"),
                _means(org.id, None, "in_stock"),
                _means(org.id, proven, "assigned"),
            ]
        )
        for n, status in enumerate(("pending", "pending", "approved")):
            db.session.add(
                AccessRequest(
                    org_id=org.id,
                    status=status,
                    issuer="https://op.example",
                    subject=f"{prefix}{n}",
                    level="Substantial",
                    name=f"Requester {n}",
                    email=f"{prefix}req{n}@example.dk",
                )
            )
        db.session.commit()


def dashboard_counts(html: str) -> dict[str, tuple[int, str]]:
    """Each number of the dashboard page with its link: name -> (count, URL)."""
    row = r'id="count-(\w+)"><th scope="row">[^<]*</th><td><a href="([^"]+)">(\d+)</a>'
    return {name: (int(n), unescape(url)) for name, url, n in re.findall(row, html)}


def listed(html: str) -> int:
    """How many people, requests or code displays a list page shows."""
    matching = re.search(r'<p id="matching">\D*(\d+)', html)
    if matching:
        return int(matching.group(1))
    if 'id="inventory"' in html:
        return html.count('<input type="hidden" name="serial"')
    return html.count('class="access-request"')

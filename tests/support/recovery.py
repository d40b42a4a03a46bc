"""Recovery in tests: ask for a link through the page, read it from the outbox, follow it with
a Flask test client, and take a snapshot of everything recovery may change."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask
from sqlalchemy import select

from idp.extensions import db
from idp.models import (
    Authenticator,
    BrowserSession,
    FederatedIdentity,
    OutboxMail,
    RecoveryLink,
    Token,
    User,
)
from tests.support.fake_op import FakeOP
from tests.support.helpers import csrf_of

LINK = re.compile(r"https?://[^\s\"<>]+/recovery/([A-Za-z0-9_-]{40,})")
CALLBACK = "http://127.0.0.1:5000/proofing/private-eid/callback"
NEW_PASSWORD = "a-brand-new-passphrase-42"


def ask(http: Any, identifier: str, kind: str = "password") -> Any:
    """The recovery start page, then its form."""
    page = http.get(f"/recovery/?kind={kind}")
    assert page.status_code == 200
    return http.post(
        "/recovery/",
        data={
            "csrf_token": csrf_of(page.get_data(as_text=True)),
            "identifier": identifier,
            "kind": kind,
        },
    )


def mails_to(app: Flask, user_id: int, kind: str = "recovery") -> list[OutboxMail]:
    with app.app_context():
        rows = list(
            db.session.execute(
                select(OutboxMail)
                .where(OutboxMail.user_id == user_id, OutboxMail.kind == kind)
                .order_by(OutboxMail.id)
            ).scalars()
        )
        db.session.expunge_all()
        return rows


def token_of(mail: OutboxMail) -> str:
    match = LINK.search(mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def latest_token(app: Flask, user_id: int) -> str:
    mails = mails_to(app, user_id)
    assert mails, "no recovery mail"
    return token_of(mails[-1])


def post(http: Any, path: str, **data: str) -> Any:
    """POST a form of the page at ``/recovery/<token>`` (its CSRF token from that page)."""
    token = path.split("/")[2]
    page = http.get(f"/recovery/{token}")
    return http.post(path, data={"csrf_token": csrf_of(page.get_data(as_text=True)), **data})


def step_of(http: Any, token: str) -> str | None:
    page = http.get(f"/recovery/{token}")
    match = re.search(r'data-step="([a-z]+)"', page.get_data(as_text=True))
    return match.group(1) if match else None


@dataclass(frozen=True)
class Snapshot:
    """Everything a recovery may change for one person."""

    password_hash: str | None
    means: tuple[tuple[int, str], ...]  # (id, status)
    live_sessions: int
    live_tokens: int
    identity_level: str | None


def snapshot(app: Flask, user_id: int) -> Snapshot:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        means = db.session.execute(
            select(Authenticator.id, Authenticator.status)
            .where(Authenticator.user_id == user_id)
            .order_by(Authenticator.id)
        ).all()
        sessions = db.session.execute(
            select(BrowserSession.id).where(
                BrowserSession.user_id == user_id, BrowserSession.ended_at.is_(None)
            )
        ).all()
        tokens = db.session.execute(
            select(Token.id).where(Token.user_id == user_id, Token.revoked_at.is_(None))
        ).all()
        result = Snapshot(
            user.password_hash,
            tuple((m.id, m.status) for m in means),
            len(sessions),
            len(tokens),
            user.identity_level,
        )
        db.session.remove()
        return result


def bind_upstream(app: Flask, user_id: int, issuer: str, subject: str) -> None:
    """The person's identity was proven earlier with this private eID (as proofing binds it)."""
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.add(
            FederatedIdentity(org_id=user.org_id, user_id=user_id, issuer=issuer, subject=subject)
        )
        db.session.commit()
        db.session.remove()


def last_link(app: Flask) -> RecoveryLink:
    with app.app_context():
        row = db.session.execute(
            select(RecoveryLink).order_by(RecoveryLink.id.desc()).limit(1)
        ).scalar_one()
        db.session.expunge(row)
        return row


def via_upstream(http: Any, token: str) -> Any:
    """Press "prove it with your private eID" and come back through the scripted upstream."""
    started = post(http, f"/recovery/{token}/private-eid")
    assert started.status_code == 303, started.get_data(as_text=True)
    with requests.Session() as browser:
        answer = browser.get(started.location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = answer.headers["Location"]
    assert back.startswith(CALLBACK + "?"), back
    return http.get(urlsplit(back).path, query_string=urlsplit(back).query)


def scripted_op() -> FakeOP:
    return FakeOP(
        client_id="lokal-idp", client_secret=secrets.token_urlsafe(24), redirect_uri=CALLBACK
    )

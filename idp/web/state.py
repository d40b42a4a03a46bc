"""Per-browser state kept in the signed session cookie.

The cookie holds the random session id (looked up hashed in the database), pending
authorization requests, and the login in progress. The login in progress is encrypted, so
the browser cannot read whether the password step succeeded.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from flask import g, session

from ..models import BrowserSession, User
from ..services import sessions as session_service
from ..services.platform import log_context
from ..services.sessions import PendingLogin
from ..services.users import get_active_user
from .sealing import seal, unseal

MAX_PENDING = 5
PENDING_TTL = 1800


def current_session() -> tuple[BrowserSession | None, User | None]:
    """The live browser session and its user, loaded once per request."""
    if "idp_session" not in g:
        sid = session.get("sid")
        g.idp_sid = sid
        row = session_service.load_session(sid)
        g.idp_session = row
        g.idp_user = get_active_user(row.user_id) if row else None
        log_context.note(user_uuid=g.idp_user.uuid if g.idp_user else None)
    return g.idp_session, g.idp_user


def begin_browser_session(sid: str) -> None:
    """Store a new session id, dropping the previous cookie contents (session fixation)."""
    pending = session.get("authz", {})
    locale = session.get("ui_locales")
    session.clear()
    session["sid"] = sid
    session["authz"] = pending
    if locale:
        session["ui_locales"] = locale
    session.permanent = True
    g.pop("idp_session", None)


def save_pending_request(params: dict[str, str], started: float) -> str:
    key = secrets.token_urlsafe(12)
    pending = {
        k: v
        for k, v in session.get("authz", {}).items()
        if v.get("started", 0) > time.time() - PENDING_TTL
    }
    while len(pending) >= MAX_PENDING:
        pending.pop(min(pending, key=lambda k: pending[k]["started"]))
    pending[key] = {"params": params, "started": started}
    session["authz"] = pending
    return key


def load_pending_request(key: str) -> dict[str, Any] | None:
    item = session.get("authz", {}).get(key)
    if not item or item.get("started", 0) < time.time() - PENDING_TTL:
        return None
    return item


def drop_pending_request(key: str) -> None:
    pending = dict(session.get("authz", {}))
    pending.pop(key, None)
    session["authz"] = pending


def save_login(username: str, pending: PendingLogin | None, return_to: str | None) -> None:
    data = {"u": username, "r": return_to, "t": int(time.time())}
    if pending is not None:
        data.update({"id": pending.user_id, "ok": pending.password_ok, "c": pending.needs_code})
    session["login"] = seal("login", data)


def load_login() -> dict[str, Any] | None:
    return unseal("login", session.get("login"), PENDING_TTL)


def clear_login() -> None:
    session.pop("login", None)

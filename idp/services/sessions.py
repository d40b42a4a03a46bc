"""Login at the IdP and browser sessions.

The login is username -> password -> one-time code. What a person is told never says which
part was wrong (no user enumeration): an unknown username and a wrong password both lead to
the code step and then to the same failure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from .. import assurance
from ..extensions import db
from ..models import BrowserSession, User
from ..models.enums import LoginMeans, NsisLevel, UserStatus
from ..models.types import utcnow
from . import audit
from .errors import AccountLocked, LoginFailed, ServiceError
from .means import authenticators, login_throttle, verification
from .platform import log_context, metrics
from .platform.metrics import LoginFailure
from .platform.passwords import hash_password, needs_rehash, verify_password
from .platform.runtime import settings
from .platform.secrets import digest, new_token
from .users import get_active_user, normalise_username


@dataclass
class PendingLogin:
    """The result of the password step, kept server-side between the steps."""

    user_id: int | None
    password_ok: bool
    needs_code: bool


def check_password(username: str, password: str, *, source: str) -> PendingLogin:
    """Verify the password typed from client address ``source``.

    A wrong password is counted per (account, address) and per account; an attempt from a
    throttled address or on a locked account is refused like a wrong password and not counted
    (see :mod:`idp.services.means.login_throttle`). Every outcome leads to the code step, so the
    result never shows which.
    """
    user = db.session.execute(
        select(User).where(User.username == normalise_username(username))
    ).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or user.status != UserStatus.ACTIVE:
        metrics.login_failed(LoginFailure.INACTIVE_USER if user else LoginFailure.UNKNOWN_USER)
        return PendingLogin(user_id=None, password_ok=False, needs_code=True)
    log_context.note(user_uuid=user.uuid)
    if login_throttle.refuses(user, source):
        metrics.login_failed(LoginFailure.THROTTLED)
        return PendingLogin(user_id=user.id, password_ok=False, needs_code=True)
    if ok:
        if user.password_hash and needs_rehash(user.password_hash):
            # The argon2id parameters changed since this hash was made.
            user.password_hash = hash_password(password)
            db.session.commit()
        has_code = authenticators.active_authenticator(user) is not None
        return PendingLogin(user_id=user.id, password_ok=True, needs_code=has_code)
    login_throttle.record_failure(user, source)
    metrics.login_failed(LoginFailure.WRONG_PASSWORD)
    return PendingLogin(user_id=user.id, password_ok=False, needs_code=True)


def complete_login(
    pending: PendingLogin, code: str | None, *, source: str | None = None
) -> tuple[User, list[str]]:
    """Finish a login after the password (and, where the person has one, the code) step.

    Returns the user and the RFC 8176 ``amr`` values used. Raises :class:`LoginFailed`
    without saying which part was wrong, or :class:`AccountLocked` when the person's login
    means is locked after too many wrong codes (only reachable with the right password).
    A success resets the account's failure count and that of ``source``, the client address.
    A failure of the password step was counted there (:func:`check_password`).
    """
    user = get_active_user(pending.user_id) if pending.user_id is not None else None
    if user is None or not pending.password_ok:
        if pending.password_ok:  # the password was right; the account stopped being active
            metrics.login_failed(LoginFailure.INACTIVE_USER)
        raise LoginFailed()
    amr, means = ["pwd"], "password"
    if pending.needs_code:
        try:
            auth = verification.verify_login_code(user, code or "")
        except AccountLocked:
            metrics.login_failed(LoginFailure.MEANS_LOCKED)
            raise
        except ServiceError:
            metrics.login_failed(LoginFailure.WRONG_CODE)
            raise LoginFailed() from None
        amr.append("otp")
        if auth.type == LoginMeans.CODE_DISPLAY:
            amr.append("hwk")  # RFC 8176 §2: proof of possession of a hardware key
        means = auth.type
    user.failed_logins = 0
    user.lock_count = 0
    user.locked_until = None
    audit.record(
        "user.login",
        actor=user.username,
        org_id=user.org_id,
        target=user.username,
        details={"amr": amr},
    )
    if source is not None:
        login_throttle.forget_failures(user, source)  # after the audit: lock order
    db.session.commit()
    metrics.login_succeeded(means)
    log_context.note(user_uuid=user.uuid)
    return user, amr


def start_session(user: User, amr: list[str]) -> str:
    """Create a browser session; returns the raw session id for the cookie (new every login)."""
    now = utcnow()
    sid = new_token()
    aal = assurance.authenticator_level(amr) or NsisLevel.LOW
    db.session.add(
        BrowserSession(
            sid_hash=digest(sid),
            user_id=user.id,
            auth_time=now,  # full precision: prompt=login compares with the request's start
            amr=amr,
            aal=aal,
            # The session ends when even its lowest level has run out (see effective_level).
            expires_at=now
            + timedelta(
                minutes=max(
                    settings().session_lifetime(level)
                    for level in assurance.LEVELS[: assurance.rank(aal) + 1]
                )
            ),
        )
    )
    db.session.commit()
    return sid


def load_session(sid: str | None, now: datetime | None = None) -> BrowserSession | None:
    """The live session for a raw session id, or None (unknown, ended, expired, user gone)."""
    if not sid:
        return None
    now = now or utcnow()
    row = db.session.execute(
        select(BrowserSession).where(BrowserSession.sid_hash == digest(sid))
    ).scalar_one_or_none()
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    if get_active_user(row.user_id) is None:
        return None
    return row


def end_session(sid: str | None) -> BrowserSession | None:
    """End a browser session (logout). Returns the ended session, if there was one."""
    if not sid:
        return None
    row = db.session.execute(
        select(BrowserSession).where(BrowserSession.sid_hash == digest(sid))
    ).scalar_one_or_none()
    if row is None or row.ended_at is not None:
        return None
    db.session.execute(
        update(BrowserSession).where(BrowserSession.id == row.id).values(ended_at=utcnow())
    )
    user = db.session.get(User, row.user_id)
    audit.record(
        "user.logout",
        actor=user.username if user else "unknown",
        org_id=user.org_id if user else None,
        target=user.username if user else None,
    )
    db.session.commit()
    return row


def session_is_live(session_id: int, now: datetime | None = None) -> bool:
    """Whether the login session exists, has not ended and has not expired."""
    row = db.session.get(BrowserSession, session_id)
    now = now or utcnow()
    return row is not None and row.ended_at is None and row.expires_at > now


def current_aal(row: BrowserSession, now: float | None = None) -> str | None:
    """The authenticator level a login counts at now: it ages (NSIS session lifetimes per
    level, see :func:`idp.assurance.effective_level`)."""
    cfg = settings()
    age_minutes = ((now if now is not None else time.time()) - row.auth_time.timestamp()) / 60
    lifetimes = {level: cfg.session_lifetime(level) for level in assurance.LEVELS}
    return assurance.effective_level(row.aal, age_minutes, lifetimes)

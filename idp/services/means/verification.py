"""Checking a one-time code: the replay guard, drift, lockout and unlock.

Verification rules (NIST SP 800-63B §5.1.4.2, §5.1.5.2, §5.2.2):
- each accepted time step is single-use per authenticator, enforced by an atomic UPDATE in the
  database, so that two processes or app nodes cannot both accept it;
- consecutive failures are counted per authenticator; after ``otp_max_failures`` it is locked
  for a period that doubles with each lock; success resets the counter. A code is checked
  only after the right password (login) or in a session or activation link of the person, so
  nobody can lock someone's means by knowing the username alone;
- an app's code is looked for one step either way of now; a code display's around its
  tracked drift, bounded by ``otp_bind_window_steps`` (RFC 6238 §5.2).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, update

from ...extensions import db
from ...models import Authenticator, User
from ...models.enums import LoginMeans
from ...models.types import utcnow
from .. import audit
from ..errors import N_, AccountLocked, InvalidInput, NotFound
from ..platform import clock, metrics
from ..platform.metrics import Lockout
from ..platform.runtime import settings
from . import otp
from .authenticators import active_authenticator, open_secret


def is_locked(auth: Authenticator) -> bool:
    """Whether the means is locked after too many wrong codes (until ``locked_until``)."""
    return auth.locked_until is not None and auth.locked_until > utcnow()


def verify_login_code(user: User, code: str) -> Authenticator:
    """Check a login code against the person's active login means; raises on failure.

    Raises :class:`AccountLocked` while the means is locked, :class:`InvalidInput` for a
    wrong or replayed code. Commits the counters either way.
    """
    auth = active_authenticator(user)
    if auth is None:
        raise InvalidInput(N_("No active login means"))
    check_code(auth, code, actor=user.username)
    return auth


def _search(auth: Authenticator, current: int, *, binding: bool) -> tuple[int, int, int]:
    """Where a code may come from: (centre, window, bound) with steps limited to
    ``current ± bound``.

    - An authenticator app runs on the phone's clock: one step either way of now for network
      and typing delay, and no stored drift (RFC 6238 §5.2), so logins cannot walk the window.
    - A code display drifts on its own clock: binding looks ``otp_bind_window_steps`` either
      way and stores the drift it found; a login looks one step around that drift, but never
      beyond ``otp_bind_window_steps`` of real time.
    """
    bound = settings().otp_bind_window_steps
    if auth.type != LoginMeans.CODE_DISPLAY:
        return current, 1, 1
    if binding:
        return current, bound, bound
    return current + max(-bound, min(bound, auth.drift_steps)), 1, bound


def check_code(auth: Authenticator, code: str, *, actor: str, binding: bool = False) -> None:
    """Accept one current code for ``auth`` once, or count a failure and raise.

    ``binding`` widens the search to ``otp_bind_window_steps`` (a code display's first code).
    Commits the accepted step or the failure counter either way.
    """
    if is_locked(auth):
        raise AccountLocked(
            N_(
                "Your login means is locked after too many wrong codes. Try again later or ask "
                "your administrator to unlock it."
            )
        )
    current = otp.time_step(clock.now(), period=auth.period, t0=auth.t0)
    centre, window, bound = _search(auth, current, binding=binding)
    matched = otp.matching_step(
        open_secret(auth),
        code,
        centre,
        window,
        digits=auth.digits,
        algorithm=auth.algorithm,
        within=(current - bound, current + bound),
    )
    drift = matched - current if matched is not None and auth.type == LoginMeans.CODE_DISPLAY else 0
    if matched is not None and _consume_step(auth, matched, drift=drift):
        db.session.commit()
        db.session.refresh(auth)
        return
    db.session.rollback()
    _count_failure(auth, actor)
    raise InvalidInput(N_("The code is not right."))


def _consume_step(auth: Authenticator, step: int, drift: int) -> bool:
    """Accept ``step`` once: only a step after the last accepted one (atomic, all nodes)."""
    result = db.session.execute(
        update(Authenticator)
        .where(
            Authenticator.id == auth.id,
            or_(Authenticator.last_time_step.is_(None), Authenticator.last_time_step < step),
        )
        .values(
            last_time_step=step,
            drift_steps=drift,
            failed_attempts=0,
            locked_until=None,
            lock_count=0,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def _count_failure(auth: Authenticator, actor: str) -> None:
    cfg = settings()
    db.session.execute(
        update(Authenticator)
        .where(Authenticator.id == auth.id)
        .values(failed_attempts=Authenticator.failed_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(auth)
    locked = auth.failed_attempts >= cfg.otp_max_failures
    if locked:
        seconds = cfg.otp_lock_seconds * (2 ** min(auth.lock_count, 10))
        auth.locked_until = utcnow() + timedelta(seconds=seconds)
        auth.lock_count += 1
        auth.failed_attempts = 0
        audit.record(
            "authenticator.locked",
            actor=actor,
            org_id=auth.org_id,
            target=str(auth.user_id),
            details={"type": auth.type, "serial": auth.serial, "seconds": seconds},
        )
    db.session.commit()
    if locked:
        metrics.locked_out(Lockout.OTP)


def unlock(user: User, *, actor: str) -> Authenticator:
    """An administrator lifts the lock on the person's live means and resets its counters."""
    auth = active_authenticator(user)
    if auth is None:
        raise NotFound(N_("%(username)s has no active login means"), username=user.username)
    auth.failed_attempts = 0
    auth.locked_until = None
    auth.lock_count = 0
    audit.record(
        "authenticator.unlocked",
        actor=actor,
        org_id=user.org_id,
        target=user.username,
        details={"type": auth.type},
    )
    db.session.commit()
    return auth

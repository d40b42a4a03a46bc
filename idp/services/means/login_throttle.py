"""Who may try a password now, and telling administrators when an account is attacked.

NIST SP 800-63B §5.2.2 asks for throttling that an attacker cannot turn into a denial of
service. Two counters, both in the database so that every worker and node counts the same:

- per (account, client address): after ``password_source_max_failures`` wrong passwords within
  ``password_source_window_seconds`` that address may not try that account for
  ``password_source_block_seconds``. The attacker's address is stopped early; the person,
  elsewhere, logs in as usual.
- per account: ``password_max_failures`` (at most 100) consecutive wrong passwords from all
  addresses lock the account for ``password_lock_seconds``, doubling with each further lock.
  A successful login resets it.

Nobody trying is ever told which applies: a refused attempt looks exactly like a wrong password,
and refused attempts are not counted. The organisation's user administrators are told instead
(an audit event, a mail at most every ``password_attack_alert_hours``, the admin home page).

Locks are taken in one order everywhere: the audit chain, then the account row, then its
throttle rows. Every writer of an account's throttle rows holds the account row first, so a
failed attempt and a successful login of the same account neither deadlock nor lose a count:
the counters and the claim of the alert are one transaction, the audit events and the mails
the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update

from ...extensions import db
from ...models import LoginThrottle, Organisation, User
from ...models.types import utcnow
from .. import audit
from ..orgs import notify_user_admins
from ..platform import metrics
from ..platform.metrics import Lockout
from ..platform.runtime import settings
from ..platform.secrets import digest
from ..users import normalise_username


@dataclass(frozen=True)
class AttackedAccount:
    """An account of the organisation that looks attacked, for the admin home page."""

    user_id: int
    username: str
    failures: int
    locked: bool


def username_key(username: str) -> str:
    """The throttle key of a typed username (SHA-256 of its normalised form)."""
    return digest(normalise_username(username))


def _row_filter(key: str, source: str) -> ColumnElement[bool]:
    return and_(LoginThrottle.username_hash == key, LoginThrottle.source == source)


def refuses(user: User, source: str) -> bool:
    """Whether a password attempt for ``user`` from ``source`` is refused without being
    checked or counted: the account is locked, or this address is throttled for it."""
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        return True
    blocked_until = db.session.execute(
        select(LoginThrottle.blocked_until).where(_row_filter(username_key(user.username), source))
    ).scalar_one_or_none()
    return blocked_until is not None and blocked_until > now


def record_failure(user: User, source: str) -> None:
    """Count a wrong password for ``user`` from ``source``: throttle the address, lock the
    account, and tell the administrators, as the settings say. Commits."""
    now = utcnow()
    key = username_key(user.username)
    # End the read transaction: the counting one starts with its first write (on SQLite a
    # read transaction cannot become a write one once another connection has written).
    db.session.commit()
    _count_account_failure(user)
    row = _address_row(user, key, source, now)
    _drop_stale_rows(user, source, now)
    throttled = _count_address_failure(row, now)
    locked = _lock_if_due(user, now)
    failures, blocked_until = row.failures, row.blocked_until
    cfg = settings()
    attacked = throttled or locked or user.failed_logins >= cfg.password_source_max_failures
    alert = attacked and _claim_alert(user, now)
    db.session.commit()
    if throttled:
        metrics.locked_out(Lockout.PASSWORD_ADDRESS)
    if locked:
        metrics.locked_out(Lockout.PASSWORD_ACCOUNT)
    if throttled or locked or alert:
        # A second transaction: the audit chain's lock comes before any row lock elsewhere.
        _report_attack(user, source, failures, blocked_until if throttled else None, locked, alert)


def _count_account_failure(user: User) -> None:
    """The account row first (an atomic increment that locks it): every change to the
    account's throttle rows holds this lock, so they need no locking of their own."""
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user)


def _address_row(user: User, key: str, source: str, now: datetime) -> LoginThrottle:
    """The counter of this account and address, new if it has none."""
    row = db.session.execute(
        select(LoginThrottle)
        .where(_row_filter(key, source))
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        row = LoginThrottle(
            username_hash=key, source=source, user_id=user.id, failures=0, window_started=now
        )
        db.session.add(row)
    return row


def _count_address_failure(row: LoginThrottle, now: datetime) -> bool:
    """Count the failure in the address's window (a new window once the old one or its block
    is over); whether the address is throttled by this very failure."""
    cfg = settings()
    row.failures += 1
    window_over = row.window_started <= now - timedelta(seconds=cfg.password_source_window_seconds)
    block_over = row.blocked_until is not None and row.blocked_until <= now
    if window_over or block_over:
        row.failures, row.window_started, row.blocked_until = 1, now, None
    throttled = row.failures >= cfg.password_source_max_failures and row.blocked_until is None
    if throttled:
        row.blocked_until = now + timedelta(seconds=cfg.password_source_block_seconds)
    return throttled


def _lock_if_due(user: User, now: datetime) -> bool:
    """NIST SP 800-63B §5.2.2: at most password_max_failures (<= 100) consecutive failures;
    each further lock lasts twice as long. Whether this failure locked the account."""
    cfg = settings()
    locked = user.failed_logins % cfg.password_max_failures == 0
    if locked:
        user.locked_until = now + timedelta(
            seconds=cfg.password_lock_seconds * (2 ** min(user.lock_count, 10))
        )
        user.lock_count += 1
    return locked


def _claim_alert(user: User, now: datetime) -> bool:
    """Whether this failure is the one (of all workers and nodes) that tells the
    administrators: at most once per account every ``password_attack_alert_hours``."""
    cutoff = now - timedelta(hours=settings().password_attack_alert_hours)
    result = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.attack_alerted_at.is_(None), User.attack_alerted_at <= cutoff),
        )
        .values(attack_alerted_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _report_attack(
    user: User,
    source: str,
    failures: int,
    throttled_until: datetime | None,
    locked: bool,
    alert: bool,
) -> None:
    """Audit what happened and, when this failure claimed the alert, mail the
    organisation's user administrators (through the outbox, in the same transaction)."""
    if throttled_until is not None:
        _audit(
            "user.address_throttled",
            user,
            {"source": source, "failures": failures, "until": throttled_until.isoformat()},
        )
    if locked:
        assert user.locked_until is not None
        _audit(
            "user.locked",
            user,
            {"reason": "password failures", "until": user.locked_until.isoformat()},
        )
    if alert:
        _audit("user.under_attack", user, {"failed_logins": user.failed_logins, "source": source})
        _alert_user_admins(user)
    db.session.commit()


def _audit(event: str, user: User, details: dict[str, object]) -> None:
    audit.record(event, actor="system", org_id=user.org_id, target=user.username, details=details)


def _alert_user_admins(user: User) -> None:
    org = db.session.get(Organisation, user.org_id)
    assert org is not None
    notify_user_admins(
        org,
        "account_under_attack",
        path="/admin/",
        username=user.username,
        failures=user.failed_logins,
    )


def _drop_stale_rows(user: User, source: str, now: datetime) -> None:
    """Forget the account's other addresses whose window and block are over (so the table
    holds only what still matters)."""
    window = timedelta(seconds=settings().password_source_window_seconds)
    db.session.execute(
        delete(LoginThrottle)
        .where(
            LoginThrottle.user_id == user.id,
            LoginThrottle.source != source,
            LoginThrottle.window_started <= now - window,
            or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until <= now),
        )
        .execution_options(synchronize_session=False)
    )


def forget_failures(user: User, source: str) -> None:
    """After a successful login: reset the account's consecutive failures and drop the
    counter of the address it came from (other addresses keep theirs). Part of the caller's
    transaction."""
    # The account row first, as every writer of its throttle rows does.
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=0)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(LoginThrottle)
        .where(_row_filter(username_key(user.username), source))
        .execution_options(synchronize_session=False)
    )


def accounts_under_attack(org: Organisation, limit: int = 20) -> list[AttackedAccount]:
    """Accounts of ``org`` with a throttled address, a lock, or at least one address's worth
    of consecutive wrong passwords; with the larger of their consecutive failures and the
    failures of their throttled addresses."""
    cfg = settings()
    now = utcnow()
    blocked = (
        select(LoginThrottle.user_id, func.sum(LoginThrottle.failures).label("failures"))
        .where(LoginThrottle.blocked_until > now)
        .group_by(LoginThrottle.user_id)
        .subquery()
    )
    rows = db.session.execute(
        select(User.id, User.username, User.failed_logins, User.locked_until, blocked.c.failures)
        .outerjoin(blocked, blocked.c.user_id == User.id)
        .where(
            User.org_id == org.id,
            or_(
                blocked.c.failures.is_not(None),
                User.locked_until > now,
                User.failed_logins >= cfg.password_source_max_failures,
            ),
        )
        .order_by(User.username)
        .limit(limit)
    ).all()
    return [
        AttackedAccount(
            user_id=row.id,
            username=row.username,
            failures=max(row.failed_logins, int(row.failures or 0)),
            locked=row.locked_until is not None and row.locked_until > now,
        )
        for row in rows
    ]

"""Reminders before an activation link expires: a mail 7 days and 1 day before, once each.

Only the SHA-256 of a link's token is stored, so the old link cannot be mailed again. A
reminder therefore *supersedes* the person's live link and carries a fresh one with the SAME
expiry: the person gets a mail they can act on at once, the link's lifetime is not extended
(no longer exposure of a bearer token than the administrator chose, NIST SP 800-63B §6.1.2.3
on time-limited activation secrets), and still only one link works. A mail without a link
("use the mail of <date>") would leave the person hunting for a month-old mail. The cost: a
person who has the old link open in a tab at that moment finds it replaced (the page says
so and points to the newest mail).

Once each, even with several nodes or a cron job and the web process's pass at once: the
person's row and then the link's row are claimed with guarded UPDATEs (``reminded_7_at`` /
``reminded_1_at`` still empty, the link still live), in the order an administrator's resend
takes them, so of any concurrent passes (and a resend) exactly one sends. A person no longer
waiting for activation, a used or superseded link, an organisation that turned reminders off,
or a link issued inside the window (e.g. 5 days before its expiry) get none.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import InstrumentedAttribute

from ...extensions import db
from ...models import Activation, Organisation, User
from ...models.enums import UserStatus
from ...models.types import utcnow
from .. import audit
from ..platform.runtime import settings
from ..platform.secrets import digest

log = logging.getLogger("idp.reminders")

SETTING = "activation_reminders"  # key in Organisation.settings; absent means on
# (days before expiry, the column that records it, the next reminder's days: the window's end)
REMINDERS: tuple[tuple[int, InstrumentedAttribute[Any], int], ...] = (
    (7, Activation.reminded_7_at, 1),
    (1, Activation.reminded_1_at, 0),
)


@dataclass(frozen=True)
class ReminderReport:
    """How many reminders one pass queued."""

    seven_days: int
    one_day: int


def reminders_enabled(org: Organisation) -> bool:
    """Whether the organisation sends reminders before activation links expire (default on)."""
    return bool((org.settings or {}).get(SETTING, True))


def set_reminders(org: Organisation, enabled: bool, *, actor: str) -> None:
    """Turn the organisation's reminders on or off (audited when it changes); commits."""
    if reminders_enabled(org) == enabled:
        return
    org.settings = {**(org.settings or {}), SETTING: enabled}
    action = "org.reminders_on" if enabled else "org.reminders_off"
    audit.record(action, actor=actor, org_id=org.id, target=org.cvr)
    db.session.commit()


def send_due_reminders(now: datetime | None = None) -> ReminderReport:
    """Queue every reminder due at ``now`` (default: the current time), each in a transaction
    of its own; safe to run in several processes at once (see the module's docstring)."""
    now = now or utcnow()
    counts = []
    for days, column, until in REMINDERS:
        sent = 0
        for activation_id in _due(now, days, column, until):
            if _remind(activation_id, days, column, now):
                sent += 1
        counts.append(sent)
    if any(counts):
        log.info("queued %d 7-day and %d 1-day activation reminders", *counts)
    return ReminderReport(seven_days=counts[0], one_day=counts[1])


def _due(now: datetime, days: int, column: Any, until: int) -> list[int]:
    """The live links, of people still waiting in organisations that send reminders, that
    expire in (now + ``until`` days, now + ``days`` days] and have not had this reminder."""
    rows = db.session.execute(
        select(Activation.id, Activation.created_at, Activation.expires_at, Organisation.settings)
        .join(User, User.id == Activation.user_id)
        .join(Organisation, Organisation.id == User.org_id)
        .where(
            Activation.used_at.is_(None),
            Activation.superseded_at.is_(None),
            column.is_(None),
            Activation.expires_at > now + timedelta(days=until),
            Activation.expires_at <= now + timedelta(days=days),
            User.status == UserStatus.PENDING_ACTIVATION,
        )
        .order_by(Activation.expires_at, Activation.id)
    ).all()
    db.session.commit()  # end the read: every reminder is a write transaction of its own
    return [
        row.id
        for row in rows
        if bool((row.settings or {}).get(SETTING, True))
        # A link issued inside the window (short link lifetimes) was mailed just now.
        and row.created_at <= row.expires_at - timedelta(days=days)
    ]


def _remind(activation_id: int, days: int, column: Any, now: datetime) -> bool:
    """Claim one reminder and queue it with a fresh link; False if someone else had it."""
    old = db.session.get(Activation, activation_id)
    person = db.session.get(User, old.user_id) if old is not None else None
    if old is None or person is None:
        return False
    # The person's row first, as a resend takes it, so a racing resend waits for this one.
    claimed = db.session.execute(
        update(User)
        .where(User.id == person.id, User.status == UserStatus.PENDING_ACTIVATION)
        .values(link_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    won = claimed.rowcount == 1 and (  # type: ignore[attr-defined]
        db.session.execute(
            update(Activation)
            .where(
                Activation.id == old.id,
                Activation.used_at.is_(None),
                Activation.superseded_at.is_(None),
                column.is_(None),
            )
            .values({column.key: now, "superseded_at": now})
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        == 1
    )
    if not won:
        db.session.rollback()
        return False
    db.session.refresh(old)
    try:
        _queue(person, old, days, now)
    except ValueError as error:  # an address the mail cannot go to: no reminder, no change
        db.session.rollback()
        log.warning("no activation reminder for %s: %s", person.username, error)
        return False
    db.session.commit()
    return True


def _queue(person: User, old: Activation, days: int, now: datetime) -> None:
    from ..mail.outbox import queue_mail

    token = secrets.token_urlsafe(32)  # 256 bits, as every activation link
    db.session.add(
        Activation(
            user_id=person.id,
            token_hash=digest(token),
            created_by="reminder",
            created_at=now,
            expires_at=old.expires_at,  # the same expiry: a reminder never extends a link
            reminded_7_at=old.reminded_7_at,
            reminded_1_at=old.reminded_1_at,
        )
    )
    audit.record(
        "user.activation_reminded",
        actor="system",
        org_id=person.org_id,
        target=person.username,
        details={"until": old.expires_at.date().isoformat()},
    )
    queue_mail(
        "activation_reminder",
        to=person.email,
        template="activation_reminder",
        context={
            "org_name": person.organisation.name,
            "name": person.name,
            "link": settings().url(f"/activate/{token}"),
            "expires": old.expires_at.date().isoformat(),
            "days": days,
            "login_means": person.login_means,
        },
        org_id=person.org_id,
        user_id=person.id,
    )


@dataclass(frozen=True)
class ExpiringLink:
    """A person whose live activation link runs out soon (the dashboard's list)."""

    user_id: int
    username: str
    name: str
    expires_at: datetime
    reminded: bool  # a reminder about this link went out


def expiring_soon(org: Organisation, *, limit: int = 10, days: int = 7) -> list[ExpiringLink]:
    """The first ``limit`` people of ``org`` waiting for activation whose live link expires in
    the next ``days`` days, soonest first (the full list is the people list's filter)."""
    now = utcnow()
    rows = db.session.execute(
        select(
            User.id,
            User.username,
            User.name,
            Activation.expires_at,
            Activation.reminded_7_at,
            Activation.reminded_1_at,
        )
        .join(User, User.id == Activation.user_id)
        .where(
            User.org_id == org.id,
            User.status == UserStatus.PENDING_ACTIVATION,
            Activation.used_at.is_(None),
            Activation.superseded_at.is_(None),
            Activation.expires_at > now,
            Activation.expires_at <= now + timedelta(days=days),
        )
        .order_by(Activation.expires_at, Activation.id)
        .limit(limit)
    ).all()
    return [
        ExpiringLink(
            r[0], r[1], r[2], r[3], r.reminded_7_at is not None or r.reminded_1_at is not None
        )
        for r in rows
    ]

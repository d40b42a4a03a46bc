"""Audit events: append-only and hash-chained, written in the caller's transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text

from ..extensions import db
from ..models import AuditEvent, Organisation
from ..models.types import utcnow

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 727_001  # advisory lock id serialising the chain on PostgreSQL


def _event_hash(prev_hash: str, event: AuditEvent) -> str:
    body = json.dumps(
        {
            "at": event.at.isoformat(),
            "actor": event.actor,
            "org_id": event.org_id,
            "action": event.action,
            "target": event.target,
            "details": event.details,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def record(
    action: str,
    *,
    actor: str,
    org_id: int | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits).

    Never put secrets or CPR numbers into ``details``.
    """
    # Reading the chain's head and appending to it must be one step for concurrent writers.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    else:
        # SQLite: a write statement (even one that matches no row) takes the database's write
        # lock for the rest of the transaction, so the head read below cannot go stale.
        db.session.execute(text("UPDATE audit_event SET id = id WHERE 0"))
    prev = db.session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    event = AuditEvent(
        at=utcnow().replace(microsecond=0),
        actor=actor,
        org_id=org_id,
        action=action,
        target=target,
        details=details or {},
    )
    event.prev_hash = prev or GENESIS
    event.hash = _event_hash(event.prev_hash, event)
    db.session.add(event)
    db.session.flush()
    return event


def verify_chain() -> int | None:
    """Return the id of the first event whose hash does not match, or None if intact."""
    prev = GENESIS
    for event in db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        if event.prev_hash != prev or _event_hash(prev, event) != event.hash:
            return event.id
        prev = event.hash
    return None


@dataclass
class EventPage:
    """One page of an organisation's events, newest first; ``total`` counts every match."""

    events: list[AuditEvent]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


MAX_PER_PAGE = 200


def list_events(
    org: Organisation,
    *,
    action: str | None = None,
    actor: str | None = None,
    target: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> EventPage:
    """The organisation's events, newest first, filtered by exact action, actor and target."""
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    page = max(page, 1)
    query = select(AuditEvent).where(AuditEvent.org_id == org.id)
    for column, value in (
        (AuditEvent.action, action),
        (AuditEvent.actor, actor),
        (AuditEvent.target, target),
    ):
        if value and value.strip():
            query = query.where(column == value.strip())
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    events = db.session.execute(
        query.order_by(AuditEvent.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).scalars()
    return EventPage(list(events), int(total), page, per_page)


def actions_of(org: Organisation) -> list[str]:
    """The distinct actions recorded for the organisation (for a filter's choices)."""
    return list(
        db.session.execute(
            select(AuditEvent.action)
            .where(AuditEvent.org_id == org.id)
            .distinct()
            .order_by(AuditEvent.action)
        ).scalars()
    )

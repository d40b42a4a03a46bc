"""Audit events: append-only and hash-chained, written in the caller's transaction."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select, text

from ..extensions import db
from ..models import AuditEvent
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
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
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

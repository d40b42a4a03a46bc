"""The admin's people lists as CSV rows: the same filters as the listing (services.people), only
the administrator's own organisation, never a CPR number, streamed a chunk at a time.

The rows are read with ``yield_per`` (a server-side cursor on PostgreSQL), so an export of
100,000 people never holds them all in memory; the export is audited with its count first.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func

from ...extensions import db
from ...models import Organisation, User
from .. import audit
from ..people import _matching

CHUNK = 1000
# What a row holds, in order (the web view names the columns in the admin's language).
COLUMNS = (User.username, User.name, User.email, User.rid, User.status, User.identity_level)


def export_people(
    org: Organisation,
    *,
    status: str | None,
    search: str | None,
    exclude_status: str | None = None,
    state: str | None = None,
    actor: str,
) -> tuple[int, Iterator[tuple[Any, ...]]]:
    """How many of ``org``'s people the filter keeps (audited as "exported N people", committed)
    and an iterator over their rows (:data:`COLUMNS` and the creation time), by username.

    A refused filter raises InvalidInput as the listing does."""
    query = _matching(org, status, search, exclude_status, state)
    count = int(
        db.session.execute(query.with_only_columns(func.count(User.id)).order_by(None)).scalar_one()
    )
    audit.record(
        "people.exported",
        actor=actor,
        org_id=org.id,
        target=org.cvr,
        details={"people": count, **({"status": status} if status else {})},
    )
    db.session.commit()
    rows = query.with_only_columns(*COLUMNS, User.created_at).order_by(User.username, User.id)
    return count, _stream(rows)


def _stream(query: Any) -> Iterator[tuple[Any, ...]]:
    for row in db.session.execute(query.execution_options(yield_per=CHUNK)):
        yield tuple(row)


def created_day(value: datetime | None) -> str:
    """A creation time as the day it was (ISO), for a CSV cell a spreadsheet reads as a date."""
    return value.date().isoformat() if value is not None else ""

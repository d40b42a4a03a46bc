"""Single-use consumption in one place: authorization codes, refresh tokens, activation links.

A row is consumed by setting its "used" column from NULL to now in one guarded UPDATE, so that
of two concurrent attempts (threads, processes or app nodes) exactly one wins.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from ...extensions import db
from ...models.types import utcnow


def consume_once(model: Any, row_id: int, used_column: Any) -> bool:
    """Mark the row used now; True only for the one caller that changed it from NULL."""
    result = db.session.execute(
        update(model)
        .where(model.id == row_id, used_column.is_(None))
        .values({used_column.key: utcnow()})
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]

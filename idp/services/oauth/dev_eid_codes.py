"""The single-use marks of the development private-eID stand-in's codes (idp/web/dev_eid/).

A code carries everything it stands for sealed inside it; the database holds only a mark per
code, consumed once in one guarded UPDATE (platform.single_use), so that every worker of
every process agrees on whether a code was already redeemed.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from ...extensions import db
from ...models import DevEidCode
from ...models.types import utcnow
from ..platform.single_use import consume_once

KEEP = timedelta(hours=1)  # far beyond a code's 60 s: older marks are of no use


def issue_mark() -> int:
    """A fresh unused mark (marks older than an hour are removed); returns its id."""
    db.session.execute(delete(DevEidCode).where(DevEidCode.created_at < utcnow() - KEEP))
    mark = DevEidCode()
    db.session.add(mark)
    db.session.commit()
    return mark.id


def redeem_mark(mark_id: int) -> bool:
    """Consume the mark: True only for the one caller that redeemed it first."""
    won = consume_once(DevEidCode, mark_id, DevEidCode.used_at)
    db.session.commit()
    return won

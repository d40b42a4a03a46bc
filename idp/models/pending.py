"""Changes waiting for a second administrator (four eyes)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .enums import RequestStatus
from .types import UTCDateTime, utcnow


class PendingChange(db.Model):  # type: ignore[name-defined]
    """An administrator's change to their own rights or roles, waiting for a second
    administrator of the same organisation (four eyes)."""

    __tablename__ = "pending_change"
    __table_args__ = (
        Index("ix_pending_change_org_target_status", "org_id", "target_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(16))  # privileges | roles
    # {"add": [...], "remove": [...]}
    proposed: Mapped[dict[str, Any]] = mapped_column(JSON)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.PENDING)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

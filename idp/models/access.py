"""Access requests: a person asking an organisation for a business identity."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import RequestStatus
from .org import Organisation
from .types import UTCDateTime, utcnow


class AccessRequest(db.Model):  # type: ignore[name-defined]
    """A person without a business identity asks an organisation for one, having proven who
    they are with their private eID (upstream issuer + subject, at an upstream level)."""

    __tablename__ = "access_request"
    __table_args__ = (
        Index("ix_access_request_org_status", "org_id", "status"),
        # At most one pending request per upstream person and organisation.
        Index(
            "uq_access_request_pending",
            "org_id",
            "issuer",
            "subject",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.PENDING)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    level: Mapped[str] = mapped_column(String(16))  # the upstream login's level
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(1000))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    organisation: Mapped[Organisation] = relationship(lazy="joined")

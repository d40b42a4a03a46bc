"""An organisation's catalogue of rights (privilege URNs) its administrators choose from."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class Privilege(db.Model):  # type: ignore[name-defined]
    """One right of the catalogue: its URN (unique in the organisation), a Danish and an
    English label, and the organisation's services (client ids) that use it."""

    __tablename__ = "privilege"
    __table_args__ = (UniqueConstraint("org_id", "urn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    urn: Mapped[str] = mapped_column(String(255))
    label_da: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    # The client_id of each of the organisation's services that reads this right.
    client_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

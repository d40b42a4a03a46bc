"""The single-use marks of the development private-eID stand-in's codes (idp/web/dev_eid/)."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class DevEidCode(db.Model):  # type: ignore[name-defined]
    """A code the development stand-in issued. Only its single-use mark is stored: what the
    code stands for (person, level, nonce, PKCE challenge) is sealed in the code itself."""

    __tablename__ = "dev_eid_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

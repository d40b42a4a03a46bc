"""Organisations (by CVR number) and their settings."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class Organisation(db.Model):  # type: ignore[name-defined]
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    cvr: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    allow_access_requests: Mapped[bool] = mapped_column(default=False)
    # {"routes": {route: {"enabled": bool, "cap": level, ...}}, "minimum_ial": level}
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

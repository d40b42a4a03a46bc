"""Activation and recovery links (single use, hashed) and the mail outbox."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class Activation(db.Model):  # type: ignore[name-defined]
    """A single-use activation link: only the SHA-256 of its 256-bit token is stored."""

    __tablename__ = "activation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the reminders 7 days and 1 day before expires_at went out (each at most once; a
    # reminder's fresh link inherits both, see services/lifecycle/reminders.py).
    reminded_7_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_1_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxMail(db.Model):  # type: ignore[name-defined]
    """A mail queued in the same transaction as the change that causes it; a sender delivers
    it with retries, so an SMTP outage loses nothing."""

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # A sender claims a mail until this time, so two senders never send it both.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class RecoveryLink(db.Model):  # type: ignore[name-defined]
    """A single-use recovery link (forgotten password, lost login means): only the SHA-256 of
    its 256-bit token is stored. ``proven_at`` is set once the person showed possession of
    their login means or re-proved their identity; only then can anything change."""

    __tablename__ = "recovery_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # RecoveryKind
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    proven_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proof: Mapped[str | None] = mapped_column(String(16))  # RecoveryProof
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

"""Password-guessing counters per account and client address."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class LoginThrottle(db.Model):  # type: ignore[name-defined]
    """Wrong passwords for one account from one client address (NIST SP 800-63B §5.2.2).

    Kept in the database, not in process memory, so that every worker and node counts the
    same attempts.
    """

    __tablename__ = "login_throttle"

    # SHA-256 of the normalised username: the key is the name that was typed.
    username_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The client address (an IPv6 client: its /64).
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    failures: Mapped[int] = mapped_column(default=0)
    window_started: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

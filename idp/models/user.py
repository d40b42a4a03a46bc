"""People (business identities) and their login means (authenticators)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import AuthenticatorStatus, UserStatus
from .org import Organisation
from .types import UTCDateTime, utcnow


class User(db.Model):  # type: ignore[name-defined]
    """A business identity."""

    __tablename__ = "user_account"
    __table_args__ = (
        UniqueConstraint("org_id", "rid"),
        # The admin's listings: one organisation, one status, by username.
        Index("ix_user_account_org_status_username", "org_id", "status", "username"),
        # Their counts and the sort by status; then one per sort, each page from the index
        # (migration e7b3d9f1a5c8, which also makes the substring-search index outside the
        # models: a trigram GIN index on PostgreSQL, the FTS5 table user_search on SQLite).
        Index("ix_user_account_org_status", "org_id", "status", "id"),
        *(
            Index(f"ix_user_account_org_{column}", "org_id", column, "id", "status")
            for column in ("name", "username", "email", "rid", "created_at")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    # imported -> pending_activation -> active -> suspended | revoked
    status: Mapped[str] = mapped_column(String(24), default=UserStatus.ACTIVE)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), index=True)
    email_verified: Mapped[bool] = mapped_column(default=False)
    # Legacy (NemID employee signature) RID, unique within the organisation.
    rid: Mapped[str | None] = mapped_column(String(40))
    # CPR number, encrypted at rest (AES-GCM, like authenticator secrets); never logged.
    cpr_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The login means chosen at activation (app | code_display), or a hint from the import.
    login_means: Mapped[str | None] = mapped_column(String(16))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the last activation link was mailed: the resend throttle is one guarded UPDATE on it.
    link_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Low | Substantial | High, or None when no identity proofing has been recorded.
    identity_level: Mapped[str | None] = mapped_column(String(16))
    # Rights: privilege URNs, scoped to the organisation's CVR when issued.
    privileges: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Administrative roles in the organisation: user_admin | registrar | org_admin
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lock_count: Mapped[int] = mapped_column(default=0)
    # When the organisation's administrators were last told that this account is attacked.
    attack_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Authenticator(db.Model):  # type: ignore[name-defined]
    """A login means besides the password: authenticator app or code display.

    Code displays are also the hardware inventory: imported ``in_stock`` with no user, then
    ``assigned`` to a person, ``active`` once bound by serial number and a current code, and
    finally ``revoked``. Apps go ``assigned`` (enrolment shown, expires unless confirmed) ->
    ``active`` -> ``revoked``.
    """

    __tablename__ = "authenticator"
    __table_args__ = (
        Index("ix_authenticator_user_status", "user_id", "status"),
        UniqueConstraint("org_id", "serial"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    type: Mapped[str] = mapped_column(String(16))  # LoginMeans: app | code_display
    # in_stock | assigned | active | revoked
    status: Mapped[str] = mapped_column(String(16), default=AuthenticatorStatus.ASSIGNED)
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    algorithm: Mapped[str] = mapped_column(String(8), default="SHA1")
    digits: Mapped[int] = mapped_column(default=6)
    period: Mapped[int] = mapped_column(default=30)
    t0: Mapped[int] = mapped_column(default=0)
    serial: Mapped[str | None] = mapped_column(String(64))
    # Replay guard: the last accepted time step; only later steps are accepted.
    last_time_step: Mapped[int | None] = mapped_column()
    drift_steps: Mapped[int] = mapped_column(default=0)
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lock_count: Mapped[int] = mapped_column(default=0)
    # An unconfirmed app enrolment stops being usable at this time.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str | None] = mapped_column(String(200))  # import file, for code displays
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Search indexes the models do not describe (migration e7b3d9f1a5c8): the PostgreSQL trigram
# index and SQLite's FTS5 table with its shadow tables.
OUTSIDE_MODELS = ("ix_user_account_search", "user_search")


def described_by_models(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's ``include_object``: leave the search indexes out of schema comparisons."""
    return not (reflected and name is not None and name.startswith(OUTSIDE_MODELS))

"""Relying parties, browser sessions, authorization codes, tokens and consents."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class Client(db.Model):  # type: ignore[name-defined]
    """A relying party."""

    __tablename__ = "oauth_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 hex digest of a >= 256-bit random secret; None for public clients.
    client_secret_hash: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    grant_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope: Mapped[str] = mapped_column(Text, default="openid")
    # client_secret_basic | client_secret_post | none
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(32))
    require_pkce: Mapped[bool] = mapped_column(default=True)
    # Set only by the operator (CLI); skips consent for the client's own organisation's people.
    first_party: Mapped[bool] = mapped_column(default=False)
    # Whose people may log in to an organisation's service: its own always; also any
    # organisation, or the organisations listed by CVR. Ignored for operator clients (org_id
    # NULL), which everyone may use.
    allow_any_org: Mapped[bool] = mapped_column(default=False)
    allowed_org_cvrs: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject_type: Mapped[str] = mapped_column(String(16), default="public")
    sector_identifier: Mapped[str | None] = mapped_column(String(255))
    id_token_signed_response_alg: Mapped[str | None] = mapped_column(String(8))
    # Shown on the consent page (OIDC Dynamic Client Registration 1.0 §2 metadata names).
    logo_uri: Mapped[str | None] = mapped_column(String(512))
    policy_uri: Mapped[str | None] = mapped_column(String(512))
    tos_uri: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClientVersion(db.Model):  # type: ignore[name-defined]
    """One row: a random value the database's own triggers change with every change to
    ``oauth_client`` (migration a9e3f5c7b1d2), so a node's client cache knows when to reload.
    Derived state: not backed up or restored (a restore's inserts change it anyway)."""

    __tablename__ = "client_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[str] = mapped_column(String(32))


class BrowserSession(db.Model):  # type: ignore[name-defined]
    """A login at the IdP; the cookie carries only a random id, stored here hashed."""

    __tablename__ = "browser_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime)
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    aal: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuthorizationCode(db.Model):  # type: ignore[name-defined]
    __tablename__ = "authorization_code"
    __table_args__ = (Index("ix_authorization_code_client_nonce", "client_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(String(36))
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("browser_session.id"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    nonce: Mapped[str | None] = mapped_column(String(255))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(8))
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime)
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    ial: Mapped[str | None] = mapped_column(String(16))
    aal: Mapped[str | None] = mapped_column(String(16))
    acr: Mapped[str | None] = mapped_column(String(80))
    claims_request: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def _where_set(name: str, column: str, *, unique: bool = False) -> Index:
    """An index of the rows where ``column`` is not NULL (PostgreSQL and SQLite alike)."""
    where = text(f"{column} IS NOT NULL")
    return Index(name, column, unique=unique, postgresql_where=where, sqlite_where=where)


class Token(db.Model):  # type: ignore[name-defined]
    """An access token and, optionally, its refresh token (both stored as SHA-256).

    The indexes on the person, the browser session and the refresh token hold only the rows
    that have one: a client_credentials token (none of the three) is one insert into the
    table and its two remaining indexes (migration c4e6a8b0d2f1)."""

    __tablename__ = "oauth_token"
    __table_args__ = (
        _where_set("ix_oauth_token_user_id", "user_id"),
        _where_set("ix_oauth_token_session_id", "session_id"),
        _where_set("uq_oauth_token_refresh_token_hash", "refresh_token_hash", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # All tokens descending from one authorization code (or one client_credentials grant)
    # share a family; reuse of a rotated refresh token revokes the whole family.
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("browser_session.id"))
    scope: Mapped[str] = mapped_column(Text, default="")
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    auth_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    ial: Mapped[str | None] = mapped_column(String(16))
    aal: Mapped[str | None] = mapped_column(String(16))
    acr: Mapped[str | None] = mapped_column(String(80))


class Consent(db.Model):  # type: ignore[name-defined]
    """A person's remembered consent for one client and one set of scopes."""

    __tablename__ = "consent"
    __table_args__ = (UniqueConstraint("user_id", "client_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(Text)  # space separated, sorted
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Access and refresh tokens: issued hashed, found, rotated and revoked by family.

Refresh tokens rotate on use; a reused one revokes its whole family (RFC 9700 §4.14.2), as a
reused authorization code does (:mod:`.codes`). Consent is :mod:`.consent`, the ``sub`` a
client sees :mod:`.subjects`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from ...extensions import db
from ...models import AuthorizationCode, Token
from ...models.types import utcnow
from .. import audit
from ..platform.runtime import settings
from ..platform.secrets import digest
from ..platform.single_use import consume_once


@dataclass
class AuthContext:
    """How the person authenticated, carried from the session into codes and tokens."""

    auth_time: datetime | None = None
    amr: list[str] = field(default_factory=list)
    ial: str | None = None
    aal: str | None = None
    acr: str | None = None
    session_id: int | None = None


# -- tokens ----------------------------------------------------------------------------------
def store_token(
    token: dict[str, Any],
    *,
    client_id: str,
    user_id: int | None,
    family_id: str | None,
    context: AuthContext,
) -> Token:
    """Store an issued access token (and refresh token) hashed, in a family, with the login
    context they carry. Commits."""
    now = utcnow()
    refresh = token.get("refresh_token")
    row = Token(
        family_id=family_id or str(uuid.uuid4()),
        client_id=client_id,
        user_id=user_id,
        session_id=context.session_id,
        scope=token.get("scope", ""),
        access_token_hash=digest(token["access_token"]),
        refresh_token_hash=digest(refresh) if refresh else None,
        issued_at=now,
        expires_at=now + timedelta(seconds=int(token["expires_in"])),
        refresh_expires_at=(
            now + timedelta(seconds=settings().refresh_token_lifetime) if refresh else None
        ),
        auth_time=context.auth_time,
        amr=context.amr,
        ial=context.ial,
        aal=context.aal,
        acr=context.acr,
    )
    db.session.add(row)
    db.session.commit()
    return row


def context_of(row: Token | AuthorizationCode) -> AuthContext:
    """How the person logged in, as a code or token row carries it."""
    return AuthContext(
        auth_time=row.auth_time,
        amr=list(row.amr or []),
        ial=row.ial,
        aal=row.aal,
        acr=row.acr,
        session_id=row.session_id,
    )


def token_is_active(row: Token, now: datetime | None = None) -> bool:
    """An access token is active until it expires or is revoked."""
    now = now or utcnow()
    return row.revoked_at is None and row.expires_at > now


def find_access_token(raw: str) -> Token | None:
    """The token row for a raw access token, active or not (callers check)."""
    return db.session.execute(
        select(Token).where(Token.access_token_hash == digest(raw))
    ).scalar_one_or_none()


def find_refresh_token(raw: str) -> Token | None:
    """The token row for a raw refresh token, usable or not (callers check)."""
    return db.session.execute(
        select(Token).where(Token.refresh_token_hash == digest(raw))
    ).scalar_one_or_none()


def refresh_token_usable(row: Token) -> bool:
    """A refresh token is usable once, before its expiry, while its family is not revoked
    and, unless it was granted for offline access, while the login session lives."""
    now = utcnow()
    if row.revoked_at is not None or row.refresh_used_at is not None:
        return False
    if row.refresh_expires_at is None or row.refresh_expires_at <= now:
        return False
    if row.session_id is not None and "offline_access" not in row.scope.split():
        from ..sessions import session_is_live

        return session_is_live(row.session_id, now)
    return True


def take_refresh_token(raw: str, client_id: str) -> Token | None:
    """Consume a refresh token for rotation. Reuse of a rotated one revokes its family."""
    row = find_refresh_token(raw)
    if row is None or row.client_id != client_id:
        return None
    if row.refresh_used_at is not None:
        revoke_family(row.family_id)
        audit.record(
            "oauth.refresh_reused",
            actor="system",
            target=client_id,
            details={"family": row.family_id},
        )
        db.session.commit()
        return None
    if not refresh_token_usable(row):
        return None
    if not consume_once(Token, row.id, Token.refresh_used_at):
        db.session.rollback()
        revoke_family(row.family_id)
        db.session.commit()
        return None
    db.session.commit()
    return row


def revoke_family(family_id: str) -> None:
    """Revoke every token of a family (the caller commits)."""
    db.session.execute(
        update(Token)
        .where(Token.family_id == family_id, Token.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def find_token(raw: str, hint: str | None) -> tuple[Token, str] | None:
    """The token row a presented string names, and which kind it matched. RFC 7009 §2.1: the
    hint only says where to look first; refresh tokens are looked up first by default."""
    order = ["refresh_token", "access_token"]
    if hint == "access_token":
        order.reverse()
    for kind in order:
        row = find_refresh_token(raw) if kind == "refresh_token" else find_access_token(raw)
        if row is not None:
            return row, kind
    return None


def revoke(row: Token, kind: str) -> None:
    """RFC 7009 §2.1: revoking a refresh token also revokes the access tokens of the same
    grant (its family); revoking an access token revokes just that one."""
    if kind == "refresh_token":
        revoke_family(row.family_id)
    else:
        db.session.execute(update(Token).where(Token.id == row.id).values(revoked_at=utcnow()))
    db.session.commit()


def revoke_session_tokens(session_id: int) -> None:
    """At logout: revoke the session's tokens, except those granted for offline access."""
    rows = db.session.execute(
        select(Token).where(Token.session_id == session_id, Token.revoked_at.is_(None))
    ).scalars()
    now = utcnow()
    for row in rows:
        if "offline_access" not in row.scope.split():
            row.revoked_at = now
    db.session.commit()


def purge_expired(before: datetime | None = None) -> int:
    """Delete codes and tokens that expired more than a day ago."""
    cutoff = before or utcnow() - timedelta(days=1)
    n = db.session.execute(
        delete(AuthorizationCode).where(AuthorizationCode.expires_at < cutoff)
    ).rowcount  # type: ignore[attr-defined]
    n += db.session.execute(
        delete(Token).where(
            Token.expires_at < cutoff,
            (Token.refresh_expires_at.is_(None)) | (Token.refresh_expires_at < cutoff),
        )
    ).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    return int(n)

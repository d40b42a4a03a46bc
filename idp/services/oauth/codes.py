"""Authorization codes: saved hashed, consumed once (RFC 6749 §4.1.2: a reused code revokes
the tokens it issued), and nonces that may not be replayed (OIDC Core §3.1.2.1)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ...extensions import db
from ...models import AuthorizationCode
from ...models.types import utcnow
from .. import audit
from ..platform.runtime import settings
from ..platform.secrets import digest
from ..platform.single_use import consume_once
from .tokens import AuthContext, revoke_family


def save_authorization_code(
    code: str,
    *,
    client_id: str,
    user_id: int,
    redirect_uri: str,
    scope: str,
    nonce: str | None,
    code_challenge: str | None,
    code_challenge_method: str | None,
    context: AuthContext,
    claims_request: dict[str, Any] | None = None,
) -> AuthorizationCode:
    """Store a new code (hashed) with what it grants and how the person logged in; it expires
    after ``authorization_code_lifetime``. Commits."""
    now = utcnow()
    row = AuthorizationCode(
        code_hash=digest(code),
        family_id=str(uuid.uuid4()),
        client_id=client_id,
        user_id=user_id,
        session_id=context.session_id,
        redirect_uri=redirect_uri,
        scope=scope,
        nonce=nonce,
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
        auth_time=context.auth_time or now,
        amr=context.amr,
        ial=context.ial,
        aal=context.aal,
        acr=context.acr,
        claims_request=claims_request,
        expires_at=now + timedelta(seconds=settings().authorization_code_lifetime),
    )
    db.session.add(row)
    db.session.commit()
    return row


def consume_authorization_code(code: str, client_id: str) -> AuthorizationCode | None:
    """Take a code for one redemption. Returns None when it is unknown, expired, of another
    client or used before; a second redemption revokes every token the code issued."""
    row = db.session.execute(
        select(AuthorizationCode).where(AuthorizationCode.code_hash == digest(code))
    ).scalar_one_or_none()
    if row is None or row.client_id != client_id:
        return None
    now = utcnow()
    if row.used_at is not None:
        _revoke_reused_code(row)
        return None
    if row.expires_at <= now:
        return None
    if not consume_once(AuthorizationCode, row.id, AuthorizationCode.used_at):
        db.session.rollback()
        _revoke_reused_code(row)
        return None
    db.session.commit()
    return row


def _revoke_reused_code(row: AuthorizationCode) -> None:
    # RFC 6749 §4.1.2 / RFC 9700 §4.5.3: a code used twice revokes the tokens it issued.
    revoke_family(row.family_id)
    audit.record(
        "oauth.code_reused", actor="system", target=row.client_id, details={"family": row.family_id}
    )
    db.session.commit()


def nonce_used(client_id: str, nonce: str) -> bool:
    """Whether the client already used this nonce in an earlier code (no replay)."""
    return (
        db.session.execute(
            select(AuthorizationCode.id)
            .where(AuthorizationCode.client_id == client_id, AuthorizationCode.nonce == nonce)
            .limit(1)
        ).first()
        is not None
    )

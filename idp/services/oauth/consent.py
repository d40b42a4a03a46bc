"""Consent: which scopes a person has granted a client, remembered per client and scope set;
withdrawing it revokes the client's tokens for the person."""

from __future__ import annotations

from sqlalchemy import select, update

from ...extensions import db
from ...models import Client, Consent, Token, User
from ...models.types import utcnow
from .. import audit
from ..clients import skips_consent


def _scope_key(scope: str) -> str:
    return " ".join(sorted(set(scope.split())))


def has_consent(user: User, client: Client, scope: str) -> bool:
    """Whether the person has consented to these scopes for this client (or needs not)."""
    if skips_consent(client, user):
        return True
    wanted = set(scope.split())
    for row in db.session.execute(
        select(Consent).where(Consent.user_id == user.id, Consent.client_id == client.client_id)
    ).scalars():
        if wanted <= set(row.scope.split()):
            return True
    return False


def grant_consent(user: User, client: Client, scope: str) -> None:
    """Remember that the person consented to these scopes for the client (audited once)."""
    key = _scope_key(scope)
    exists = db.session.execute(
        select(Consent.id).where(
            Consent.user_id == user.id, Consent.client_id == client.client_id, Consent.scope == key
        )
    ).first()
    if not exists:
        db.session.add(Consent(user_id=user.id, client_id=client.client_id, scope=key))
        audit.record(
            "consent.granted",
            actor=user.username,
            org_id=user.org_id,
            target=client.client_id,
            details={"scope": key},
        )
        db.session.commit()


def list_consents(user: User) -> list[Consent]:
    """The person's consents, oldest first (the account page lists them)."""
    return list(
        db.session.execute(
            select(Consent).where(Consent.user_id == user.id).order_by(Consent.granted_at)
        ).scalars()
    )


def revoke_consent(user: User, consent_id: int) -> bool:
    """Withdraw a consent; the client's tokens for this person are revoked with it."""
    row = db.session.get(Consent, consent_id)
    if row is None or row.user_id != user.id:
        return False
    db.session.delete(row)
    db.session.execute(
        update(Token)
        .where(
            Token.user_id == user.id, Token.client_id == row.client_id, Token.revoked_at.is_(None)
        )
        .values(revoked_at=utcnow())
    )
    audit.record(
        "consent.revoked",
        actor=user.username,
        org_id=user.org_id,
        target=row.client_id,
        details={"scope": row.scope},
    )
    db.session.commit()
    return True

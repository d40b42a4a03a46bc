"""A person's login means besides the password, as records: which they hold, which is live,
the level they reach, activation (one live means at a time), revocation and re-encryption.

The rules live beside it: app enrolment in :mod:`.app_enrolment`, code displays held by people
in :mod:`.code_display`, the stock in :mod:`.inventory`, checking a code (replay guard, drift,
lockout, unlock) in :mod:`.verification`. Secrets are encrypted at rest (``seal``) and opened
only to check a code or to re-encrypt.
"""

from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...models import Authenticator, User
from ...models.enums import AuthenticatorStatus, NsisLevel
from ...models.types import utcnow
from .. import audit
from ..platform.runtime import secretbox

# Associated data binds a ciphertext to its purpose (a TOTP seed, not some other secret).
_AAD = b"idp:authenticator-secret"
LIVE = (AuthenticatorStatus.ASSIGNED, AuthenticatorStatus.ACTIVE)


def seal(secret: bytes) -> bytes:
    """Encrypt an authenticator secret for storage, bound to its purpose."""
    return secretbox().encrypt(secret, _AAD)


def open_secret(auth: Authenticator) -> bytes:
    """The authenticator's secret in clear, to check a code (never shown after enrolment)."""
    return secretbox().decrypt(auth.secret_encrypted, _AAD)


# -- lookups ---------------------------------------------------------------------------------
def active_authenticator(user: User) -> Authenticator | None:
    """The person's live login means, if they have one."""
    return db.session.execute(
        select(Authenticator)
        .where(Authenticator.user_id == user.id, Authenticator.status == AuthenticatorStatus.ACTIVE)
        .order_by(Authenticator.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def authenticators_of(user: User) -> list[Authenticator]:
    """Every login means the person has had, oldest first."""
    return list(
        db.session.execute(
            select(Authenticator).where(Authenticator.user_id == user.id).order_by(Authenticator.id)
        ).scalars()
    )


def best_aal(user: User) -> str:
    """The strongest authenticator level the person can reach with the means they hold."""
    return NsisLevel.SUBSTANTIAL if active_authenticator(user) is not None else NsisLevel.LOW


def activate(user: User, auth: Authenticator, *, actor: str) -> None:
    """Make ``auth`` the person's one live means: an earlier active one is revoked, in the
    same transaction (commits)."""
    now = utcnow()
    for other in authenticators_of(user):
        if other.id != auth.id and other.status == AuthenticatorStatus.ACTIVE:
            other.status = AuthenticatorStatus.REVOKED
            other.revoked_at = now
    auth.status = AuthenticatorStatus.ACTIVE
    auth.activated_at = now
    auth.expires_at = None
    audit.record(
        "authenticator.activated",
        actor=actor,
        org_id=user.org_id,
        target=user.username,
        details={"type": auth.type, "serial": auth.serial},
    )
    db.session.commit()


def revoke_all(user: User, *, actor: str) -> int:
    """Revoke every live login means of a person (lost, broken, left)."""
    now = utcnow()
    count = 0
    for auth in authenticators_of(user):
        if auth.status in LIVE:
            auth.status = AuthenticatorStatus.REVOKED
            auth.revoked_at = now
            count += 1
            audit.record(
                "authenticator.revoked",
                actor=actor,
                org_id=user.org_id,
                target=user.username,
                details={"type": auth.type, "serial": auth.serial},
            )
    db.session.commit()
    return count


def reencrypt_all(*, actor: str) -> int:
    """Re-seal every authenticator secret under the newest encryption key version, so an
    older key can then be removed from ``secret_encryption_keys``. One transaction."""
    box = secretbox()
    count = 0
    for auth in db.session.execute(select(Authenticator)).scalars():
        if auth.secret_encrypted[0] != box.current_version:
            auth.secret_encrypted = box.encrypt(box.decrypt(auth.secret_encrypted, _AAD), _AAD)
            count += 1
    audit.record(
        "authenticators.reencrypted",
        actor=actor,
        details={"count": count, "key_version": box.current_version},
    )
    db.session.commit()
    return count

"""Login means besides the password. Here: TOTP verification with a database replay guard.

NIST SP 800-63B §5.1.4.2 / §5.1.5.2: each accepted time step is single-use per authenticator,
enforced by an atomic UPDATE so that two processes or app nodes cannot both accept it.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from datetime import timedelta

import pyotp
from sqlalchemy import or_, select, update

from ..extensions import db
from ..models import Authenticator, User
from ..models.types import utcnow
from . import audit
from .runtime import secretbox

DIGESTS = {"SHA1": "sha1", "SHA256": "sha256", "SHA512": "sha512"}


def new_totp_secret() -> str:
    """A 160-bit random base32 secret (RFC 4226 §4 recommends 160 bits)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


# Associated data binds a ciphertext to its purpose (a TOTP seed, not some other secret).
_AAD = b"idp:authenticator-secret"


def enrol_totp_app(user: User, *, activate: bool, actor: str, secret: str | None = None) -> str:
    """Give ``user`` an authenticator app secret; returns the base32 secret (shown once)."""
    secret = secret or new_totp_secret()
    auth = Authenticator(
        user_id=user.id,
        type="totp_app",
        status="active" if activate else "assigned",
        secret_encrypted=secretbox().encrypt(secret.encode(), _AAD),
        algorithm="SHA1",
        digits=6,
        period=30,
        activated_at=utcnow() if activate else None,
    )
    db.session.add(auth)
    db.session.flush()
    audit.record(
        "authenticator.enrolled",
        actor=actor,
        org_id=user.org_id,
        target=user.username,
        details={"type": "totp_app", "status": auth.status},
    )
    return secret


def active_authenticator(user: User) -> Authenticator | None:
    return db.session.execute(
        select(Authenticator)
        .where(Authenticator.user_id == user.id, Authenticator.status == "active")
        .order_by(Authenticator.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _secret(auth: Authenticator) -> str:
    return secretbox().decrypt(auth.secret_encrypted, _AAD).decode()


def _code_at(auth: Authenticator, secret: str, step: int) -> str:
    totp = pyotp.TOTP(
        secret, digits=auth.digits, digest=DIGESTS[auth.algorithm], interval=auth.period
    )
    return totp.generate_otp(step)


def verify_code(
    auth: Authenticator, code: str, *, now: float | None = None, window: int = 1
) -> bool:
    """Check a code against the authenticator and consume its time step.

    Accepts steps within ``window`` of the tracked drift, never a step at or before the last
    accepted one. The caller commits.
    """
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != auth.digits:
        return False
    now = time.time() if now is None else now
    current = int((now - auth.t0) // auth.period)
    secret = _secret(auth)
    matched: int | None = None
    for offset in range(-window, window + 1):
        step = current + auth.drift_steps + offset
        # Compare every candidate (constant-time compare, no early exit on match).
        if hmac.compare_digest(_code_at(auth, secret, step), code) and matched is None:
            matched = step
    if matched is None:
        return False
    consumed = db.session.execute(
        update(Authenticator)
        .where(
            Authenticator.id == auth.id,
            or_(Authenticator.last_time_step.is_(None), Authenticator.last_time_step < matched),
        )
        .values(last_time_step=matched, failed_attempts=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    return consumed.rowcount == 1  # type: ignore[attr-defined]


def is_locked(auth: Authenticator) -> bool:
    return auth.locked_until is not None and auth.locked_until > utcnow()


def record_failure(auth: Authenticator, max_failures: int = 5) -> None:
    auth.failed_attempts += 1
    if auth.failed_attempts >= max_failures:
        auth.locked_until = utcnow() + timedelta(minutes=5)

"""Authenticator app enrolment: a new secret shown once (QR code and grouped base32), confirmed
by one current code; the operator's bootstrap enrolment."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlencode

import segno
from sqlalchemy import select, update

from ...extensions import db
from ...models import Authenticator, User
from ...models.enums import AuthenticatorStatus, LoginMeans
from ...models.types import utcnow
from .. import audit
from ..errors import N_, NotFound
from ..platform.runtime import settings
from . import otp
from .authenticators import activate, seal
from .verification import check_code


@dataclass(frozen=True)
class AppEnrolment:
    """What a person needs to add the secret to an authenticator app (shown once)."""

    authenticator_id: int
    secret_base32: str
    otpauth_uri: str
    qr_svg: str

    @property
    def grouped_secret(self) -> str:
        text = self.secret_base32
        return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def start_app_enrolment(user: User, *, actor: str) -> AppEnrolment:
    """Create an ``assigned`` app authenticator with a new 160-bit secret (RFC 4226 §4).

    It becomes active only when the person types a current code (:func:`confirm_app`), and
    expires after ``app_enrolment_hours`` if they do not. Earlier unconfirmed enrolments of
    the person are dropped.
    """
    secret = secrets.token_bytes(20)
    db.session.execute(
        update(Authenticator)
        .where(
            Authenticator.user_id == user.id,
            Authenticator.type == LoginMeans.APP,
            Authenticator.status == AuthenticatorStatus.ASSIGNED,
        )
        .values(status=AuthenticatorStatus.REVOKED, revoked_at=utcnow())
    )
    auth = Authenticator(
        org_id=user.org_id,
        user_id=user.id,
        type=LoginMeans.APP,
        status=AuthenticatorStatus.ASSIGNED,
        secret_encrypted=seal(secret),
        expires_at=utcnow() + timedelta(hours=settings().app_enrolment_hours),
    )
    db.session.add(auth)
    db.session.flush()
    audit.record(
        "authenticator.app_enrolment_started",
        actor=actor,
        org_id=user.org_id,
        target=user.username,
    )
    db.session.commit()
    return _enrolment_view(user, auth, secret)


def _enrolment_view(user: User, auth: Authenticator, secret: bytes) -> AppEnrolment:
    issuer = user.organisation.name
    label = quote(f"{issuer}:{user.username}")
    query = urlencode(
        {
            "secret": otp.to_base32(secret),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": auth.digits,
            "period": auth.period,
        },
        quote_via=quote,
    )
    uri = f"otpauth://totp/{label}?{query}"
    # Inline SVG, made here: no external QR service ever sees the secret.
    svg = segno.make(uri, error="m").svg_inline(scale=4, title="QR code")
    return AppEnrolment(auth.id, otp.to_base32(secret), uri, svg)


def confirm_app(user: User, code: str, *, actor: str) -> Authenticator:
    """Activate the person's pending app enrolment with one current code.

    A previously active login means of the person is revoked in the same transaction.
    """
    auth = db.session.execute(
        select(Authenticator)
        .where(
            Authenticator.user_id == user.id,
            Authenticator.type == LoginMeans.APP,
            Authenticator.status == AuthenticatorStatus.ASSIGNED,
        )
        .order_by(Authenticator.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if auth is None or (auth.expires_at is not None and auth.expires_at <= utcnow()):
        raise NotFound(N_("There is no app enrolment waiting. Start again."))
    check_code(auth, code, actor=actor)
    activate(user, auth, actor=actor)
    return auth


def enrol_totp_app(user: User, *, activate: bool, actor: str) -> str:
    """Operator bootstrap (``idp users create --totp``): an app secret, returned as base32."""
    secret = secrets.token_bytes(20)
    auth = Authenticator(
        org_id=user.org_id,
        user_id=user.id,
        type=LoginMeans.APP,
        status=AuthenticatorStatus.ACTIVE if activate else AuthenticatorStatus.ASSIGNED,
        secret_encrypted=seal(secret),
        activated_at=utcnow() if activate else None,
    )
    db.session.add(auth)
    db.session.flush()
    audit.record(
        "authenticator.enrolled",
        actor=actor,
        org_id=user.org_id,
        target=user.username,
        details={"type": LoginMeans.APP, "status": auth.status},
    )
    return otp.to_base32(secret)

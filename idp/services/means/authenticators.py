"""Login means besides the password: authenticator apps and code displays.

Verification rules (NIST SP 800-63B §5.1.4.2, §5.1.5.2, §5.2.2):
- each accepted time step is single-use per authenticator, enforced by an atomic UPDATE in the
  database, so that two processes or app nodes cannot both accept it;
- consecutive failures are counted per authenticator; after ``otp_max_failures`` it is locked
  for a period that doubles with each lock; success resets the counter. A code is checked
  only after the right password (login) or in a session or activation link of the person, so
  nobody can lock someone's means by knowing the username alone;
- an app's code is looked for one step either way of now; a code display's around its
  tracked drift, bounded by ``otp_bind_window_steps`` (RFC 6238 §5.2);
- secrets are encrypted at rest and never leave this module after enrolment.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlencode

import segno
from sqlalchemy import or_, select, update

from ...extensions import db
from ...models import Authenticator, User
from ...models.types import utcnow
from .. import audit
from ..errors import N_, AccountLocked, Conflict, InvalidInput, NotFound
from ..platform import clock
from ..platform.runtime import secretbox, settings
from . import otp

# Associated data binds a ciphertext to its purpose (a TOTP seed, not some other secret).
_AAD = b"idp:authenticator-secret"
LIVE = ("assigned", "active")


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


def seal(secret: bytes) -> bytes:
    return secretbox().encrypt(secret, _AAD)


def _secret(auth: Authenticator) -> bytes:
    return secretbox().decrypt(auth.secret_encrypted, _AAD)


# -- lookups ---------------------------------------------------------------------------------
def active_authenticator(user: User) -> Authenticator | None:
    return db.session.execute(
        select(Authenticator)
        .where(Authenticator.user_id == user.id, Authenticator.status == "active")
        .order_by(Authenticator.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def authenticators_of(user: User) -> list[Authenticator]:
    return list(
        db.session.execute(
            select(Authenticator).where(Authenticator.user_id == user.id).order_by(Authenticator.id)
        ).scalars()
    )


def best_aal(user: User) -> str:
    """The strongest authenticator level the person can reach with the means they hold."""
    return "Substantial" if active_authenticator(user) is not None else "Low"


def is_locked(auth: Authenticator) -> bool:
    return auth.locked_until is not None and auth.locked_until > utcnow()


# -- authenticator app -----------------------------------------------------------------------
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
            Authenticator.type == "totp_app",
            Authenticator.status == "assigned",
        )
        .values(status="revoked", revoked_at=utcnow())
    )
    auth = Authenticator(
        org_id=user.org_id,
        user_id=user.id,
        type="totp_app",
        status="assigned",
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
            Authenticator.type == "totp_app",
            Authenticator.status == "assigned",
        )
        .order_by(Authenticator.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if auth is None or (auth.expires_at is not None and auth.expires_at <= utcnow()):
        raise NotFound(N_("There is no app enrolment waiting. Start again."))
    _check_code(auth, code, actor=actor)
    _activate(user, auth, actor=actor)
    return auth


# -- code displays ---------------------------------------------------------------------------
def bind_code_display(user: User, serial: str, code: str, *, actor: str) -> Authenticator:
    """Bind a code display by the serial number on its back and one current code.

    The first code may be up to ``otp_bind_window_steps`` away (the token drifted in stock);
    the measured drift is stored and later logins look one step around it, never beyond
    ``otp_bind_window_steps`` of real time.
    """
    auth = find_code_display(user.org_id, serial)
    usable = auth is not None and (
        auth.status == "in_stock" or (auth.status == "assigned" and auth.user_id == user.id)
    )
    if auth is None or not usable:
        # Same words whether the serial is unknown, revoked or someone else's.
        raise InvalidInput(N_("That serial number and code do not match a code display for you."))
    _check_code(auth, code, actor=actor, binding=True)
    auth.user_id = user.id
    _activate(user, auth, actor=actor)
    return auth


def assign_code_display(user: User, serial: str, *, actor: str) -> Authenticator:
    """Reserve an in-stock code display for a person (they bind it with a code later)."""
    auth = _code_display_by_serial(user.org_id, serial)
    if auth.status != "in_stock":
        raise Conflict(
            N_("Code display %(serial)s is %(status)s, not in stock"),
            serial=serial,
            status=auth.status,
        )
    auth.status = "assigned"
    auth.user_id = user.id
    audit.record(
        "authenticator.assigned",
        actor=actor,
        org_id=user.org_id,
        target=user.username,
        details={"serial": auth.serial},
    )
    db.session.commit()
    return auth


def find_code_display(org_id: int, serial: str) -> Authenticator | None:
    """The organisation's code display with this serial number (as printed on its back)."""
    return db.session.execute(
        select(Authenticator).where(
            Authenticator.org_id == org_id,
            Authenticator.type == "code_display",
            Authenticator.serial == serial.strip(),
        )
    ).scalar_one_or_none()


def _code_display_by_serial(org_id: int, serial: str) -> Authenticator:
    auth = find_code_display(org_id, serial)
    if auth is None:
        raise NotFound(N_("No code display with serial number %(serial)s"), serial=serial)
    return auth


def _activate(user: User, auth: Authenticator, *, actor: str) -> None:
    now = utcnow()
    for other in authenticators_of(user):
        if other.id != auth.id and other.status == "active":
            other.status = "revoked"
            other.revoked_at = now
    auth.status = "active"
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


# -- verification ----------------------------------------------------------------------------
def verify_login_code(user: User, code: str) -> Authenticator:
    """Check a login code against the person's active login means; raises on failure.

    Raises :class:`AccountLocked` while the means is locked, :class:`InvalidInput` for a
    wrong or replayed code. Commits the counters either way.
    """
    auth = active_authenticator(user)
    if auth is None:
        raise InvalidInput(N_("No active login means"))
    _check_code(auth, code, actor=user.username)
    return auth


def _search(auth: Authenticator, current: int, *, binding: bool) -> tuple[int, int, int]:
    """Where a code may come from: (centre, window, bound) with steps limited to
    ``current ± bound``.

    - An authenticator app runs on the phone's clock: one step either way of now for network
      and typing delay, and no stored drift (RFC 6238 §5.2), so logins cannot walk the window.
    - A code display drifts on its own clock: binding looks ``otp_bind_window_steps`` either
      way and stores the drift it found; a login looks one step around that drift, but never
      beyond ``otp_bind_window_steps`` of real time.
    """
    bound = settings().otp_bind_window_steps
    if auth.type != "code_display":
        return current, 1, 1
    if binding:
        return current, bound, bound
    return current + max(-bound, min(bound, auth.drift_steps)), 1, bound


def _check_code(auth: Authenticator, code: str, *, actor: str, binding: bool = False) -> None:
    if is_locked(auth):
        raise AccountLocked(
            N_(
                "Your login means is locked after too many wrong codes. Try again later or ask "
                "your administrator to unlock it."
            )
        )
    current = otp.time_step(clock.now(), period=auth.period, t0=auth.t0)
    centre, window, bound = _search(auth, current, binding=binding)
    matched = otp.matching_step(
        _secret(auth),
        code,
        centre,
        window,
        digits=auth.digits,
        algorithm=auth.algorithm,
        within=(current - bound, current + bound),
    )
    drift = matched - current if matched is not None and auth.type == "code_display" else 0
    if matched is not None and _consume_step(auth, matched, drift=drift):
        db.session.commit()
        db.session.refresh(auth)
        return
    db.session.rollback()
    _count_failure(auth, actor)
    raise InvalidInput(N_("The code is not right."))


def _consume_step(auth: Authenticator, step: int, drift: int) -> bool:
    """Accept ``step`` once: only a step after the last accepted one (atomic, all nodes)."""
    result = db.session.execute(
        update(Authenticator)
        .where(
            Authenticator.id == auth.id,
            or_(Authenticator.last_time_step.is_(None), Authenticator.last_time_step < step),
        )
        .values(
            last_time_step=step,
            drift_steps=drift,
            failed_attempts=0,
            locked_until=None,
            lock_count=0,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def _count_failure(auth: Authenticator, actor: str) -> None:
    cfg = settings()
    db.session.execute(
        update(Authenticator)
        .where(Authenticator.id == auth.id)
        .values(failed_attempts=Authenticator.failed_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(auth)
    if auth.failed_attempts >= cfg.otp_max_failures:
        seconds = cfg.otp_lock_seconds * (2 ** min(auth.lock_count, 10))
        auth.locked_until = utcnow() + timedelta(seconds=seconds)
        auth.lock_count += 1
        auth.failed_attempts = 0
        audit.record(
            "authenticator.locked",
            actor=actor,
            org_id=auth.org_id,
            target=str(auth.user_id),
            details={"type": auth.type, "serial": auth.serial, "seconds": seconds},
        )
    db.session.commit()


# -- administration --------------------------------------------------------------------------
def unlock(user: User, *, actor: str) -> Authenticator:
    auth = active_authenticator(user)
    if auth is None:
        raise NotFound(N_("%(username)s has no active login means"), username=user.username)
    auth.failed_attempts = 0
    auth.locked_until = None
    auth.lock_count = 0
    audit.record(
        "authenticator.unlocked",
        actor=actor,
        org_id=user.org_id,
        target=user.username,
        details={"type": auth.type},
    )
    db.session.commit()
    return auth


def revoke_all(user: User, *, actor: str) -> int:
    """Revoke every live login means of a person (lost, broken, left)."""
    now = utcnow()
    count = 0
    for auth in authenticators_of(user):
        if auth.status in LIVE:
            auth.status = "revoked"
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


def replace_with_code_display(user: User, serial: str, *, actor: str) -> Authenticator:
    """A lost or broken means: revoke what the person has and reserve another code display."""
    revoke_all(user, actor=actor)
    return assign_code_display(user, serial, actor=actor)


def enrol_totp_app(user: User, *, activate: bool, actor: str) -> str:
    """Operator bootstrap (``idp users create --totp``): an app secret, returned as base32."""
    secret = secrets.token_bytes(20)
    auth = Authenticator(
        org_id=user.org_id,
        user_id=user.id,
        type="totp_app",
        status="active" if activate else "assigned",
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
        details={"type": "totp_app", "status": auth.status},
    )
    return otp.to_base32(secret)


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

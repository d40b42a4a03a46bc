"""Code displays held by people: assign one in stock, bind it with a code, replace a lost one.

The stock itself (import, list, revoke) is :mod:`idp.services.means.inventory`.
"""

from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...models import Authenticator, User
from ...models.enums import AuthenticatorStatus, LoginMeans
from .. import audit
from ..errors import N_, Conflict, InvalidInput, NotFound
from ..wording import word
from .authenticators import activate, revoke_all
from .verification import check_code


def bind_code_display(user: User, serial: str, code: str, *, actor: str) -> Authenticator:
    """Bind a code display by the serial number on its back and one current code.

    The first code may be up to ``otp_bind_window_steps`` away (the token drifted in stock);
    the measured drift is stored and later logins look one step around it, never beyond
    ``otp_bind_window_steps`` of real time.
    """
    auth = find_code_display(user.org_id, serial)
    usable = auth is not None and (
        auth.status == AuthenticatorStatus.IN_STOCK
        or (auth.status == AuthenticatorStatus.ASSIGNED and auth.user_id == user.id)
    )
    if auth is None or not usable:
        # Same words whether the serial is unknown, revoked or someone else's.
        raise InvalidInput(N_("That serial number and code do not match a code display for you."))
    check_code(auth, code, actor=actor, binding=True)
    auth.user_id = user.id
    activate(user, auth, actor=actor)
    return auth


def assign_code_display(user: User, serial: str, *, actor: str) -> Authenticator:
    """Reserve an in-stock code display for a person (they bind it with a code later)."""
    auth = _code_display_by_serial(user.org_id, serial)
    if auth.status != AuthenticatorStatus.IN_STOCK:
        raise Conflict(
            N_("Code display %(serial)s is %(status)s, not in stock"),
            serial=serial,
            status=word(auth.status),
        )
    auth.status = AuthenticatorStatus.ASSIGNED
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
            Authenticator.type == LoginMeans.CODE_DISPLAY,
            Authenticator.serial == serial.strip(),
        )
    ).scalar_one_or_none()


def _code_display_by_serial(org_id: int, serial: str) -> Authenticator:
    auth = find_code_display(org_id, serial)
    if auth is None:
        raise NotFound(N_("No code display with serial number %(serial)s"), serial=serial)
    return auth


def replace_with_code_display(user: User, serial: str, *, actor: str) -> Authenticator:
    """A lost or broken means: revoke what the person has and reserve another code display."""
    revoke_all(user, actor=actor)
    return assign_code_display(user, serial, actor=actor)

"""Activation: from an imported person to an active business identity.

An administrator activates people (one or many) with a login means and rights; each gets a
single-use activation link by mail (256-bit token, stored only as SHA-256, valid
``activation_link_days``). A resend makes every earlier link useless. The person's own
submissions then advance the journey (see :func:`journey_step`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update

from ... import assurance
from ...extensions import db
from ...models import Activation, Organisation, User
from ...models.enums import LinkProblemKind, LoginMeans, UserStatus
from ...models.types import utcnow
from .. import audit
from ..errors import N_, Conflict, InvalidInput, NotFound, ServiceError
from ..mail.outbox import _plain_address, queue_mail
from ..means.authenticators import active_authenticator
from ..platform.runtime import settings
from ..platform.secrets import digest
from ..platform.single_use import consume_once
from ..proofing.settings import minimum_ial
from ..wording import word
from .choices import check_choices


@dataclass
class PersonResult:
    """One line of a (bulk) activation report."""

    person: str
    ok: bool
    message: str
    error: ServiceError | None = field(default=None, repr=False, compare=False)

    def localized_message(self) -> str:
        """``message`` in the language of the current request, for a page."""
        return self.error.localized() if self.error is not None else self.message


class LinkProblem(ServiceError):
    """An activation link that cannot be used; ``kind`` says why (the page explains each kind).

    404 for a link that never existed, 410 Gone for one used, superseded or expired.
    """

    status = 410

    def __init__(self, kind: str) -> None:
        self.kind = kind  # unknown | used | superseded | expired
        super().__init__(kind)
        if kind == LinkProblemKind.UNKNOWN:
            self.status = 404


# -- activation by an administrator ----------------------------------------------------------
def activate_users(
    org: Organisation,
    people: list[User],
    *,
    login_means: str,
    privileges: list[str],
    actor: str,
) -> list[PersonResult]:
    """Activate everyone who still can be, in ONE transaction: a person who cannot (not
    imported any more, activated meanwhile by someone else, no usable e-mail) is a failed
    line of the report and changes nothing; every mail of the others is queued together."""
    check_choices(login_means, privileges, org)
    results = []
    for person in people:
        try:
            _activate_one(org, person, login_means, privileges, actor)
            results.append(PersonResult(person.username, True, "activation mail queued"))
        except ServiceError as error:
            results.append(PersonResult(person.username, False, str(error), error))
    db.session.commit()
    return results


def _activate_one(
    org: Organisation, person: User, login_means: str, privileges: list[str], actor: str
) -> None:
    if person.org_id != org.id:
        raise NotFound(N_("no such person in this organisation"))
    if person.status != UserStatus.IMPORTED:
        message = (
            N_("%(username)s is %(status)s, not imported (use resend)")
            if person.status == UserStatus.PENDING_ACTIVATION
            else N_("%(username)s is %(status)s, not imported")
        )
        raise Conflict(message, username=person.username, status=word(person.status))
    _check_mailable(person)
    # One guarded UPDATE decides who activates (also across nodes): of concurrent
    # activations of one person exactly one changes the status, the others send nothing.
    if not _claim(person, User.status == UserStatus.IMPORTED, status=UserStatus.PENDING_ACTIVATION):
        raise Conflict(N_("%(username)s is already being activated"), username=person.username)
    person.login_means = login_means
    person.privileges = sorted(set(person.privileges or []) | set(privileges))
    audit.record(
        "user.activation_started",
        actor=actor,
        org_id=org.id,
        target=person.username,
        details={"login_means": login_means, "added_privileges": privileges},
    )
    _issue_link(person, actor)


def _check_mailable(person: User) -> None:
    """Checked before anything changes, so a failure needs no rollback of the others."""
    try:
        _plain_address(person.email or "")
    except ValueError:
        raise InvalidInput(
            N_("%(username)s has no usable e-mail address"), username=person.username
        ) from None


def resend(person: User, *, actor: str) -> None:
    """A new link for a pending person; every earlier link stops working. Throttled."""
    if person.status != UserStatus.PENDING_ACTIVATION:
        raise Conflict(N_("%(username)s is not waiting for activation"), username=person.username)
    _check_mailable(person)
    wait = settings().resend_min_seconds
    long_enough = or_(
        User.link_sent_at.is_(None), User.link_sent_at <= utcnow() - timedelta(seconds=wait)
    )
    # The throttle is the same guarded UPDATE that records the send: of concurrent resends
    # exactly one passes, however many nodes serve them.
    if not _claim(person, User.status == UserStatus.PENDING_ACTIVATION, long_enough):
        raise Conflict(
            N_("An activation mail was sent less than %(wait)s seconds ago; try again in a moment"),
            wait=wait,
        )
    audit.record(
        "user.activation_resent", actor=actor, org_id=person.org_id, target=person.username
    )
    _issue_link(person, actor)
    db.session.commit()


def _claim(person: User, *conditions: Any, **values: Any) -> bool:
    """Set ``values`` (and ``link_sent_at`` = now) on the person's row only where
    ``conditions`` still hold; True for the one caller whose UPDATE changed the row."""
    result = db.session.execute(
        update(User)
        .where(User.id == person.id, *conditions)
        .values(link_sent_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    db.session.refresh(person)
    return True


def _issue_link(person: User, actor: str) -> str:
    now = utcnow()
    db.session.execute(
        update(Activation)
        .where(
            Activation.user_id == person.id,
            Activation.used_at.is_(None),
            Activation.superseded_at.is_(None),
        )
        .values(superseded_at=now)
    )
    token = secrets.token_urlsafe(32)  # 256 bits
    expires = now + timedelta(days=settings().activation_link_days)
    db.session.add(
        Activation(
            user_id=person.id,
            token_hash=digest(token),
            created_by=actor,
            created_at=now,
            expires_at=expires,
        )
    )
    queue_mail(
        "activation",
        to=person.email,
        template="activation",
        context={
            "org_name": person.organisation.name,
            "name": person.name,
            # Built from the configured issuer, never from a request's Host header.
            "link": settings().url(f"/activate/{token}"),
            "expires": expires.date().isoformat(),
            "login_means": person.login_means,
        },
        org_id=person.org_id,
        user_id=person.id,
    )
    return token


def last_sent(person: User) -> Activation | None:
    """The person's most recent activation link, used or not (the page shows when it was sent)."""
    return db.session.execute(
        select(Activation)
        .where(Activation.user_id == person.id)
        .order_by(Activation.id.desc())
        .limit(1)
    ).scalar_one_or_none()


# -- the person's journey --------------------------------------------------------------------
def live_link(model: Any, token: str) -> Any:
    """The row of ``model`` (a mailed single-use link: activation or recovery) whose token is
    ``token``, unused, not superseded and unexpired; else :class:`LinkProblem` saying which."""
    row = db.session.execute(
        select(model).where(model.token_hash == digest(token))
    ).scalar_one_or_none()
    if row is None:
        raise LinkProblem(LinkProblemKind.UNKNOWN)
    if row.used_at is not None:
        raise LinkProblem(LinkProblemKind.USED)
    if row.superseded_at is not None:
        raise LinkProblem(LinkProblemKind.SUPERSEDED)
    if row.expires_at <= utcnow():
        raise LinkProblem(LinkProblemKind.EXPIRED)
    return row


def check_link(token: str) -> tuple[Activation, User]:
    """The link and its person, or :class:`LinkProblem` (never a hint about others)."""
    row: Activation = live_link(Activation, token)
    person = db.session.get(User, row.user_id)
    if person is None or person.status != UserStatus.PENDING_ACTIVATION:
        raise LinkProblem(LinkProblemKind.USED)
    return row, person


def journey_step(person: User) -> str:
    """Where the person is: proofing -> password -> login_means -> complete."""
    if not assurance.at_least(person.identity_level, minimum_ial(person.organisation)):
        return "proofing"
    if not person.password_hash:
        return "password"
    means = active_authenticator(person)
    wanted = LoginMeans.APP if person.login_means == LoginMeans.APP else LoginMeans.CODE_DISPLAY
    if means is None or means.type != wanted:
        return "login_means"
    return "complete"


def set_password(person: User, password: str) -> None:
    """The person chooses their password in the journey; it must meet the password rules."""
    from ..platform.passwords import check_password_rules, hash_password

    check_password_rules(password, person.username)
    person.password_hash = hash_password(password)
    audit.record(
        "user.password_set", actor=person.username, org_id=person.org_id, target=person.username
    )
    db.session.commit()


def complete(activation: Activation, person: User) -> None:
    """Consume the link and make the person active (only when every step is done)."""
    if journey_step(person) != "complete":
        raise Conflict(N_("Not every step is done yet"))
    if not consume_once(Activation, activation.id, Activation.used_at):
        db.session.rollback()
        raise LinkProblem(LinkProblemKind.USED)
    person.status = UserStatus.ACTIVE
    person.activated_at = utcnow()
    person.email_verified = True  # the link reached this address
    audit.record(
        "user.activated",
        actor=person.username,
        org_id=person.org_id,
        target=person.username,
        details={"login_means": person.login_means},
    )
    db.session.commit()


def imported_people(org: Organisation) -> list[User]:
    """Every person of ``org`` who is imported and not yet activated, in import order."""
    return list(
        db.session.execute(
            select(User)
            .where(User.org_id == org.id, User.status == UserStatus.IMPORTED)
            .order_by(User.id)
        ).scalars()
    )

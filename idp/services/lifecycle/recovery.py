"""Recovery: a forgotten password, a lost or new phone, a lost code display.

NIST SP 800-63B §6.1.2.3 (replacement of a lost authenticator) and MitID Erhverv: a mailed
single-use link (256 bits, only its SHA-256 stored, one hour, superseded by a newer one) only
opens the way; the mailbox alone never changes anything. Before a new password the person
proves possession of their live login means (a one-time code, through the replay guard and
lockout of :mod:`idp.services.means.verification`) or re-proves their identity through a
route the organisation enabled. Before a new login means they must re-prove their identity
(mailbox + password is not enough). Afterwards every session and token of the person ends.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import func, or_, select, update

from ...extensions import db
from ...models import (
    AuthorizationCode,
    BrowserSession,
    FederatedIdentity,
    RecoveryLink,
    Token,
    User,
)
from ...models.enums import LinkProblemKind, RecoveryKind, RecoveryProof, UserStatus
from ...models.types import utcnow
from .. import audit
from ..errors import N_, Conflict, InvalidInput
from ..means import verification
from ..platform.passwords import check_password_rules, hash_password
from ..platform.runtime import settings
from ..platform.secrets import digest
from ..platform.single_use import consume_once
from ..proofing.private_eid import record_private_eid
from ..users import normalise_username
from .activation import LinkProblem, live_link

# Short-lived: the link stands in for a password until the person has proven it is them.
LINK_LIFETIME = timedelta(hours=1)
# A person asking again within this time gets no second mail (the same answer on the page).
REQUEST_GAP = timedelta(seconds=60)


# -- asking for a link -----------------------------------------------------------------------
def request_link(identifier: str, kind: str) -> None:
    """Mail a recovery link to the active person(s) with this username or e-mail.

    Says nothing back: an unknown, inactive or just-mailed account gets the same (silent)
    result, so the page cannot tell whether an account exists (no enumeration).
    """
    if kind not in set(RecoveryKind) or not identifier.strip() or len(identifier) > 254:
        return
    wanted = identifier.strip()
    people = db.session.execute(
        select(User).where(
            User.status == UserStatus.ACTIVE,
            or_(
                User.username == normalise_username(wanted),
                func.lower(User.email) == wanted.lower(),
            ),
        )
    ).scalars()
    for person in list(people):
        if not _asked_just_now(person):
            issue_link(person, kind, actor=person.username)
    db.session.commit()


def _asked_just_now(person: User) -> bool:
    since = utcnow() - REQUEST_GAP
    return (
        db.session.execute(
            select(RecoveryLink.id).where(
                RecoveryLink.user_id == person.id, RecoveryLink.created_at > since
            )
        ).first()
        is not None
    )


def start_for(person: User, kind: str, *, actor: str) -> None:
    """An administrator mails ``person`` a recovery link (audited); the person still has to
    prove possession of their means or re-prove their identity."""
    if person.status != UserStatus.ACTIVE:
        raise Conflict(N_("Only an active person can be sent a recovery link."))
    issue_link(person, kind, actor=actor)
    db.session.commit()


def issue_link(person: User, kind: str, *, actor: str) -> str:
    """Supersede the person's open recovery links, store a new one hashed and queue its mail.
    Does not commit."""
    from ..mail.outbox import queue_mail

    now = utcnow()
    db.session.execute(
        update(RecoveryLink)
        .where(
            RecoveryLink.user_id == person.id,
            RecoveryLink.used_at.is_(None),
            RecoveryLink.superseded_at.is_(None),
        )
        .values(superseded_at=now)
    )
    token = secrets.token_urlsafe(32)  # 256 bits
    db.session.add(
        RecoveryLink(
            user_id=person.id,
            kind=RecoveryKind(kind),
            token_hash=digest(token),
            created_by=actor,
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
    )
    queue_mail(
        "recovery",
        to=person.email,
        template="recovery_link",
        context={
            "org_name": person.organisation.name,
            "name": person.name,
            "kind": kind,
            # Built from the configured issuer, never from a request's Host header.
            "link": settings().url(f"/recovery/{token}"),
        },
        org_id=person.org_id,
        user_id=person.id,
    )
    audit.record(
        "recovery.link_sent",
        actor=actor,
        org_id=person.org_id,
        target=person.username,
        details={"kind": kind},
    )
    return token


# -- following the link ----------------------------------------------------------------------
def check_link(token: str) -> tuple[RecoveryLink, User]:
    """The link and its (active) person, or :class:`LinkProblem` saying why not."""
    row: RecoveryLink = live_link(RecoveryLink, token)
    person = db.session.get(User, row.user_id)
    if person is None or person.status != UserStatus.ACTIVE:
        raise LinkProblem(LinkProblemKind.UNKNOWN)
    return row, person


def step(link: RecoveryLink) -> str:
    """``prove`` until the person has shown it is them; then ``password`` or ``means``."""
    if link.proven_at is None:
        return "prove"
    return "password" if link.kind == RecoveryKind.PASSWORD else "means"


def prove_with_code(link: RecoveryLink, person: User, code: str) -> None:
    """Possession of the live login means: one current code (forgotten password only)."""
    if link.kind != RecoveryKind.PASSWORD:
        raise InvalidInput(N_("A lost login means is replaced only after proving your identity."))
    verification.verify_login_code(person, code)  # replay guard, lockout, drift; commits
    _mark_proven(link, person, RecoveryProof.ONE_TIME_CODE)


def prove_with_private_eid(
    link: RecoveryLink, person: User, *, issuer: str, subject: str, level: str
) -> None:
    """Re-proofing: the upstream person must be the one already bound to this identity (a
    stranger's own eID proves nothing about the account). The new proofing is recorded."""
    bound = db.session.execute(
        select(FederatedIdentity.id).where(
            FederatedIdentity.org_id == person.org_id,
            FederatedIdentity.user_id == person.id,
            FederatedIdentity.issuer == issuer,
            FederatedIdentity.subject == subject,
        )
    ).first()
    if bound is None:
        raise InvalidInput(
            N_(
                "This private eID is not the one your identity was proven with. Contact your "
                "administrator."
            )
        )
    record_private_eid(
        person, issuer=issuer, subject=subject, upstream_level=level, actor=person.username
    )
    _mark_proven(link, person, RecoveryProof.PRIVATE_EID)


def _mark_proven(link: RecoveryLink, person: User, proof: str) -> None:
    db.session.execute(
        update(RecoveryLink)
        .where(RecoveryLink.id == link.id, RecoveryLink.used_at.is_(None))
        .values(proven_at=utcnow(), proof=proof)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        f"recovery.proven_by_{proof}",
        actor=person.username,
        org_id=person.org_id,
        target=person.username,
        details={"kind": link.kind},
    )
    db.session.commit()
    db.session.refresh(link)


def require_step(link: RecoveryLink, wanted: str) -> None:
    """Refuse a change the link has not been opened for (not proven, or the other kind)."""
    if step(link) != wanted:
        raise Conflict(N_("Prove that it is you first."))


def set_password(link: RecoveryLink, person: User, password: str) -> None:
    """The new password, once proven; the link is used and every session and token ends."""
    require_step(link, "password")
    check_password_rules(password, person.username)
    _use(link)
    person.password_hash = hash_password(password)
    _finish(person, "recovery.password_reset", RecoveryKind.PASSWORD)


def means_replaced(link: RecoveryLink, person: User) -> None:
    """After a new means was bound (which revoked the old): the link is used and every
    session and token ends."""
    require_step(link, "means")
    _use(link)
    _finish(person, "recovery.means_replaced", RecoveryKind.MEANS)


def _use(link: RecoveryLink) -> None:
    if not consume_once(RecoveryLink, link.id, RecoveryLink.used_at):
        db.session.rollback()
        raise LinkProblem(LinkProblemKind.USED)


def _finish(person: User, action: str, kind: str) -> None:
    from ..mail.outbox import queue_mail

    end_everything(person)
    audit.record(action, actor=person.username, org_id=person.org_id, target=person.username)
    queue_mail(
        "recovery_done",
        to=person.email,
        template="recovery_done",
        context={"org_name": person.organisation.name, "name": person.name, "kind": kind},
        org_id=person.org_id,
        user_id=person.id,
    )
    db.session.commit()


def end_everything(person: User) -> None:
    """End every browser session of the person and revoke every token and unused code,
    offline access included (the caller commits)."""
    now = utcnow()
    for model, column in (
        (BrowserSession, BrowserSession.ended_at),
        (Token, Token.revoked_at),
        (AuthorizationCode, AuthorizationCode.used_at),
    ):
        db.session.execute(
            update(model)
            .where(model.user_id == person.id, column.is_(None))
            .values({column.key: now})
            .execution_options(synchronize_session=False)
        )

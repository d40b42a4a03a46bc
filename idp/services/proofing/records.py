"""Identity proofing: every route records a proofing record and an audit event here.

The identity level (IAL) of a person is raised by a proofing at a higher level and never
lowered by one at a lower level; only an administrator lowers or revokes it, audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ... import assurance
from ...extensions import db
from ...models import Organisation, ProofingRecord, User
from ...models.enums import ProofingRoute, UserStatus
from .. import audit
from ..errors import N_, InvalidInput
from ..wording import word
from .settings import minimum_ial, route_settings


# -- waiting for a proofing ------------------------------------------------------------------
def awaiting_identity_check(org: Organisation) -> list[User]:
    """People waiting for activation whose identity level is below the organisation minimum
    (a registrar can raise it with an in-person check)."""
    needed = assurance.rank(minimum_ial(org))
    pending = db.session.execute(
        select(User)
        .where(User.org_id == org.id, User.status == UserStatus.PENDING_ACTIVATION)
        .order_by(User.name, User.id)
    ).scalars()
    return [
        person
        for person in pending
        if person.identity_level is None or assurance.rank(person.identity_level) < needed
    ]


# -- recording -------------------------------------------------------------------------------
def add_record(
    user: User,
    route: str,
    level: str | None,
    evidence: dict[str, Any],
    actor: str,
    *,
    raise_only: bool = True,
) -> ProofingRecord:
    """Record one proofing with its evidence and an audit event; raise the identity level
    (never lower it, unless ``raise_only`` is False: an administrator's adjustment). Does not
    commit."""
    record = ProofingRecord(
        user_id=user.id,
        org_id=user.org_id,
        route=route,
        level=level,
        evidence=evidence,
        actor=actor,
    )
    db.session.add(record)
    before = user.identity_level
    if not raise_only or (
        level is not None and (before is None or assurance.rank(level) > assurance.rank(before))
    ):
        user.identity_level = level
    audit.record(
        "proofing.recorded",
        actor=actor,
        org_id=user.org_id,
        target=user.username,
        details={
            "route": route,
            "level": level,
            "identity_level_before": before,
            "identity_level_after": user.identity_level,
        },
    )
    return record


def level_for(org: Organisation, route: str, offered: str) -> str:
    """The level a route establishes: enabled, capped, and at least the organisation minimum."""
    settings = route_settings(org, route)
    if not settings["enabled"]:
        raise InvalidInput(N_("The organisation does not accept the %(route)s route"), route=route)
    level = assurance.capped(offered, settings["cap"])
    assert level is not None
    needed = minimum_ial(org)
    if assurance.rank(level) < assurance.rank(needed):
        raise InvalidInput(
            N_(
                "This proves your identity at level %(level)s, but %(org)s requires at least "
                "%(needed)s."
            ),
            level=word(level),
            org=org.name,
            needed=word(needed),
        )
    return level


def record_operator(user: User, level: str, *, actor: str) -> ProofingRecord:
    """``idp users create --ial``: an operator attests the level (bootstrap), audited."""
    return add_record(user, ProofingRoute.OPERATOR, level, {"operator": actor}, actor)


def adjust(user: User, level: str | None, *, reason: str, actor: str) -> ProofingRecord:
    """An administrator lowers (or with None revokes) a person's identity level."""
    if level is not None and not assurance.is_level(level):
        raise InvalidInput(
            N_("Level must be one of %(levels)s"), levels=", ".join(assurance.LEVELS)
        )
    if (
        level is not None
        and user.identity_level is not None
        and (assurance.rank(level) > assurance.rank(user.identity_level))
    ):
        raise InvalidInput(
            N_(
                "An administrator can lower or revoke a level, not raise it; raising takes a "
                "proofing"
            )
        )
    if not reason.strip():
        raise InvalidInput(N_("Give a reason"))
    record = add_record(
        user, ProofingRoute.ADJUSTMENT, level, {"reason": reason.strip()}, actor, raise_only=False
    )
    db.session.commit()
    return record


def records_of(user: User) -> list[ProofingRecord]:
    """The person's proofing records, oldest first."""
    return list(
        db.session.execute(
            select(ProofingRecord)
            .where(ProofingRecord.user_id == user.id)
            .order_by(ProofingRecord.id)
        ).scalars()
    )

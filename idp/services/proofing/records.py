"""Identity proofing: every route records a proofing record and an audit event here.

The identity level (IAL) of a person is raised by a proofing at a higher level and never
lowered by one at a lower level; only an administrator lowers or revokes it, audited.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from ... import assurance
from ...extensions import db
from ...models import FederatedIdentity, Organisation, ProofingRecord, User
from ...models.types import utcnow
from .. import audit
from ..errors import N_, Conflict, InvalidInput
from . import ROUTES
from .in_person import DocumentCheck, EvidenceError
from .settings import minimum_ial, route_settings


# -- waiting for a proofing ------------------------------------------------------------------
def awaiting_identity_check(org: Organisation) -> list[User]:
    """People waiting for activation whose identity level is below the organisation minimum
    (a registrar can raise it with an in-person check)."""
    needed = assurance.rank(minimum_ial(org))
    pending = db.session.execute(
        select(User)
        .where(User.org_id == org.id, User.status == "pending_activation")
        .order_by(User.name, User.id)
    ).scalars()
    return [
        person
        for person in pending
        if person.identity_level is None or assurance.rank(person.identity_level) < needed
    ]


# -- recording -------------------------------------------------------------------------------
def _record(
    user: User,
    route: str,
    level: str | None,
    evidence: dict[str, Any],
    actor: str,
    *,
    raise_only: bool = True,
) -> ProofingRecord:
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


def _level_for(org: Organisation, route: str, offered: str) -> str:
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
            level=level,
            org=org.name,
            needed=needed,
        )
    return level


def record_private_eid(
    user: User, *, issuer: str, subject: str, upstream_level: str, actor: str
) -> ProofingRecord:
    """Bind the upstream person to this identity and record the level (min with the cap)."""
    org = user.organisation
    level = _level_for(org, "private_eid", upstream_level)
    bound = db.session.execute(
        select(FederatedIdentity).where(
            FederatedIdentity.org_id == org.id,
            FederatedIdentity.issuer == issuer,
            FederatedIdentity.subject == subject,
        )
    ).scalar_one_or_none()
    if bound is not None and bound.user_id != user.id:
        raise Conflict(
            N_(
                "This private eID is already bound to another identity in %(org)s. Contact your "
                "administrator."
            ),
            org=org.name,
        )
    if bound is None:
        db.session.add(
            FederatedIdentity(org_id=org.id, user_id=user.id, issuer=issuer, subject=subject)
        )
    record = _record(
        user,
        "private_eid",
        level,
        {"issuer": issuer, "subject": subject, "upstream_level": upstream_level},
        actor,
    )
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent binding of the same upstream person
        db.session.rollback()
        raise Conflict(N_("This private eID is already bound to another identity.")) from None
    return record


def record_in_person(
    user: User, registrar: User, check: DocumentCheck, *, today: date | None = None
) -> ProofingRecord:
    """A registrar of the same organisation records a face-to-face document check."""
    if "registrar" not in (registrar.roles or []):
        raise InvalidInput(N_("%(username)s is not a registrar"), username=registrar.username)
    if registrar.org_id != user.org_id:
        raise InvalidInput(N_("A registrar can only check people of their own organisation"))
    if registrar.id == user.id:
        raise InvalidInput(N_("A registrar cannot check their own identity"))
    try:
        evidence = check.evidence(today or date.today())
    except EvidenceError as error:
        raise InvalidInput(N_("Refused: %(error)s"), error=error, field=error.field) from None
    level = _level_for(user.organisation, "in_person", "High")
    record = _record(
        user, "in_person", level, {**evidence, "registrar": registrar.username}, registrar.username
    )
    db.session.commit()
    return record


def record_attestation(user: User, manager: User) -> ProofingRecord:
    """A manager of the same organisation vouches for the person from employment records."""
    if manager.org_id != user.org_id or manager.id == user.id:
        raise InvalidInput(N_("The manager must be another person of the same organisation"))
    level = _level_for(user.organisation, "attestation", "Low")
    record = _record(user, "attestation", level, {"manager": manager.username}, manager.username)
    db.session.commit()
    return record


def legacy_import_level(org: Organisation) -> str | None:
    """The level the legacy_import route gives in this organisation; None when it is off.

    Raises InvalidInput when the route is on but its cap is below the organisation minimum.
    """
    if not route_settings(org, "legacy_import")["enabled"]:
        return None
    return _level_for(org, "legacy_import", ROUTES["legacy_import"].max_level)


def record_legacy_import(user: User, *, source: str, actor: str) -> ProofingRecord | None:
    """The identity carried by an import from the legacy system, if the route is enabled."""
    level = legacy_import_level(user.organisation)
    if level is None:
        return None
    return _record(user, "legacy_import", level, {"source": source}, actor)


def record_legacy_imports(
    org: Organisation, user_ids: list[int], level: str, *, source: str, actor: str
) -> None:
    """Bulk :func:`record_legacy_import` for people an import has just created with
    ``identity_level=level`` (see :func:`legacy_import_level`): one proofing record each,
    inserted in bulk, and one audit event for the batch. Does not commit."""
    if not user_ids:
        return
    now = utcnow()
    db.session.execute(
        insert(ProofingRecord.__table__),
        [
            {
                "user_id": user_id,
                "org_id": org.id,
                "route": "legacy_import",
                "level": level,
                "evidence": {"source": source},
                "actor": actor,
                "created_at": now,
            }
            for user_id in user_ids
        ],
    )
    audit.record(
        "proofing.recorded",
        actor=actor,
        org_id=org.id,
        target=source[:200],
        details={"route": "legacy_import", "level": level, "people": len(user_ids)},
    )


def record_operator(user: User, level: str, *, actor: str) -> ProofingRecord:
    """``idp users create --ial``: an operator attests the level (bootstrap), audited."""
    return _record(user, "operator", level, {"operator": actor}, actor)


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
    record = _record(user, "adjustment", level, {"reason": reason.strip()}, actor, raise_only=False)
    db.session.commit()
    return record


def records_of(user: User) -> list[ProofingRecord]:
    return list(
        db.session.execute(
            select(ProofingRecord)
            .where(ProofingRecord.user_id == user.id)
            .order_by(ProofingRecord.id)
        ).scalars()
    )

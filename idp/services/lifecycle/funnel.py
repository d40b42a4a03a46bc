"""The organisation's onboarding at a glance, for the admin's dashboard: how many people are at
each step of the funnel (imported -> activation mailed -> identity proven -> active), how many
activation links run out soon, whose login means are locked, the pending access requests and
the code displays in stock.

Each number is one ``COUNT`` query (the funnel's waiting people one ``GROUP BY``) that an index
narrows to the organisation (and a status);
the people a number counts are exactly those a listing shows with the same filter
(:func:`person_filter`, used by ``services.people``), so a count and its list always agree.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select

from ... import assurance
from ...extensions import db
from ...models import AccessRequest, Activation, Authenticator, Organisation, User
from ...models.enums import AuthenticatorStatus, LoginMeans, RequestStatus, UserStatus
from ...models.types import utcnow
from ..proofing.settings import minimum_ial


class Stage(StrEnum):
    """The four steps of the funnel, in order."""

    IMPORTED = "imported"
    MAILED = "mailed"
    PROVEN = "proven"
    ACTIVE = "active"


class PeopleFilter(StrEnum):
    """What a listing of people can keep besides a status (``?state=`` of the admin's list)."""

    UNPROVEN = "unproven"
    PROVEN = "proven"
    LINK_EXPIRING = "link_expiring"
    MEANS_LOCKED = "means_locked"


STAGES: tuple[str, ...] = tuple(Stage)
STATES: tuple[str, ...] = tuple(PeopleFilter)
EXPIRING_DAYS = 7


def _proven_levels(org: Organisation) -> list[str]:
    """The identity levels that reach the organisation's minimum."""
    return [lvl for lvl in assurance.LEVELS if assurance.at_least(lvl, minimum_ial(org))]


def _expiring_link(now: datetime) -> ColumnElement[bool]:
    """The person has a live activation link that runs out within ``EXPIRING_DAYS`` (looked up
    by the person's id, so only the waiting people's links are read, never the history)."""
    return exists().where(
        Activation.user_id == User.id,
        Activation.used_at.is_(None),
        Activation.superseded_at.is_(None),
        Activation.expires_at > now,
        Activation.expires_at <= now + timedelta(days=EXPIRING_DAYS),
    )


def _locked_means_holders(org: Organisation, now: datetime) -> Any:
    """The ids of the organisation's people holding a login means locked after wrong codes."""
    return select(Authenticator.user_id).where(
        Authenticator.org_id == org.id,
        Authenticator.user_id.is_not(None),
        Authenticator.status != AuthenticatorStatus.REVOKED,
        Authenticator.locked_until > now,
    )


def person_filter(org: Organisation, state: str) -> ColumnElement[bool]:
    """The condition on ``User`` for one of :data:`STATES` (the caller keeps to ``org``).

    ``unproven``/``proven``: waiting for activation with an identity level below / at least
    the organisation's minimum; ``link_expiring``: waiting, with a live link that runs out in
    the next 7 days; ``means_locked``: holding a login means locked after wrong codes.
    """
    now = utcnow()
    waiting = User.status == UserStatus.PENDING_ACTIVATION
    levels = _proven_levels(org)
    if state == PeopleFilter.PROVEN:
        return and_(waiting, User.identity_level.in_(levels))
    if state == PeopleFilter.UNPROVEN:
        return and_(waiting, or_(User.identity_level.is_(None), User.identity_level.not_in(levels)))
    if state == PeopleFilter.LINK_EXPIRING:
        return and_(waiting, _expiring_link(now))
    if state == PeopleFilter.MEANS_LOCKED:
        return User.id.in_(_locked_means_holders(org, now))
    raise ValueError(state)


def _people(org: Organisation, *conditions: ColumnElement[bool]) -> int:
    query = select(func.count(User.id)).where(User.org_id == org.id, *conditions)
    return int(db.session.execute(query).scalar_one())


def stage_counts(org: Organisation) -> dict[str, int]:
    """How many of the organisation's people are at each of :data:`STAGES` now: three counts,
    the waiting people by identity level in one ``GROUP BY`` (mailed: below the minimum, as
    ``person_filter(org, "unproven")``; proven: at least the minimum)."""
    levels = _proven_levels(org)
    by_level = db.session.execute(
        select(User.identity_level, func.count(User.id))
        .where(User.org_id == org.id, User.status == UserStatus.PENDING_ACTIVATION)
        .group_by(User.identity_level)
    ).all()
    proven = sum(int(n) for level, n in by_level if level in levels)
    return {
        Stage.IMPORTED: _people(org, User.status == UserStatus.IMPORTED),
        Stage.MAILED: sum(int(n) for _level, n in by_level) - proven,
        Stage.PROVEN: proven,
        Stage.ACTIVE: _people(org, User.status == UserStatus.ACTIVE),
    }


def expiring_links(org: Organisation) -> int:
    """How many people waiting for activation have a link that runs out in the next 7 days."""
    return _people(org, person_filter(org, PeopleFilter.LINK_EXPIRING))


def locked_means(org: Organisation) -> int:
    """How many of the organisation's people hold a login means locked after wrong codes."""
    return _people(org, person_filter(org, PeopleFilter.MEANS_LOCKED))


def pending_requests(org: Organisation) -> int:
    """How many access requests to the organisation wait for a decision."""
    query = select(func.count(AccessRequest.id)).where(
        AccessRequest.org_id == org.id, AccessRequest.status == RequestStatus.PENDING
    )
    return int(db.session.execute(query).scalar_one())


def codes_in_stock(org: Organisation) -> int:
    """How many of the organisation's code displays are in stock (held by nobody)."""
    query = select(func.count(Authenticator.id)).where(
        Authenticator.org_id == org.id,
        Authenticator.type == LoginMeans.CODE_DISPLAY,
        Authenticator.status == AuthenticatorStatus.IN_STOCK,
    )
    return int(db.session.execute(query).scalar_one())

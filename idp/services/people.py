"""Finding an organisation's people for the web admin: a filtered, sorted page of them, the
people a bulk action applies to, and a person's audit history.

A page costs two queries, one ``COUNT`` and one ``LIMIT``/``OFFSET`` query, whatever the size
of the organisation; the index ``(org_id, status, username)`` serves the usual listing (one
status, by username).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from ..extensions import db
from ..models import AuditEvent, Organisation, User
from .errors import N_, InvalidInput
from .lifecycle import funnel
from .lifecycle.imports import STATUSES
from .platform.search import contains_any

SORTS: dict[str, Any] = {
    "name": User.name,
    "username": User.username,
    "email": User.email,
    "rid": User.rid,
    "status": User.status,
    "created": User.created_at,
}
MAX_PER_PAGE = 200
AUDIT_LIMIT = 100


@dataclass
class PeoplePage:
    """One page of people: ``items`` on page ``page`` of ``pages`` (``total`` in all)."""

    items: list[User]
    total: int
    page: int
    pages: int
    per_page: int


def _matching(
    org: Organisation,
    status: str | None,
    search: str | None,
    exclude_status: str | None = None,
    state: str | None = None,
) -> Select[Any]:
    """The WHERE clause every listing shares, on ``SELECT user_account``."""
    if state is not None and state not in funnel.STATES:
        raise InvalidInput(N_("state must be one of %(choices)s"), choices=", ".join(funnel.STATES))
    for value in (status, exclude_status):
        if value is not None and value not in STATUSES:
            raise InvalidInput(N_("status must be one of %(choices)s"), choices=", ".join(STATUSES))
    query = select(User).where(User.org_id == org.id)
    if status is not None:
        query = query.where(User.status == status)
    if exclude_status is not None:
        query = query.where(User.status != exclude_status)
    if state is not None:
        query = query.where(funnel.person_filter(org, state))
    if search and search.strip():
        query = query.where(contains_any(search, (User.name, User.email, User.username, User.rid)))
    return query


def search_people(
    org: Organisation,
    *,
    status: str | None,
    search: str | None,
    sort: str,
    page: int,
    per_page: int,
    exclude_status: str | None = None,
    state: str | None = None,
) -> PeoplePage:
    """A page of the organisation's people.

    ``status`` keeps one status (None: all, or all but ``exclude_status``); ``search`` is a
    case-insensitive substring of name, e-mail, username or RID; ``state`` one of the
    dashboard's filters (``funnel.STATES``); ``sort`` is one of
    name|username|email|rid|status|created, descending with a ``-`` prefix. A page past the
    last gives the last page.
    """
    key = sort.removeprefix("-")
    if key not in SORTS:
        raise InvalidInput(
            N_("sort must be one of %(choices)s (with - for descending)"), choices=", ".join(SORTS)
        )
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput(N_("per_page must be 1-%(maximum)s"), maximum=MAX_PER_PAGE)
    query = _matching(org, status, search, exclude_status, state)
    total = db.session.execute(
        query.with_only_columns(func.count(User.id)).order_by(None)
    ).scalar_one()
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    descending = sort.startswith("-")
    column, tiebreak = SORTS[key], User.id
    order = (column.desc(), tiebreak.desc()) if descending else (column.asc(), tiebreak.asc())
    items = list(
        db.session.execute(
            query.order_by(*order).limit(per_page).offset((page - 1) * per_page)
        ).scalars()
    )
    return PeoplePage(items=items, total=total, page=page, pages=pages, per_page=per_page)


def matching_people(org: Organisation, *, status: str | None, search: str | None) -> list[User]:
    """Every person of the organisation a listing with this filter shows, by username (the
    "select all matching" of a bulk action)."""
    query = _matching(org, status, search).order_by(User.username)
    return list(db.session.execute(query).scalars())


def people_by_ids(org: Organisation, ids: Sequence[int]) -> list[User]:
    """The organisation's people among ``ids``, by username; ids of anyone else are left out."""
    if not ids:
        return []
    query = select(User).where(User.org_id == org.id, User.id.in_(set(ids)))
    return list(db.session.execute(query.order_by(User.username)).scalars())


def audit_of(org: Organisation, username: str, limit: int = AUDIT_LIMIT) -> list[AuditEvent]:
    """The audit events about a person of the organisation, newest first (at most ``limit``)."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.org_id == org.id, AuditEvent.target == username)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())

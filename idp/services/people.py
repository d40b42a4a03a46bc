"""Finding an organisation's people for the web admin: a filtered, sorted page of them, the
people a bulk action applies to, and a person's audit history.

A page costs three queries whatever the size of the organisation: a ``COUNT``, the ids of the
page (``LIMIT``/``OFFSET`` on the index of its sort, ``(org_id, <sort>, id, status)``, so a deep
page skips index entries, not rows) and those people. A search counts at most
:data:`COUNT_CAP` matches (a common string matches most of an organisation, and counting them
all would read every row to say "more than a thousand"); the page then says there are more.
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
from .platform.search import in_org, usually

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
COUNT_CAP = 1000
SEARCHED = (User.name, User.email, User.username, User.rid)


@dataclass
class PeoplePage:
    """One page of people: ``items`` on page ``page`` of ``pages`` (``total`` in all; with
    ``more``, a search matched more than ``total``, :data:`COUNT_CAP`, and the pages show the
    first of them)."""

    items: list[User]
    total: int
    page: int
    pages: int
    per_page: int
    more: bool = False


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
    query = select(User).where(*in_org(User.org_id, org.id, search, User.id, SEARCHED))
    if status is not None:
        query = query.where(User.status == status)
    if exclude_status is not None:
        query = query.where(User.status != exclude_status)
    if state is not None:
        query = query.where(funnel.person_filter(org, state))
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
    total, more = _count(query, capped=bool(search and search.strip()))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    descending = sort.startswith("-")
    column, tiebreak = SORTS[key], User.id
    order = (column.desc(), tiebreak.desc()) if descending else (column.asc(), tiebreak.asc())
    ids = list(
        db.session.execute(
            query.with_only_columns(User.id)
            .order_by(*order)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).scalars()
    )
    found = {user.id: user for user in people_by_ids(org, ids)}
    items = [found[i] for i in ids if i in found]
    return PeoplePage(items, total, page, pages, per_page, more)


def _count(query: Select[Any], *, capped: bool) -> tuple[int, bool]:
    """How many people ``query`` selects; ``capped``: at most :data:`COUNT_CAP`, and whether
    there are more."""
    if not capped:
        counted = query.with_only_columns(func.count(User.id)).order_by(None)
        return int(db.session.execute(counted).scalar_one()), False
    first = query.with_only_columns(User.id).order_by(None).limit(COUNT_CAP + 1).subquery()
    total = int(db.session.execute(select(func.count()).select_from(first)).scalar_one())
    return min(total, COUNT_CAP), total > COUNT_CAP


def matching_people(org: Organisation, *, status: str | None, search: str | None) -> list[User]:
    """Every person of the organisation a listing with this filter shows, by username (the
    "select all matching" of a bulk action)."""
    query = _matching(org, status, search).order_by(User.username)
    return list(db.session.execute(query).scalars())


def count_matching(org: Organisation, *, status: str | None, search: str | None) -> int:
    """How many people :func:`matching_people` gives, counted to the last (a bulk action
    confirms this number)."""
    return _count(_matching(org, status, search), capped=False)[0]


def people_by_ids(org: Organisation, ids: Sequence[int]) -> list[User]:
    """The organisation's people among ``ids``, by username; ids of anyone else are left out."""
    if not ids:
        return []
    query = select(User).where(usually(User.org_id == org.id), User.id.in_(set(ids)))
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

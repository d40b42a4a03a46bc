"""The user administrator's pages: the people (the imported ones and their activation are in
bulk_activation.py, a person's page in person.py, the CSV import in importing.py). Every view is
scoped to the administrator's organisation; the rules are in services.
"""

from __future__ import annotations

from typing import Any

from flask import abort, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from ...models.enums import AdminRole, UserStatus
from ...services import people
from ...services.lifecycle.funnel import PeopleFilter
from ..pages import page
from . import bp
from .auth import admin_required

PER_PAGE = 25
# The statuses the "Users" tab filters on; imported people have a tab of their own.
USER_STATUSES = tuple(s for s in UserStatus if s != UserStatus.IMPORTED)
# What a dashboard count's filter (``?state=``, services.lifecycle.funnel.PeopleFilter) shows.
STATE_LABELS: dict[str, Any] = {
    PeopleFilter.UNPROVEN: _l("Activation mailed, identity not yet proven"),
    PeopleFilter.PROVEN: _l("Identity proven, not yet active"),
    PeopleFilter.LINK_EXPIRING: _l("Activation link expires within 7 days"),
    PeopleFilter.MEANS_LOCKED: _l("Login means locked"),
}
Page = Response


def _actor() -> str:
    return str(g.admin.username)


def page_numbers(page: int, pages: int) -> list[int | None]:
    """The page links to show: the first, the last and two either side (None: a gap)."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def _sort() -> str:
    return request.args.get("sort") or "username"


def _links(endpoint: str, **args: Any) -> dict[str, Any]:
    """What the sort and page links of a listing keep: its endpoint and query."""
    args["per_page"] = request.args.get("per_page", type=int)
    return {"endpoint": endpoint, "args": {k: v for k, v in args.items() if v}}


def _listing(
    *, status: str | None, exclude_status: str | None, search: str, state: str | None = None
) -> people.PeoplePage:
    # A refused sort, page or state is the plain error page (400, its message).
    return people.search_people(
        g.org,
        status=status,
        search=search or None,
        sort=_sort(),
        page=request.args.get("page", 1, type=int) or 1,
        per_page=request.args.get("per_page", PER_PAGE, type=int) or PER_PAGE,
        exclude_status=exclude_status,
        state=state,
    )


# -- the other people --------------------------------------------------------------------------
@bp.get("/users")
@admin_required(AdminRole.USER_ADMIN, AdminRole.REGISTRAR)
def users() -> Page:
    wanted = request.args.get("status") or None
    if wanted is not None and wanted not in USER_STATUSES:
        abort(400, _("Unknown status."))
    search = request.args.get("q", "").strip()
    # A dashboard count's filter (people waiting with a proven identity, a locked means...).
    state = request.args.get("state") or None
    result = _listing(
        status=wanted,
        exclude_status=None if wanted or state else UserStatus.IMPORTED,
        search=search,
        state=state,
    )
    return page(
        "admin/users.html",
        result=result,
        search=search,
        status=wanted or "",
        state=state or "",
        state_label=STATE_LABELS.get(state or ""),
        statuses=USER_STATUSES,
        listing=_links("admin.users", q=search, status=wanted, state=state, sort=_sort()),
        page_numbers=page_numbers(result.page, result.pages),
    )

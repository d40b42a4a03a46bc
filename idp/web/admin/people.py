"""The user administrator's pages: imported people and their (bulk) activation, and the other
people (a person's page is in person.py, the CSV import in importing.py). Every view is scoped
to the administrator's organisation; the rules are in services.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import abort, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from ...models.enums import AdminRole, UserStatus
from ...services import people
from ...services.lifecycle import activation
from ...services.lifecycle.funnel import PeopleFilter
from ..errors import shown_on
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


def privilege_lines(text: str | None) -> list[str]:
    """Privilege URNs typed one per line (blank lines ignored, duplicates dropped)."""
    seen: dict[str, None] = {}
    for line in (text or "").splitlines():
        if line.strip():
            seen[line.strip()] = None
    return list(seen)


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


# -- imported people and their activation ----------------------------------------------------
def _imported_page(search: str, status: int = 200, **extra: Any) -> Response:
    result = _listing(status=UserStatus.IMPORTED, exclude_status=None, search=search)
    return page(
        "admin/imported.html",
        status,
        result=result,
        search=search,
        listing=_links("admin.imported", q=search, sort=_sort()),
        page_numbers=page_numbers(result.page, result.pages),
        **extra,
    )


@bp.get("/imported")
@admin_required(AdminRole.USER_ADMIN)
def imported() -> Page:
    return _imported_page(request.args.get("q", "").strip())


@bp.post("/imported/activate")
@admin_required(AdminRole.USER_ADMIN)
def activate_imported() -> Page:
    form = request.form
    search = form.get("q", "").strip()
    if form.get("all_matching"):
        chosen = people.matching_people(g.org, status=UserStatus.IMPORTED, search=search or None)
    else:
        ids = [int(v) for v in form.getlist("person") if v.isdigit()]
        chosen = people.people_by_ids(g.org, ids)
    choices = {"login_means": form.get("login_means", ""), "privileges": form.get("privileges")}
    if not chosen:
        error = _("Choose at least one person to activate.")
        return _imported_page(search, 400, error=error, choices=choices)
    with shown_on(partial(_imported_page, search), choices=choices):
        results = activation.activate_users(
            g.org,
            chosen,
            login_means=form.get("login_means", ""),
            privileges=privilege_lines(form.get("privileges")),
            actor=_actor(),
        )
    return page("admin/activation_result.html", results=results)


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

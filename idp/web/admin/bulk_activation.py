"""Imported people and their activation in two steps: the first POST checks the choices and
shows what will happen (how many people, which login means and rights, how many mails); only
the confirmation POST activates and queues the mails, in one transaction. Nothing is queued
before the administrator confirms. Scoped to the administrator's organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import g, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from ...models import User
from ...models.enums import AdminRole, UserStatus
from ...services import people
from ...services.lifecycle import activation, privileges
from ...services.lifecycle.choices import check_choices
from ..errors import shown_on
from ..pages import page
from . import bp
from .auth import admin_required
from .people import _links, _listing, _sort, page_numbers

# How many of the chosen people the confirmation page names (the rest are counted).
SHOWN_ON_CONFIRM = 50
# How many report lines the result page shows (those not activated first).
RESULT_LINES = 500
# Ids travel in the form only for people ticked on one listing page; more is a forged form.
MAX_TICKED = people.MAX_PER_PAGE
Page = Response


@dataclass
class Selection:
    """Who an activation is for: the people ticked, or every imported person matching the
    search (re-evaluated at confirmation)."""

    ids: list[int]
    all_matching: bool
    search: str

    @classmethod
    def of(cls, form: MultiDict[str, str]) -> Selection:
        ids = [int(v) for v in form.getlist("person") if v.isdigit() and len(v) < 19][:MAX_TICKED]
        return cls(list(dict.fromkeys(ids)), bool(form.get("all_matching")), form.get("q", ""))

    def own(self) -> Selection:
        """The selection without ids of anyone outside the organisation (a forged form)."""
        ids = [p.id for p in people.people_by_ids(g.org, self.ids)] if self.ids else []
        return Selection(sorted(ids, key=self.ids.index), self.all_matching, self.search)

    def count(self) -> int:
        if self.all_matching:
            search = self.search.strip() or None
            return people.count_matching(g.org, status=UserStatus.IMPORTED, search=search)
        return len(people.people_by_ids(g.org, self.ids)) if self.ids else 0

    def first(self) -> list[User]:
        """The first people of the selection, by username (what the confirm page names)."""
        if self.all_matching:
            return self._matching(SHOWN_ON_CONFIRM).items
        return people.people_by_ids(g.org, self.ids)[:SHOWN_ON_CONFIRM]

    def everyone(self) -> list[User]:
        if self.all_matching:
            return people.matching_people(
                g.org, status=UserStatus.IMPORTED, search=self.search.strip() or None
            )
        return people.people_by_ids(g.org, self.ids)

    def _matching(self, per_page: int) -> people.PeoplePage:
        return people.search_people(
            g.org,
            status=UserStatus.IMPORTED,
            search=self.search.strip() or None,
            sort="username",
            page=1,
            per_page=per_page,
        )


def _choices(form: MultiDict[str, str]) -> dict[str, Any]:
    return {
        "login_means": form.get("login_means", ""),
        "privileges": list(dict.fromkeys(v.strip() for v in form.getlist("privileges"))),
    }


def _imported_page(search: str, status: int = 200, **extra: Any) -> Response:
    result = _listing(status=UserStatus.IMPORTED, exclude_status=None, search=search)
    return page(
        "admin/imported.html",
        status,
        result=result,
        search=search,
        catalogue=privileges.catalogue(g.org),
        listing=_links("admin.imported", q=search, sort=_sort()),
        page_numbers=page_numbers(result.page, result.pages),
        **extra,
    )


@bp.get("/imported")
@admin_required(AdminRole.USER_ADMIN)
def imported() -> Page:
    return _imported_page(request.args.get("q", "").strip())


def _confirm_page(selection: Selection, choices: dict[str, Any], **extra: Any) -> Response:
    count = selection.count()
    chosen = set(choices["privileges"])
    return page(
        "admin/activation_confirm.html",
        extra.pop("status", 200),
        selection=selection,
        count=count,
        shown=selection.first(),
        choices=choices,
        rights=[p for p in privileges.catalogue(g.org) if p.urn in chosen],
        **extra,
    )


@bp.post("/imported/activate")
@admin_required(AdminRole.USER_ADMIN)
def activate_imported() -> Page:
    """Step one: check the choices and show the confirmation page (nothing is queued)."""
    selection, choices = Selection.of(request.form).own(), _choices(request.form)
    again = partial(
        _imported_page,
        selection.search.strip(),
        choices=choices,
        ticked=set(selection.ids),
        all_matching=selection.all_matching,
    )
    if not selection.count():
        return again(400, error=_("Choose at least one person to activate."))
    with shown_on(again):
        check_choices(choices["login_means"], choices["privileges"], g.org)
    return _confirm_page(selection, choices)


@bp.post("/imported/activate/confirm")
@admin_required(AdminRole.USER_ADMIN)
def confirm_activation() -> Page:
    """Step two: activate and queue every mail in one transaction, a report line per person.
    A "select all matching" whose count changed since step one is shown again to confirm."""
    selection, choices = Selection.of(request.form), _choices(request.form)
    expected = request.form.get("expected", type=int)
    if selection.all_matching and selection.count() != expected:
        return _confirm_page(selection, choices, status=409, changed_from=expected)
    with shown_on(partial(_imported_page, selection.search.strip()), choices=choices):
        results = activation.activate_users(
            g.org,
            selection.everyone(),
            login_means=choices["login_means"],
            privileges=choices["privileges"],
            actor=str(g.admin.username),
        )
    return page("admin/activation_result.html", results=results, limit=RESULT_LINES)

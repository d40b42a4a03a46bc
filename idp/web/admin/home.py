"""The admin's landing page and the tab bar every admin page shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, g, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from ...models.enums import AdminRole, AuthenticatorStatus, UserStatus
from ...services.lifecycle import funnel, reminders
from ...services.lifecycle.funnel import PeopleFilter, Stage
from ...services.means import login_throttle
from ..pages import page
from . import bp
from .auth import admin_required, current_admin

# (endpoint, label, roles that see it). A tab shows once its page exists and the
# administrator holds one of its roles.
TABS = [
    ("admin.imported", _l("Imported users"), (AdminRole.USER_ADMIN,)),
    ("admin.users", _l("Users"), (AdminRole.USER_ADMIN, AdminRole.REGISTRAR)),
    ("admin.requests", _l("Access requests"), (AdminRole.USER_ADMIN,)),
    ("admin.login_means", _l("Login means"), (AdminRole.USER_ADMIN,)),
    ("admin.registrar", _l("Identity checks"), (AdminRole.REGISTRAR,)),
    ("admin.privileges_page", _l("Rights"), (AdminRole.ORG_ADMIN,)),
    ("admin.services", _l("Services"), (AdminRole.ORG_ADMIN,)),
    ("admin.settings", _l("Settings"), (AdminRole.ORG_ADMIN,)),
    ("admin.audit", _l("Audit"), (AdminRole.USER_ADMIN, AdminRole.REGISTRAR, AdminRole.ORG_ADMIN)),
]


def visible_tabs() -> list[tuple[str, str]]:
    roles = set(g.admin.roles or [])
    return [
        (endpoint, str(label))
        for endpoint, label, allowed in TABS
        if endpoint in current_app.view_functions and roles & set(allowed)
    ]


@bp.app_context_processor
def admin_tabs() -> dict[str, object]:
    return {"admin_tabs": visible_tabs if g.get("admin") is not None else list}


USERS = "admin.users"
PEOPLE_ADMINS = (AdminRole.USER_ADMIN, AdminRole.REGISTRAR)
USER_ADMIN = (AdminRole.USER_ADMIN,)
PENDING = UserStatus.PENDING_ACTIVATION
# The dashboard's numbers: (name, label, roles that see it, the list it links to (endpoint
# and query), how it is counted). The funnel's four steps come first, in order.
FIGURES: list[tuple[str, Any, tuple[str, ...], str, dict[str, Any]]] = [
    (Stage.IMPORTED, _l("Imported"), USER_ADMIN, "admin.imported", {}),
    (
        Stage.MAILED,
        _l("Activation mailed"),
        PEOPLE_ADMINS,
        USERS,
        {"status": PENDING, "state": PeopleFilter.UNPROVEN},
    ),
    (
        Stage.PROVEN,
        _l("Identity proven"),
        PEOPLE_ADMINS,
        USERS,
        {"status": PENDING, "state": PeopleFilter.PROVEN},
    ),
    (Stage.ACTIVE, _l("Active"), PEOPLE_ADMINS, USERS, {"status": UserStatus.ACTIVE}),
    (
        "expiring",
        _l("Activation links that expire within 7 days"),
        USER_ADMIN,
        USERS,
        {"status": PENDING, "state": PeopleFilter.LINK_EXPIRING},
    ),
    (
        "locked",
        _l("People whose login means are locked"),
        USER_ADMIN,
        USERS,
        {"state": PeopleFilter.MEANS_LOCKED},
    ),
    ("requests", _l("Pending access requests"), USER_ADMIN, "admin.requests", {}),
    (
        "stock",
        _l("Code displays in stock"),
        USER_ADMIN,
        "admin.login_means",
        {"status": AuthenticatorStatus.IN_STOCK},
    ),
]
COUNTS = {
    "expiring": funnel.expiring_links,
    "locked": funnel.locked_means,
    "requests": funnel.pending_requests,
    "stock": funnel.codes_in_stock,
}
EXPIRING_SHOWN = 10  # people in the dashboard's list of links that expire soon
BAR_WIDTH = 240  # the longest bar of the funnel picture, in SVG units


@dataclass
class Figure:
    """One number of the dashboard, with the list that shows exactly what it counts."""

    name: str
    label: str
    count: int
    url: str
    bar: int = 0  # the bar's length in the funnel picture


def dashboard(roles: set[str]) -> tuple[list[Figure], list[Figure]]:
    """The funnel's steps and the other numbers this administrator's roles may see."""
    shown = [
        (name, label, endpoint, query)
        for name, label, allowed, endpoint, query in FIGURES
        if roles & set(allowed) and endpoint in current_app.view_functions
    ]
    stages = funnel.stage_counts(g.org) if any(n in funnel.STAGES for n, *_ in shown) else {}
    figures = [
        Figure(
            name,
            str(label),
            stages[name] if name in stages else COUNTS[name](g.org),
            url_for(endpoint, **query),
        )
        for name, label, endpoint, query in shown
    ]
    steps = [f for f in figures if f.name in funnel.STAGES]
    longest = max([f.count for f in steps] + [1])
    for step in steps:
        # A step with anyone at all gets a visible bar.
        step.bar = max(2, round(BAR_WIDTH * step.count / longest)) if step.count else 0
    return steps, [f for f in figures if f.name not in funnel.STAGES]


@bp.get("/")
@admin_required()
def home() -> Response:
    admin, org = current_admin()
    # The people's administrators see which accounts someone is trying to guess into.
    attacked = (
        login_throttle.accounts_under_attack(org)
        if AdminRole.USER_ADMIN in (admin.roles or [])
        else []
    )
    steps, figures = dashboard(set(admin.roles or []))
    # The first few links that run out soon; the whole list is the people list's filter.
    expiring = (
        reminders.expiring_soon(org, limit=EXPIRING_SHOWN)
        if AdminRole.USER_ADMIN in (admin.roles or [])
        else []
    )
    return page(
        "admin/home.html",
        attacked=attacked,
        steps=steps,
        figures=figures,
        expiring=expiring,
        expiring_all=url_for(USERS, status=PENDING, state=PeopleFilter.LINK_EXPIRING),
    )

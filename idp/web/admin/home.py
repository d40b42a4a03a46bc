"""The admin's landing page and the tab bar every admin page shares."""

from __future__ import annotations

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from ...services.means import login_throttle
from ..pages import page
from . import bp
from .auth import admin_required, current_admin

# (endpoint, label, roles that see it). A tab shows once its page exists and the
# administrator holds one of its roles.
TABS = [
    ("admin.imported", _l("Imported users"), ("user_admin",)),
    ("admin.users", _l("Users"), ("user_admin", "registrar")),
    ("admin.requests", _l("Access requests"), ("user_admin",)),
    ("admin.login_means", _l("Login means"), ("user_admin",)),
    ("admin.registrar", _l("Identity checks"), ("registrar",)),
    ("admin.services", _l("Services"), ("org_admin",)),
    ("admin.settings", _l("Settings"), ("org_admin",)),
    ("admin.audit", _l("Audit"), ("user_admin", "registrar", "org_admin")),
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


@bp.get("/")
@admin_required()
def home() -> Response:
    admin, org = current_admin()
    # The people's administrators see which accounts someone is trying to guess into.
    attacked = (
        login_throttle.accounts_under_attack(org) if "user_admin" in (admin.roles or []) else []
    )
    return page("admin/home.html", attacked=attacked)

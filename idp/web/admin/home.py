"""The admin's landing page and the tab bar every admin page shares."""

from __future__ import annotations

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from ...models.enums import AdminRole
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
    return page("admin/home.html", attacked=attacked)

"""The organisation administrator's catalogue of rights: list, add, change the labels and
services of, and remove (refused while people hold the right) the privilege URNs the user
administrators choose from. Scoped to the administrator's organisation; rules in services.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import g, request, url_for
from flask_babel import get_locale
from werkzeug.wrappers import Response

from ...models import Privilege
from ...models.enums import AdminRole
from ...services.errors import NotFound
from ...services.lifecycle import privileges
from ..errors import shown_on
from ..pages import page, redirect_to
from . import bp
from .auth import admin_required

Page = Response


@bp.app_template_filter("privilege_label")
def privilege_label(right: Privilege) -> str:
    """A right's label in the page's language."""
    locale = get_locale()
    return right.label_en if locale is not None and locale.language == "en" else right.label_da


def _page(status: int = 200, **extra: Any) -> Response:
    rights = privileges.catalogue(g.org)
    return page(
        "admin/privileges.html",
        status,
        rights=rights,
        holders={right.id: privileges.holders(g.org, right.urn) for right in rights},
        services=privileges.services_of(g.org),
        done=request.args.get("done"),
        **extra,
    )


def _form() -> dict[str, Any]:
    return {
        "urn": request.form.get("urn", ""),
        "label_da": request.form.get("label_da", ""),
        "label_en": request.form.get("label_en", ""),
        "client_ids": request.form.getlist("client_ids"),
    }


def _done(what: str) -> Response:
    return redirect_to(url_for("admin.privileges_page", done=what))


@bp.get("/privileges")
@admin_required(AdminRole.ORG_ADMIN)
def privileges_page() -> Page:
    return _page()


@bp.post("/privileges")
@admin_required(AdminRole.ORG_ADMIN)
def add_privilege() -> Page:
    form = _form()
    with shown_on(_page, form=form):
        privileges.add_privilege(g.org, **form, actor=str(g.admin.username))
    return _done("added")


@bp.post("/privileges/<int:privilege_id>")
@admin_required(AdminRole.ORG_ADMIN)
def edit_privilege(privilege_id: int) -> Page:
    form = _form()
    form.pop("urn")
    # Another organisation's right is the plain 404 page.
    with shown_on(partial(_page, failed=privilege_id), but=(NotFound,)):
        privileges.edit_privilege(g.org, privilege_id, **form, actor=str(g.admin.username))
    return _done("changed")


@bp.post("/privileges/<int:privilege_id>/remove")
@admin_required(AdminRole.ORG_ADMIN)
def remove_privilege(privilege_id: int) -> Page:
    with shown_on(partial(_page, failed=privilege_id), but=(NotFound,)):
        privileges.remove_privilege(g.org, privilege_id, actor=str(g.admin.username))
    return _done("removed")

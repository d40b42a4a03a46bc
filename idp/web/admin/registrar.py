"""The registrar's page: people waiting for activation whose identity level is below the
organisation minimum, and the record of a face-to-face ID document check for one of them."""

from __future__ import annotations

from datetime import date
from functools import partial

from flask import g, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...models import User
from ...models.enums import AdminRole
from ...services.proofing import records as proofing
from ...services.proofing import settings as proofing_settings
from ...services.proofing.in_person import DOCUMENT_TYPES, DocumentCheck, record_in_person
from ..errors import shown_on
from ..pages import page, redirect_to
from . import bp
from .auth import admin_required, person_of_org

Page = Response


@bp.get("/registrar")
@admin_required(AdminRole.REGISTRAR)
def registrar() -> Page:
    return page(
        "admin/registrar.html",
        people=proofing.awaiting_identity_check(g.org),
        minimum=proofing_settings.minimum_ial(g.org),
        done=request.args.get("done"),
    )


def _person_page(person: User, status: int = 200, **extra: object) -> Page:
    return page(
        "admin/registrar_person.html",
        status,
        person=person,
        minimum=proofing_settings.minimum_ial(g.org),
        document_types=DOCUMENT_TYPES,
        form=request.form,
        errors=extra.pop("errors", {}),
        **extra,
    )


@bp.get("/registrar/<int:user_id>")
@admin_required(AdminRole.REGISTRAR)
def registrar_person(user_id: int) -> Page:
    return _person_page(person_of_org(user_id))


@bp.post("/registrar/<int:user_id>")
@admin_required(AdminRole.REGISTRAR)
def record_check(user_id: int) -> Page | Response:
    person = person_of_org(user_id)
    document_type = request.form.get("document_type", "")
    last4 = request.form.get("last4", "").strip()
    errors: dict[str, str] = {}
    if document_type not in DOCUMENT_TYPES:
        errors["document_type"] = _("Choose the type of document.")
    if not last4:
        errors["last4"] = _("Type the last 4 characters of the document number.")
    try:
        expires = date.fromisoformat(request.form.get("expires", "").strip())
    except ValueError:
        errors["expires"] = _("Type the expiry date as YYYY-MM-DD.")
    if errors:
        return _person_page(person, 400, errors=errors)
    with shown_on(partial(_person_page, person), field="check"):
        record_in_person(person, g.admin, DocumentCheck(document_type, last4, expires))
    return redirect_to(url_for("admin.registrar", done=person.username))

"""A person's page for the user administrator: their rights (four eyes for one's own),
activation and its resent mail, and their login means (unlock, revoke, replace). Scoped to
the administrator's organisation by person_of_org; the rules are in services.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import g, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...models import User
from ...models.enums import AdminRole, RecoveryKind
from ...services import people
from ...services import users as user_service
from ...services.errors import NotFound
from ...services.lifecycle import activation, four_eyes, recovery
from ...services.lifecycle import privileges as privilege_catalogue
from ...services.means import authenticators, code_display, verification
from ...services.proofing import records as proofing
from ..errors import shown_on
from ..pages import page, redirect_to
from . import bp
from .auth import admin_required, person_of_org

Page = Response


def _actor() -> str:
    return str(g.admin.username)


def _person_page(person: User, status: int = 200, **extra: Any) -> Response:
    means = authenticators.authenticators_of(person)
    return page(
        "admin/person.html",
        status,
        person=person,
        means=means,
        locked={m.id for m in means if verification.is_locked(m)},
        records=proofing.records_of(person),
        events=people.audit_of(g.org, person.username),
        last_sent=activation.last_sent(person),
        can_manage=AdminRole.USER_ADMIN in (g.admin.roles or []),
        pending=four_eyes.pending_changes(g.org, person),
        current_admin_id=g.admin.id,
        done=request.args.get("done"),
        catalogue=privilege_catalogue.catalogue(g.org),
        **extra,
    )


def _done(person: User, what: str) -> Response:
    return redirect_to(url_for("admin.person", user_id=person.id, done=what))


@bp.get("/people/<int:user_id>")
@admin_required(AdminRole.USER_ADMIN, AdminRole.REGISTRAR)
def person(user_id: int) -> Page:
    return _person_page(person_of_org(user_id))


@bp.post("/people/<int:user_id>/activate")
@admin_required(AdminRole.USER_ADMIN)
def activate_person(user_id: int) -> Page:
    someone = person_of_org(user_id)
    with shown_on(partial(_person_page, someone)):
        [result] = activation.activate_users(
            g.org,
            [someone],
            login_means=request.form.get("login_means", ""),
            privileges=list(dict.fromkeys(request.form.getlist("privileges"))),
            actor=_actor(),
        )
    if not result.ok:
        return _person_page(someone, 409, error=result.localized_message())
    return _done(someone, "activated")


@bp.post("/people/<int:user_id>/resend")
@admin_required(AdminRole.USER_ADMIN)
def resend_activation(user_id: int) -> Page:
    someone = person_of_org(user_id)
    with shown_on(partial(_person_page, someone)):  # not pending, or throttled
        activation.resend(someone, actor=_actor())
    return _done(someone, "resent")


@bp.post("/people/<int:user_id>/privileges")
@admin_required(AdminRole.USER_ADMIN)
def person_privileges(user_id: int) -> Page:
    someone = person_of_org(user_id)
    add = list(dict.fromkeys(request.form.getlist("add")))
    remove = request.form.getlist("remove")
    if not add and not remove:
        return _person_page(someone, 400, error=_("Add or remove at least one right."))
    with shown_on(partial(_person_page, someone)):
        privilege_catalogue.check_known(g.org, add)  # rights are chosen from the catalogue
        if four_eyes.is_own_change(g.admin, someone):
            # Four eyes: your own rights change only when a second administrator approves.
            four_eyes.propose_privileges(g.admin, add=add, remove=remove)
            return _done(someone, "proposed")
        user_service.set_privileges(someone, add=add, remove=remove, actor=_actor())
    return _done(someone, "privileges")


@bp.post("/people/<int:user_id>/changes/<int:change_id>/approve")
@admin_required(AdminRole.USER_ADMIN)
def approve_change(user_id: int, change_id: int) -> Page:
    return _decide_change(user_id, change_id, four_eyes.approve, "approved")


@bp.post("/people/<int:user_id>/changes/<int:change_id>/reject")
@admin_required(AdminRole.USER_ADMIN)
def reject_change(user_id: int, change_id: int) -> Page:
    return _decide_change(user_id, change_id, four_eyes.reject, "rejected")


def _decide_change(user_id: int, change_id: int, decide: Any, done: str) -> Page:
    someone = person_of_org(user_id)
    # A change that is not there (or not this person's) is the plain 404 page.
    with shown_on(partial(_person_page, someone), but=(NotFound,)):
        decide(g.org, someone, change_id, g.admin)
    return _done(someone, done)


@bp.post("/people/<int:user_id>/means/unlock")
@admin_required(AdminRole.USER_ADMIN)
def unlock_means(user_id: int) -> Page:
    someone = person_of_org(user_id)
    with shown_on(partial(_person_page, someone)):
        verification.unlock(someone, actor=_actor())
    return _done(someone, "unlocked")


@bp.post("/people/<int:user_id>/means/revoke")
@admin_required(AdminRole.USER_ADMIN)
def revoke_means(user_id: int) -> Page:
    someone = person_of_org(user_id)
    authenticators.revoke_all(someone, actor=_actor())
    return _done(someone, "revoked")


@bp.post("/people/<int:user_id>/means/replace")
@admin_required(AdminRole.USER_ADMIN)
def replace_means(user_id: int) -> Page:
    someone = person_of_org(user_id)
    serial = request.form.get("serial", "").strip()
    if not serial:
        return _person_page(someone, 400, error=_("Enter the code display's serial number."))
    with shown_on(partial(_person_page, someone), serial=serial):
        code_display.replace_with_code_display(someone, serial, actor=_actor())
    return _done(someone, "replaced")


@bp.post("/people/<int:user_id>/recovery/password")
@admin_required(AdminRole.USER_ADMIN)
def recovery_password(user_id: int) -> Page:
    return _start_recovery(user_id, RecoveryKind.PASSWORD)


@bp.post("/people/<int:user_id>/recovery/means")
@admin_required(AdminRole.USER_ADMIN)
def recovery_means(user_id: int) -> Page:
    return _start_recovery(user_id, RecoveryKind.MEANS)


def _start_recovery(user_id: int, kind: str) -> Page:
    """Mail the person a recovery link (new password or new login means), audited; the
    person still proves possession of their means or re-proves their identity."""
    someone = person_of_org(user_id)
    with shown_on(partial(_person_page, someone)):  # not active
        recovery.start_for(someone, kind, actor=_actor())
    return _done(someone, f"recovery_{kind}")

"""Access requests: the user administrator approves (login means and rights, then the person
continues as in an activation) or rejects (with an optional reason) people who asked."""

from __future__ import annotations

from flask import g, request, url_for
from werkzeug.wrappers import Response

from ...models.enums import AdminRole, RequestStatus
from ...services.lifecycle import access_requests, privileges
from ..errors import shown_on
from ..pages import page, redirect_to
from . import bp
from .auth import admin_required

Page = Response


def _page(status: int = 200, **extra: object) -> Response:
    return page(
        "admin/requests.html",
        status,
        pending=access_requests.list_requests(g.org, RequestStatus.PENDING),
        done=request.args.get("done"),
        catalogue=privileges.catalogue(g.org),
        **extra,
    )


@bp.get("/requests")
@admin_required(AdminRole.USER_ADMIN)
def requests() -> Page:
    return _page()


@bp.post("/requests/<int:request_id>/approve")
@admin_required(AdminRole.USER_ADMIN)
def approve_request(request_id: int) -> Page:
    found = access_requests.request_of_org(g.org, request_id)
    login_means = request.form.get("login_means", "")
    # Checkboxes from the organisation's catalogue; approve() refuses a URN not in it.
    chosen = list(dict.fromkeys(v.strip() for v in request.form.getlist("privileges")))
    choices = {"login_means": login_means, "privileges": chosen}
    with shown_on(_page, failed=request_id, choices=choices):
        access_requests.approve(
            found, login_means=login_means, privileges=chosen, actor=str(g.admin.username)
        )
    return redirect_to(url_for("admin.requests", done="approved"))


@bp.post("/requests/<int:request_id>/reject")
@admin_required(AdminRole.USER_ADMIN)
def reject_request(request_id: int) -> Page:
    found = access_requests.request_of_org(g.org, request_id)
    with shown_on(_page, failed=request_id):
        access_requests.reject(
            found, reason=request.form.get("reason", ""), actor=str(g.admin.username)
        )
    return redirect_to(url_for("admin.requests", done="rejected"))

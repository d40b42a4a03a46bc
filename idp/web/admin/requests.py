"""Access requests: the user administrator approves (login means and rights, then the person
continues as in an activation) or rejects (with an optional reason) people who asked."""

from __future__ import annotations

from flask import abort, g, request, url_for
from werkzeug.wrappers import Response

from ...models import AccessRequest
from ...services.errors import InvalidInput, NotFound, ServiceError
from ...services.lifecycle import access_requests
from ..pages import page, redirect_to
from . import bp
from .auth import admin_required
from .people import _lines

Page = Response


def _request_of_org(request_id: int) -> AccessRequest:
    try:
        return access_requests.request_of_org(g.org, request_id)
    except NotFound:
        abort(404)


def _page(status: int = 200, **extra: object) -> Response:
    return page(
        "admin/requests.html",
        status,
        pending=access_requests.list_requests(g.org, "pending"),
        done=request.args.get("done"),
        **extra,
    )


@bp.get("/requests")
@admin_required("user_admin")
def requests() -> Page:
    return _page()


@bp.post("/requests/<int:request_id>/approve")
@admin_required("user_admin")
def approve_request(request_id: int) -> Page:
    found = _request_of_org(request_id)
    choices = {
        "login_means": request.form.get("login_means", ""),
        "privileges": request.form.get("privileges", ""),
    }
    try:
        access_requests.approve(
            found,
            login_means=choices["login_means"],
            privileges=_lines(choices["privileges"]),
            actor=str(g.admin.username),
        )
    except InvalidInput as error:
        return _page(400, error=error.localized(), failed=request_id, choices=choices)
    except ServiceError as error:
        return _page(409, error=error.localized(), failed=request_id, choices=choices)
    return redirect_to(url_for("admin.requests", done="approved"))


@bp.post("/requests/<int:request_id>/reject")
@admin_required("user_admin")
def reject_request(request_id: int) -> Page:
    found = _request_of_org(request_id)
    try:
        access_requests.reject(
            found, reason=request.form.get("reason", ""), actor=str(g.admin.username)
        )
    except ServiceError as error:
        return _page(409, error=error.localized(), failed=request_id)
    return redirect_to(url_for("admin.requests", done="rejected"))

"""Asking an organisation for access: search, prove who you are with your private eID, give
a work e-mail, and follow the request's status. The proven identity and the request live in
a sealed session state (the person has no account here yet)."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..oidc import federation
from ..services.errors import InvalidInput, NotFound, ServiceError
from ..services.lifecycle import access_requests
from .pages import page, redirect_to
from .sealing import seal, unseal

bp = Blueprint("access", __name__, url_prefix="/request-access")
STATE_KEY = "access"
STATE_PURPOSE = "access-request"
STATE_TTL = 24 * 3600  # the status page stays reachable for a day in this browser

Page = Response


def state() -> dict[str, Any] | None:
    return unseal(STATE_PURPOSE, session.get(STATE_KEY), STATE_TTL)


def store_proven(org_id: int, *, issuer: str, subject: str, level: str, name: str) -> None:
    """Called by the private eID callback with the validated upstream claims."""
    session[STATE_KEY] = seal(
        STATE_PURPOSE,
        {
            "o": org_id,
            "iss": issuer,
            "sub": subject,
            "lvl": level,
            "name": name,
            "t": int(time.time()),
        },
    )


def _message(message: str, status: int) -> Response:
    return page("access/message.html", status, message=message)


@bp.get("")
def search() -> Page:
    query = request.args.get("q", "").strip()
    current = state()
    return page(
        "access/search.html",
        query=query,
        results=access_requests.search_organisations(query) if query else None,
        has_request=bool(current and current.get("req")),
    )


@bp.post("/<int:org_id>/prove")
def prove(org_id: int) -> Page:
    from .proofing import PENDING_KEY, upstream

    try:
        org = access_requests.requestable(org_id)
    except NotFound as error:
        return _message(error.localized(), 404)
    except ServiceError as error:
        return _message(error.localized(), 400)
    target = upstream()
    if target is None:
        return _message(_("The private eID route is not available."), 400)
    try:
        url, pending = federation.start(target)
    except federation.UpstreamError as error:
        return _message(error.localized(), 502)
    session[PENDING_KEY] = seal(
        "private-eid",
        {
            "s": pending.state,
            "n": pending.nonce,
            "v": pending.code_verifier,
            "p": "access_request",
            "o": org.id,
            "r": url_for("access.details"),
            "t": int(time.time()),
        },
    )
    return redirect_to(url)


def _details_page(current: dict[str, Any], status: int = 200, **extra: Any) -> Response:
    org = access_requests.requestable(int(current["o"]))
    return page(
        "access/details.html",
        status,
        org=org,
        proven_name=current.get("name") or "",
        form=request.form,
        errors=extra.pop("errors", {}),
        **extra,
    )


@bp.get("/details")
def details() -> Page:
    current = state()
    if current is None:
        return redirect_to(url_for("access.search"))
    if current.get("req"):
        return redirect_to(url_for("access.status"))
    try:
        return _details_page(current)
    except ServiceError as error:
        return _message(error.localized(), 400)


@bp.post("/details")
def submit() -> Page:
    current = state()
    if current is None:
        return redirect_to(url_for("access.search"))
    if current.get("req"):
        return redirect_to(url_for("access.status"))
    try:
        org = access_requests.requestable(int(current["o"]))
        made = access_requests.submit(
            org,
            issuer=current["iss"],
            subject=current["sub"],
            level=current["lvl"],
            name=current.get("name") or request.form.get("name", ""),
            email=request.form.get("email", ""),
        )
    except InvalidInput as error:
        if error.field:
            return _details_page(current, 400, errors={error.field: error.localized()})
        return _message(error.localized(), 403)
    except NotFound as error:
        return _message(error.localized(), 404)
    except ServiceError as error:
        return _message(error.localized(), 409)
    session[STATE_KEY] = seal(STATE_PURPOSE, {**current, "req": made.id, "t": int(time.time())})
    return redirect_to(url_for("access.status"))


@bp.get("/status")
def status() -> Page:
    current = state()
    found = None
    if current is not None and current.get("req"):
        found = access_requests.status_for(
            int(current["req"]), issuer=current["iss"], subject=current["sub"]
        )
    if found is None:
        return _message(_("There is no access request in this browser. Start again."), 404)
    return page("access/status.html", access=found)

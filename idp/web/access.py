"""Asking an organisation for access: search, prove who you are with your private eID, give
a work e-mail, and follow the request's status. The proven identity and the request live in
a sealed session state (the person has no account here yet). When this server has no private
eID provider, the pages say that requesting access is not possible here now."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..models.enums import ProofingRoute
from ..services.errors import ServiceError
from ..services.lifecycle import access_requests
from ..services.proofing.settings import missing
from . import private_eid
from .errors import ErrorPage, shown_on
from .pages import page, redirect_to
from .sealing import seal, unseal

bp = Blueprint("access", __name__, url_prefix="/request-access")
STATE_KEY = "access"
STATE_PURPOSE = "access-request"
STATE_TTL = 24 * 3600  # the status page stays reachable for a day in this browser
JOURNEY = "access_request"

Page = Response


def state() -> dict[str, Any] | None:
    return unseal(STATE_PURPOSE, session.get(STATE_KEY), STATE_TTL)


def _message(status: int, /, *, error: str) -> Response:
    return page("access/message.html", status, message=error)


def _refused(current: dict[str, Any]) -> ErrorPage:
    """How a refused submission is shown: at its input on the form, else on a page of its own,
    with the status the error carries."""

    def render(error: ServiceError) -> Response:
        if error.field:
            return _details_page(current, error.status, errors={error.field: error.localized()})
        return _message(error.status, error=error.localized())

    return render


def _server_takes_requests() -> bool:
    """Requests are proven with a private eID: without a provider, none can be made here."""
    return missing(ProofingRoute.PRIVATE_EID) is None


def _not_possible() -> Response:
    return _message(400, error=_("Requesting access is not possible on this server right now."))


@bp.get("")
def search() -> Page:
    query = request.args.get("q", "").strip()
    current = state()
    ready = _server_takes_requests()
    return page(
        "access/search.html",
        query=query,
        ready=ready,
        results=access_requests.search_organisations(query) if query and ready else None,
        has_request=bool(current and current.get("req")),
    )


@bp.post("/<int:org_id>/prove")
def prove(org_id: int) -> Page:
    if not _server_takes_requests():
        return _not_possible()
    with shown_on(_message):
        org = access_requests.requestable(org_id)
        return private_eid.start(JOURNEY, url_for("access.details"), org_id=org.id)


@private_eid.journey(JOURNEY)
def _proven(trip: private_eid.RoundTrip) -> Response:
    """A requester who is not a user yet: keep the proven upstream identity in their sealed
    session state; the access request pages take it from there."""
    proven = private_eid.verify(trip, dict(request.args))
    session[STATE_KEY] = seal(
        STATE_PURPOSE,
        {
            "o": trip.org_id,
            "iss": proven.issuer,
            "sub": proven.subject,
            "lvl": proven.level,
            "name": proven.name,
            "t": int(time.time()),
        },
    )
    return redirect_to(trip.return_to)


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
    with shown_on(_message):
        return _details_page(current)


@bp.post("/details")
def submit() -> Page:
    current = state()
    if current is None:
        return redirect_to(url_for("access.search"))
    if current.get("req"):
        return redirect_to(url_for("access.status"))
    with shown_on(render=_refused(current)):
        org = access_requests.requestable(int(current["o"]))
        made = access_requests.submit(
            org,
            issuer=current["iss"],
            subject=current["sub"],
            level=current["lvl"],
            name=current.get("name") or request.form.get("name", ""),
            email=request.form.get("email", ""),
        )
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
        return _message(404, error=_("There is no access request in this browser. Start again."))
    return page("access/status.html", access=found)

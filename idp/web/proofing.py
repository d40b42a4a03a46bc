"""Proving who you are: the person's proofing page, and the callback every private eID round
trip returns to (idp/web/private_eid.py hands it to the journey that started it)."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, request, url_for
from werkzeug.wrappers import Response

from ..services.proofing import records as proofing_service
from ..services.proofing import settings as proofing_settings
from . import private_eid
from .errors import shown_on
from .pages import page, redirect_to
from .state import current_session

bp = Blueprint("proofing", __name__)
JOURNEY = "proofing"


@bp.get("/account/proofing")
def home() -> Response:
    _browser_session, user = current_session()
    if user is None:
        return redirect_to(url_for("login.start"))
    return page(
        "proofing/home.html",
        user=user,
        records=proofing_service.records_of(user),
        private_eid=private_eid.offered_to(user),
        minimum=proofing_settings.minimum_ial(user.organisation),
    )


@bp.post("/account/proofing/private-eid")
def start() -> Response:
    _browser_session, user = current_session()
    if user is None:
        return redirect_to(url_for("login.start"))
    return private_eid.start_proving(user, JOURNEY, url_for("proofing.home"))


@bp.get(private_eid.CALLBACK_PATH)
def callback() -> Response:
    with shown_on(partial(private_eid.result_page, None)):
        return private_eid.returned()


@private_eid.journey(JOURNEY)
def _proven(trip: private_eid.RoundTrip) -> Response:
    """The logged-in person who started the round trip proves their identity."""
    _browser_session, user = current_session()
    if user is None or user.id != trip.user_id:
        raise private_eid.not_this_session()
    return private_eid.prove(user, trip, dict(request.args))

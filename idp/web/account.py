"""The person's own page: who is logged in, remembered consents (revocable), logout."""

from __future__ import annotations

from flask import Blueprint, url_for
from werkzeug.wrappers import Response

from ..services.clients import get_client
from ..services.oauth import consent
from .pages import page, redirect_to
from .state import current_session

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("/")
def home() -> Response:
    browser_session, user = current_session()
    if user is None:
        return redirect_to(url_for("login.start"))
    consents = [(c, get_client(c.client_id)) for c in consent.list_consents(user)]
    return page("account/home.html", user=user, session=browser_session, consents=consents)


@bp.post("/consents/<int:consent_id>/revoke")
def revoke_consent(consent_id: int) -> Response:
    _browser_session, user = current_session()
    if user is None:
        return redirect_to(url_for("login.start"))
    consent.revoke_consent(user, consent_id)
    return redirect_to(url_for("account.home"))

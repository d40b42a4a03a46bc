"""The landing page at ``/``, and who is signed in for the header every page shares."""

from __future__ import annotations

from flask import Blueprint, session
from werkzeug.wrappers import Response

from ..models import User
from .pages import page
from .state import current_session

bp = Blueprint("landing", __name__)


@bp.get("/")
def home() -> Response:
    _browser_session, user = current_session()
    return page("landing.html", user=user)


def signed_in() -> User | None:
    """The person signed in at this browser, or None; never fails a page (an error page
    rendered because the database is down still renders, without the person)."""
    if not session.get("sid"):
        return None  # none, or logged out during this very request (the logged-out page)
    try:
        return current_session()[1]
    except Exception:  # the header must not turn an error page into a 500
        return None


@bp.app_context_processor
def chrome() -> dict[str, object]:
    return {"signed_in": signed_in}

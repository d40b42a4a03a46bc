"""The language switch on every page: Danish (default) or English, kept in the session."""

from __future__ import annotations

from flask import Blueprint, request, session
from werkzeug.wrappers import Response

from .pages import redirect_to

bp = Blueprint("language", __name__)
LANGUAGES = ("da", "en")


@bp.post("/language")
def switch() -> Response:
    choice = request.form.get("language", "")
    if choice in LANGUAGES:
        session["ui_locales"] = choice
    back = request.form.get("next", "/")
    # Only a local path: never an open redirect.
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = "/"
    return redirect_to(back)

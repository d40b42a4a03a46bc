"""Plain error pages, never a stack trace."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from .pages import page


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        return page(
            "error.html", 400, code=400, message=_("The form has expired. Go back and try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        return page("error.html", status, code=error.code, message=error.description)

"""Plain error pages, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_template(
            "error.html", code=400, message=_("The form has expired. Go back and try again.")
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int, list[tuple[str, str]]]:
        # Keep the exception's own headers (Allow on a 405, RFC 9110 §15.5.6), not its body.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        page = render_template("error.html", code=error.code, message=error.description)
        return page, error.code or 500, headers

"""Plain error pages, never a stack trace."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_template(
            "error.html", code=400, message=_("The form has expired. Go back and try again.")
        ), 400

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded) -> Any:
        # The protocol endpoints answer in JSON (idp/web/protocol_limits.py); pages get a page.
        if error.response is not None:
            return error.response
        return http_error(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return render_template(
            "error.html", code=error.code, message=error.description
        ), error.code or 500

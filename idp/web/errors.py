"""Plain error pages, never a stack trace."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from jinja2 import TemplateNotFound
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..extensions import db
from ..services.errors import ServiceError
from .pages import page, plain_text


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        return _error_page(400, _("The form has expired. Go back and try again."))

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError) -> Response:
        # A rule's refusal that no view turned into a page of its own: its message, in the
        # person's language, with the status the error carries; never a 500.
        db.session.rollback()
        return _error_page(error.status, error.localized())

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded) -> Response:
        # The protocol endpoints answer in JSON (idp/web/protocol_limits.py); pages get a page.
        if error.response is not None:
            return error.response  # type: ignore[return-value]  # werkzeug's sansio type
        return http_error(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        response = _error_page(error.code or 500, error.description or "")
        # Keep what the exception says in its headers (Allow on a 405, Retry-After on a 429).
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response


def _error_page(code: int, message: str) -> Response:
    try:
        return page("error.html", code, code=code, message=message)
    except TemplateNotFound:
        # A package without its templates (health says so): an exception escaping the error
        # handler makes gunicorn drop the connection, so answer in plain text instead.
        return plain_text(f"{code} {message}\n", code)

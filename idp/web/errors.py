"""Plain error pages, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from jinja2 import TemplateNotFound
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..extensions import db
from ..services.errors import ServiceError


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int] | Response:
        return _error_page(400, _("The form has expired. Go back and try again."))

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError) -> tuple[str, int] | Response:
        # A rule's refusal that no view turned into a page of its own: its message, in the
        # person's language, with the status the error carries; never a 500.
        db.session.rollback()
        return _error_page(error.status, error.localized())

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | Response:
        return _error_page(error.code or 500, error.description or "")


def _error_page(code: int, message: str) -> tuple[str, int] | Response:
    try:
        return render_template("error.html", code=code, message=message), code
    except TemplateNotFound:
        # A package without its templates (health says so): an exception escaping the error
        # handler makes gunicorn drop the connection, so answer in plain text instead.
        return Response(f"{code} {message}\n", status=code, mimetype="text/plain")

"""Plain error pages, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from ..services.errors import ServiceError


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_template(
            "error.html", code=400, message=_("The form has expired. Go back and try again.")
        ), 400

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError) -> tuple[str, int]:
        # A rule's refusal that no view turned into a page of its own: its message, in the
        # person's language, with the status the error carries; never a 500.
        db.session.rollback()
        return render_template(
            "error.html", code=error.status, message=error.localized()
        ), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return render_template(
            "error.html", code=error.code, message=error.description
        ), error.code or 500

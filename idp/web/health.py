"""Health check for load balancers and orchestrators."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify
from jinja2 import TemplateNotFound
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from ..extensions import db
from ..services.platform.keys import KeyStoreError
from ..services.platform.runtime import keystore

bp = Blueprint("health", __name__)

# What every page needs from the assets (idp/assets.py). A package built without them starts,
# answers the database and holds keys, yet serves no page; health must say so.
PAGE_TEMPLATES = ("login/username.html", "error.html")
STYLESHEET = "idp.css"
# Danish is the default page language; without its compiled catalogue pages fall back to
# English msgids silently.
DANISH_CATALOGUE = Path("da", "LC_MESSAGES", "messages.mo")


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database answers, signing keys are loaded and the templates, stylesheet
    and Danish catalogue are present; 503 otherwise."""
    checks = {"database": "ok", "keys": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        checks["database"] = "unavailable"
    try:
        keystore().signing_key("RS256")
    except (KeyStoreError, OSError):
        checks["keys"] = "unavailable"
    checks["templates"] = "ok" if _templates_found() else "missing"
    checks["static"] = "ok" if _static_found() else "missing"
    checks["translations"] = "ok" if _danish_catalogue_found() else "missing"
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if healthy else "unavailable", checks=checks), (
        200 if healthy else 503
    )


def _templates_found() -> bool:
    loader = current_app.jinja_env.loader
    if loader is None:
        return False
    try:
        for name in PAGE_TEMPLATES:
            loader.get_source(current_app.jinja_env, name)
    except TemplateNotFound:
        return False
    return True


def _static_found() -> bool:
    folder = current_app.static_folder
    return folder is not None and (Path(folder) / STYLESHEET).is_file()


def _danish_catalogue_found() -> bool:
    folders = str(current_app.config["BABEL_TRANSLATION_DIRECTORIES"]).split(";")
    return any((Path(folder) / DANISH_CATALOGUE).is_file() for folder in folders)

"""Health for load balancers and orchestrators: ``/health/live`` says the process answers;
``/health/ready`` (and its older name ``/healthz``) says this node can serve: the database
answers with the schema at the migrations' head, signing keys are loaded, and the templates,
stylesheet and Danish catalogue are there. A node that is not ready gets 503, so the load
balancer sends it nothing until it is."""

from __future__ import annotations

from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
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


@bp.get("/health/live")
def live() -> Response:
    """200 while the process answers requests; nothing else is looked at (a database outage
    must not make an orchestrator restart every node)."""
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/health/ready")
@bp.get("/healthz")
def ready() -> tuple[Response, int]:
    """200 when the database answers at the migrations' head, signing keys are loaded and the
    templates, stylesheet and Danish catalogue are present; 503 otherwise."""
    checks = {"database": "ok", "migrations": "ok", "keys": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
        checks["migrations"] = "ok" if _schema_at_head() else "behind"
    except SQLAlchemyError:
        db.session.rollback()
        checks["database"] = checks["migrations"] = "unavailable"
    try:
        keystore().signing_key("RS256")
    except (KeyStoreError, OSError):
        checks["keys"] = "unavailable"
    checks["templates"] = "ok" if _templates_found() else "missing"
    checks["static"] = "ok" if _static_found() else "missing"
    checks["translations"] = "ok" if _danish_catalogue_found() else "missing"
    healthy = all(v == "ok" for v in checks.values())
    response = jsonify(status="ok" if healthy else "unavailable", checks=checks)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503


def _schema_at_head() -> bool:
    """Whether the database's alembic revision is the head of the migrations this code has."""
    heads = current_app.extensions.get("idp.migration_heads")
    if heads is None:
        directory = current_app.extensions["migrate"].directory
        heads = frozenset(ScriptDirectory(directory).get_heads())
        current_app.extensions["idp.migration_heads"] = heads
    context = MigrationContext.configure(db.session.connection())
    return frozenset(context.get_current_heads()) == heads


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

"""Whether this node can serve, check by check: what ``/health/ready`` answers and what
``idp check`` prints before a start.

Each check is "ok" or a word saying what is wrong: the database ``unavailable`` or its schema
``behind`` the migrations' head, the signing keys ``unavailable``, and the templates,
stylesheet or Danish catalogue ``missing`` (a package built without them starts, answers the
database and holds keys, yet serves no page).
"""

from __future__ import annotations

import smtplib
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from jinja2 import TemplateNotFound
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ...extensions import db
from .keys import KeyStoreError
from .runtime import keystore, settings

# What every page needs from the assets (idp/assets.py).
PAGE_TEMPLATES = ("login/username.html", "error.html")
STYLESHEET = "idp.css"
# Danish is the default page language; without its compiled catalogue pages fall back to
# English msgids silently.
DANISH_CATALOGUE = Path("da", "LC_MESSAGES", "messages.mo")


def node_checks() -> dict[str, str]:
    """The checks a load balancer needs, in order: database, migrations, keys, assets."""
    checks = {"database": "ok", "migrations": "ok", "keys": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
        checks["migrations"] = "ok" if schema_at_head() else "behind"
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
    return checks


def all_ok(checks: dict[str, str]) -> bool:
    """Whether every check passed: the node may serve."""
    return all(value == "ok" for value in checks.values())


def schema_at_head() -> bool:
    """Whether the database's alembic revision is the head of the migrations this code has."""
    heads = current_app.extensions.get("idp.migration_heads")
    if heads is None:
        directory = current_app.extensions["migrate"].directory
        heads = frozenset(ScriptDirectory(directory).get_heads())
        current_app.extensions["idp.migration_heads"] = heads
    context = MigrationContext.configure(db.session.connection())
    return frozenset(context.get_current_heads()) == heads


def connectivity_checks() -> dict[str, str]:
    """What the node talks to besides its database, where configured: the SMTP server and the
    rate limits' Redis ("ok", "unreachable", or "not used")."""
    cfg = settings()
    checks = {"smtp": "not used", "rate_limit_storage": "not used"}
    if cfg.mail_transport == "smtp":
        checks["smtp"] = "ok" if _smtp_answers() else "unreachable"
    if cfg.ratelimit_storage_url.startswith(("redis://", "rediss://")):
        from limits.storage import storage_from_string

        try:
            answers = bool(storage_from_string(cfg.ratelimit_storage_url).check())
        except Exception:  # any driver error means the same to an operator: not reachable
            answers = False
        checks["rate_limit_storage"] = "ok" if answers else "unreachable"
    return checks


def _smtp_answers() -> bool:
    cfg = settings()
    opener = smtplib.SMTP_SSL if cfg.smtp_security == "tls" else smtplib.SMTP
    try:
        with opener(cfg.smtp_host, cfg.smtp_port, timeout=cfg.smtp_timeout_seconds) as server:
            return server.noop()[0] == 250
    except (OSError, smtplib.SMTPException):
        return False


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

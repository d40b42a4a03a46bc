"""Lokal IdP: an OpenID Connect identity provider an organisation runs itself."""

from __future__ import annotations

import dataclasses
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, request, session

from .assets import asset_dir
from .config import Settings, load_settings
from .extensions import babel, csrf, db, limiter, migrate


def _instance_secret(folder: Path, name: str, make: Any) -> str:
    """Read a generated secret from the instance folder, creating it (mode 0600) once."""
    path = folder / name
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(make())
        except FileExistsError:
            pass  # another process made it first
    return path.read_text().strip()


def _complete_settings(cfg: Settings) -> Settings:
    folder = cfg.instance_dir
    changes: dict[str, Any] = {}
    if not cfg.secret_key:
        changes["secret_key"] = _instance_secret(
            folder, "secret_key", lambda: secrets.token_urlsafe(48)
        )
    if not cfg.pairwise_salt:
        changes["pairwise_salt"] = _instance_secret(
            folder, "pairwise_salt", lambda: secrets.token_urlsafe(32)
        )
    stored = folder / "secret_encryption_keys"
    if not cfg.secret_encryption_keys and (cfg.key_store == "file" or stored.exists()):
        # With key_store = database the keys live in the database; an instance file left from
        # a single box is read only so that `idp keys init` can move its keys there.
        from .services.platform.secret_box import SecretBox

        changes["secret_encryption_keys"] = _instance_secret(
            folder, "secret_encryption_keys", SecretBox.new_setting
        )
    if cfg.dev_stand_ins and not cfg.private_eid_issuer:
        # The development private-eID stand-in (idp/web/dev_eid/) is the upstream.
        changes["private_eid_issuer"] = cfg.url("/dev-eid")
        changes["private_eid_client_id"] = "lokal-idp-dev"
        changes["private_eid_client_secret"] = _instance_secret(
            folder, "dev_eid_client_secret", lambda: secrets.token_urlsafe(32)
        )
    return dataclasses.replace(cfg, **changes) if changes else cfg


def _select_locale() -> str:
    wanted = session.get("ui_locales") if session else None
    if wanted:
        for tag in str(wanted).split():
            if tag.split("-")[0] in ("da", "en"):
                return tag.split("-")[0]
    if request:
        best = request.accept_languages.best_match(["da", "en"])
        if best:
            return best
    return "da"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, keys, OIDC server, blueprints and CLI."""
    cfg = _complete_settings(load_settings(config))
    app = Flask(
        __name__,
        instance_path=str(cfg.instance_dir),
        template_folder=str(asset_dir("templates")),
        static_folder=str(asset_dir("static")),
    )
    app.config.update(_flask_config(cfg))
    cfg.instance_dir.mkdir(parents=True, exist_ok=True)
    if cfg.sqlalchemy_url.startswith("sqlite"):
        _sqlite_pragmas()
    _init_extensions(app)
    _install_runtime(app, cfg)

    from .oidc.server import init_server

    init_server(app)
    _register_web(app)
    _install_middleware(app, cfg)

    from .cli import register_commands

    register_commands(app)
    from .web.request_log import configure_logging

    configure_logging(cfg)
    from .mail_sender import install_background_sender

    install_background_sender(app)
    from .import_worker import install_import_worker

    install_import_worker(app)
    return app


def _flask_config(cfg: Settings) -> dict[str, Any]:
    """Flask's and its extensions' configuration keys, derived from the settings."""
    return {
        "SECRET_KEY": cfg.secret_key,
        "SQLALCHEMY_DATABASE_URI": cfg.sqlalchemy_url,
        # No pre-ping (a round trip per checkout): a connection found dead raises, SQLAlchemy
        # then drops the whole pool, and the request is answered 503 (or, on the thin path,
        # tried again by the full path). Connections are replaced every half hour.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 1800}
        if cfg.sqlalchemy_url.startswith("postgres")
        else {},
        "SESSION_COOKIE_NAME": session_cookie_name(cfg),
        "SESSION_COOKIE_SECURE": cfg.session_cookie_secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=cfg.session_lifetime_low_minutes),
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": False,
        "RATELIMIT_STORAGE_URI": cfg.ratelimit_storage_url,
        "RATELIMIT_KEY_PREFIX": cfg.ratelimit_key_prefix,
        "RATELIMIT_ENABLED": cfg.ratelimit_enabled,
        "BABEL_DEFAULT_LOCALE": cfg.default_locale,
        "BABEL_DEFAULT_TIMEZONE": "Europe/Copenhagen",
        "BABEL_TRANSLATION_DIRECTORIES": str(asset_dir("translations")),
        "TESTING": cfg.testing,
        # Larger uploads are refused with a 413 page before the view reads them.
        "MAX_CONTENT_LENGTH": cfg.max_upload_mb * 1024 * 1024,
        "PREFERRED_URL_SCHEME": "https" if cfg.issuer.startswith("https") else "http",
    }


def _init_extensions(app: Flask) -> None:
    """Bind the module-level extensions (database, migrations, CSRF, Babel, rate limits)."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    limiter.init_app(app)


def _install_runtime(app: Flask, cfg: Settings) -> None:
    """The process-wide objects services reach through ``platform.runtime``: the settings,
    the signing keys, the secret box and the discovery document."""
    from .oidc.discovery import serialised
    from .services.platform.keys import KeyStore
    from .services.platform.secret_box import SecretBox

    margin = cfg.id_token_lifetime + 300
    app.extensions["idp.settings"] = cfg
    if cfg.key_store == "database":
        from .services.platform.key_sources import DatabaseKeys
        from .services.platform.shared_secrets import DatabaseSecretBox, master_box

        master, every = master_box(cfg), float(cfg.key_refresh_seconds)
        source = DatabaseKeys(app.app_context, master, every)
        app.extensions["idp.keys"] = KeyStore(source, retire_margin_seconds=margin)
        app.extensions["idp.secretbox"] = DatabaseSecretBox(app.app_context, master, every)
    else:
        app.extensions["idp.keys"] = KeyStore(cfg.keys_path, retire_margin_seconds=margin)
        app.extensions["idp.secretbox"] = SecretBox.from_setting(cfg.secret_encryption_keys)
    app.extensions["idp.discovery"] = serialised(cfg)


def _register_web(app: Flask) -> None:
    """The blueprints, the error pages, the input guard and the template filters."""
    from .web import (
        access,
        account,
        activation,
        availability,
        errors,
        filters,
        health,
        input_guard,
        landing,
        language,
        login,
        means,
        metrics,
        oidc,
        proofing,
        recovery,
        request_log,
        routing,
    )
    from .web.admin import bp as admin_bp

    routing.register(app)
    app.register_blueprint(oidc.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(login.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(means.bp)
    app.register_blueprint(proofing.bp)
    app.register_blueprint(activation.bp)
    app.register_blueprint(access.bp)
    app.register_blueprint(recovery.bp)
    app.register_blueprint(language.bp)
    app.register_blueprint(landing.bp)
    app.register_blueprint(admin_bp)
    if app.extensions["idp.settings"].dev_stand_ins:  # development only (idp/config.py)
        from .web import demo_rp, dev_eid

        dev_eid.install(app)
        app.register_blueprint(demo_rp.bp)
    errors.register(app)
    availability.register(app)
    input_guard.register(app)
    request_log.register(app)
    metrics.register(app)
    filters.register(app)


def _install_middleware(app: Flask, cfg: Settings) -> None:
    """The start gate (503 until the node is ready), static documents (discovery, JWKS)
    served before Flask, security headers after every response, and the page locale."""
    from .web.availability import StartGate
    from .web.documents import DocumentsMiddleware
    from .web.thin import ThinPath

    https = cfg.issuer.startswith("https:")
    thin = ThinPath(app.wsgi_app, app, hsts=https) if cfg.thin_path else app.wsgi_app
    documents = DocumentsMiddleware(
        thin,
        app.extensions["idp.discovery"],
        app.extensions["idp.keys"],
        hsts=https,
    )
    app.wsgi_app = StartGate(documents, app)  # type: ignore[method-assign]
    from .web.headers import security_headers

    app.after_request(security_headers)
    app.context_processor(lambda: {"page_locale": _select_locale()})


def session_cookie_name(cfg: Settings) -> str:
    """The session cookie's name: with the ``__Host-`` prefix whenever the cookie is Secure, so
    a browser accepts it only from this exact host, over HTTPS, for path ``/``, with no
    ``Domain`` (RFC 6265bis §4.1.3.2): a sibling subdomain cannot plant or shadow it."""
    if cfg.session_cookie_secure:
        return f"__Host-{cfg.session_cookie_name}"
    return cfg.session_cookie_name


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # Every commit reaches the disk before the response says it happened (a consumed code,
        # a rotated refresh token, an accepted one-time code survive a power loss).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def _sqlite_pragmas() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", _on_sqlite_connect):
        event.listen(Engine, "connect", _on_sqlite_connect)

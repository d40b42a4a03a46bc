"""Fixtures: an app on SQLite (default) or PostgreSQL (IDP_TEST_DATABASE_URL), migrated with
Alembic once per session and emptied after every test; a live server on 127.0.0.1. Test clients
send Accept-Language: en (pages are Danish by default; tests/integration/web/test_i18n.py checks
that)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

from idp import create_app
from idp.extensions import db
from idp.services.platform.runtime import keystore
from idp.services.platform.secret_box import SecretBox
from tests.support.helpers import LiveServer

TEST_DATABASE_URL = os.environ.get("IDP_TEST_DATABASE_URL", "")
ENCRYPTION_KEYS = SecretBox.new_setting()
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Compile the catalogues (*.mo is not in git) when missing or older than the .po file."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=po.parent.parent.name)
            partial = mo.with_suffix(f".mo.{os.getpid()}")
            with partial.open("wb") as fh:
                write_mo(fh, catalog)
            partial.replace(mo)


class EnglishClient(FlaskClient):
    """A test client whose requests say Accept-Language: en unless they send their own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")


def _private_postgres_schema(url: str, suffix: str = "") -> tuple[str, str]:
    """A schema of this test session's own, so that parallel runs on one database do not
    disturb each other; returns (url using it, schema name)."""
    schema = f"idp_test_{os.getpid()}{suffix}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}", schema


def _drop_postgres_schema(url: str, schema: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, keys_dir: Path) -> Iterator[str]:
    schema = None
    if TEST_DATABASE_URL:
        # Asked for PostgreSQL: a database that cannot be reached is a failure (locally and
        # in CI), never a quiet fall-back to SQLite.
        try:
            url, schema = _private_postgres_schema(TEST_DATABASE_URL)
        except OperationalError as error:
            pytest.fail(
                f"IDP_TEST_DATABASE_URL is set, but that database cannot be reached: {error}",
                pytrace=False,
            )
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'idp.sqlite3'}"
    from flask_migrate import upgrade

    app = create_app(base_config(url, keys_dir, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        upgrade()
        keystore().ensure_keys()  # the app never makes keys itself (`idp keys init` does)
        db.engine.dispose()
    yield url
    if schema is not None:
        _drop_postgres_schema(TEST_DATABASE_URL, schema)


@pytest.fixture
def unmigrated_app(keys_dir: Path, tmp_path: Path) -> Iterator[Flask]:
    """An app on an empty database of its own (a file, or a schema of its own on PostgreSQL),
    for tests that walk the migrations themselves."""
    schema = None
    if TEST_DATABASE_URL:
        url, schema = _private_postgres_schema(TEST_DATABASE_URL, "_walk")
    else:
        url = f"sqlite:///{tmp_path / 'walk.sqlite3'}"
    app = create_app(base_config(url, keys_dir, tmp_path / "instance-walk"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if schema is not None:
        _drop_postgres_schema(TEST_DATABASE_URL, schema)


def base_config(database_url: str, keys_dir: Path, instance: Path, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "database_url": database_url,
        "keys_dir": str(keys_dir),
        "instance_path": str(instance),
        "testing": True,
        "session_cookie_secure": False,
        "secret_key": "test-secret-key-not-for-production-0123456789",
        "pairwise_salt": "test-pairwise-salt",
        "secret_encryption_keys": ENCRYPTION_KEYS,
        "ratelimit_enabled": False,
    }
    config.update(extra)
    return config


def _empty_tables(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def make_app(database_url: str, keys_dir: Path, tmp_path: Path) -> Iterator[Any]:
    """Build apps with config overrides; all share the test database, emptied afterwards."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        url = overrides.pop("database_url", database_url)  # the same database, another way in
        app = create_app(base_config(url, keys_dir, tmp_path / "instance", **overrides))
        app.test_client_class = EnglishClient
        apps.append(app)
        return app

    yield factory
    if apps:
        _empty_tables(apps[0])
        for app in apps[1:]:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app()  # type: ignore[no-any-return]


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


@pytest.fixture
def live_server(database_url: str, keys_dir: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """The IdP served by a real threaded WSGI server on 127.0.0.1 (random port)."""
    server = make_server("127.0.0.1", 0, app=None, threaded=True)  # type: ignore[arg-type]
    url = f"http://127.0.0.1:{server.server_port}"
    app = create_app(base_config(database_url, keys_dir, tmp_path / "instance", issuer=url))
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(url=url, app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        _empty_tables(app)


class FrozenClock:
    """The time one-time codes are checked at; set ``t`` to move it."""

    def __init__(self, t: float) -> None:
        self.t = t

    def now(self) -> float:
        return self.t

    def step(self, steps: int, period: int = 30) -> None:
        self.t += steps * period


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    from idp.services.platform import clock

    frozen = FrozenClock(1_800_000_015.0)  # mid-step, far from a boundary
    monkeypatch.setattr(clock, "now", frozen.now)
    return frozen

"""Health: /health/live answers while the process does; /health/ready (and /healthz) says 503
when the node cannot serve: the database unreachable or behind the migrations' head, or the
templates, stylesheet or Danish catalogue missing (as in a package built without them). A
missing template never crashes a response."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import idp
from idp.assets import NAMES, asset_dir

ALL_OK = {
    "database": "ok",
    "migrations": "ok",
    "keys": "ok",
    "templates": "ok",
    "static": "ok",
    "translations": "ok",
}


@pytest.fixture
def assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the assets a test may take parts away from; apps built afterwards use it."""
    folder = tmp_path / "assets"
    for name in NAMES:
        shutil.copytree(asset_dir(name), folder / name)
    monkeypatch.setattr(idp, "asset_dir", lambda name: folder / name)
    return folder


def production_like(make_app: Callable[..., Flask]) -> Flask:
    """An app whose errors reach the error handlers, as in production (testing mode would
    re-raise them in the test)."""
    app = make_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_health_checks_database_keys_and_assets(make_app: Any) -> None:
    response = make_app().test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": ALL_OK}


def test_ready_and_live_answer_json_that_is_never_cached(make_app: Any) -> None:
    client = make_app().test_client()
    ready, live = client.get("/health/ready"), client.get("/health/live")
    assert (ready.status_code, ready.json) == (200, {"status": "ok", "checks": ALL_OK})
    assert (live.status_code, live.json) == (200, {"status": "ok"})
    assert ready.headers["Cache-Control"] == live.headers["Cache-Control"] == "no-store"


def test_a_database_that_cannot_be_reached_is_not_ready_but_the_process_is_live(
    keys_dir: Path, tmp_path: Path
) -> None:
    from tests.conftest import base_config

    unreachable = f"sqlite:///{tmp_path / 'no-such-folder' / 'idp.sqlite3'}"
    client = idp.create_app(base_config(unreachable, keys_dir, tmp_path / "instance")).test_client()
    ready = client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json["checks"]["database"] == "unavailable"
    assert ready.json["checks"]["migrations"] == "unavailable"
    assert client.get("/health/live").status_code == 200


def test_a_schema_behind_the_migrations_head_is_not_ready_until_upgraded(
    unmigrated_app: Flask,
) -> None:
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    client = unmigrated_app.test_client()
    scripts = ScriptDirectory(unmigrated_app.extensions["migrate"].directory)
    before_head = scripts.get_revision(scripts.get_current_head()).down_revision
    with unmigrated_app.app_context():
        upgrade(revision=before_head)
    behind = client.get("/health/ready")
    assert behind.status_code == 503 and behind.json["checks"]["migrations"] == "behind"
    with unmigrated_app.app_context():
        upgrade()
    assert client.get("/health/ready").json == {"status": "ok", "checks": ALL_OK}


def test_health_is_ok_with_a_copy_of_every_asset(assets: Path, make_app: Any) -> None:
    response = make_app().test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": ALL_OK}


@pytest.mark.parametrize(
    ("check", "missing"),
    [
        ("templates", "templates/login/username.html"),
        ("templates", "templates/error.html"),
        ("static", "static/idp.css"),
        # The .po files stay: a build that forgot to compile them.
        ("translations", "translations/da/LC_MESSAGES/messages.mo"),
    ],
)
def test_health_is_unavailable_when_an_asset_is_missing(
    assets: Path, make_app: Any, check: str, missing: str
) -> None:
    (assets / missing).unlink()
    response = make_app().test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "checks": {**ALL_OK, check: "missing"}}


def test_health_is_unavailable_with_empty_asset_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_app: Any
) -> None:
    monkeypatch.setattr(idp, "asset_dir", lambda name: tmp_path / "nothing" / name)
    response = make_app().test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"] == {
        **ALL_OK,
        "templates": "missing",
        "static": "missing",
        "translations": "missing",
    }


def test_a_node_without_a_page_template_never_serves_a_page(assets: Path, make_app: Any) -> None:
    # Not ready since it started (the start gate in idp/web/availability.py): every page is a
    # plain 503 page, never a 500 from the missing template, and the load balancer's check says so.
    (assets / "templates/login/username.html").unlink()
    client = production_like(make_app).test_client()
    response = client.get("/login/")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.mimetype == "text/html"
    assert "temporarily unavailable" in response.get_data(as_text=True)
    assert client.get("/.well-known/openid-configuration").status_code == 503
    with client.get("/static/idp.css") as css:  # the 503 page's own stylesheet
        assert css.status_code == 200
    assert client.get("/health/ready").status_code == 503
    assert client.get("/health/live").status_code == 200


def test_without_any_template_errors_are_answered_in_plain_text(
    assets: Path, make_app: Any
) -> None:
    shutil.rmtree(assets / "templates")
    (assets / "templates").mkdir()
    client = production_like(make_app).test_client()
    page = client.get("/login/")
    assert page.status_code == 503
    assert page.mimetype == "text/plain"
    assert page.get_data(as_text=True).startswith("503 ")
    token = client.post("/token", data={"grant_type": "authorization_code"})
    assert token.status_code == 503 and token.json["error"] == "temporarily_unavailable"

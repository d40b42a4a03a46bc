"""Health says 503 when the app cannot serve pages (templates, stylesheet or Danish catalogue
missing, as in a package built without them), and a missing template never crashes a
response."""

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


def test_a_missing_page_template_gives_the_error_page(assets: Path, make_app: Any) -> None:
    (assets / "templates/login/username.html").unlink()
    response = production_like(make_app).test_client().get("/login/")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "Something went wrong" in response.get_data(as_text=True)


def test_without_any_template_errors_are_answered_in_plain_text(
    assets: Path, make_app: Any
) -> None:
    shutil.rmtree(assets / "templates")
    (assets / "templates").mkdir()
    client = production_like(make_app).test_client()
    page = client.get("/login/")
    assert page.status_code == 500
    assert page.mimetype == "text/plain"
    assert page.get_data(as_text=True).startswith("500 ")
    assert client.get("/no-such-page").status_code == 404

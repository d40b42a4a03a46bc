"""What a response said was done stays done when the server is killed right after it (kill -9,
no shutdown): a redeemed authorization code is still redeemed after the restart, and the refresh
token issued with it still works. On the embedded SQLite file and on PostgreSQL, with a real
`idp serve` (granian) killed as a process group."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from idp import create_app
from idp.extensions import db
from idp.services.platform.secret_box import SecretBox
from tests.cluster.flows import authorize, redeem, refresh, sign_in
from tests.conftest import _drop_postgres_schema, _private_postgres_schema
from tests.support.browser import Browser
from tests.support.cluster import postgres_url, wait_until
from tests.support.helpers import ROOT, make_client, make_user, require
from tests.support.processes import free_port, run_idp


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'idp.sqlite3'}"
        return
    try:
        url, schema = _private_postgres_schema(postgres_url(), "_crash")
    except OperationalError as error:
        require(False, f"PostgreSQL at {postgres_url()} cannot be reached: {error}")
        raise
    yield url
    _drop_postgres_schema(postgres_url(), schema)


def _settings(database: str, tmp_path: Path, port: int) -> dict[str, Any]:
    return {
        "issuer": f"http://127.0.0.1:{port}",
        "database_url": database,
        "instance_path": str(tmp_path / "instance"),
        "keys_dir": str(tmp_path / "keys"),
        "secret_key": secrets.token_urlsafe(48),
        "pairwise_salt": secrets.token_urlsafe(16),
        "secret_encryption_keys": SecretBox.new_setting(),
        "session_cookie_secure": False,
        "mail_background": False,
        "ratelimit_enabled": False,
    }


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "idp.cli", "serve", "--port", str(port), "--workers", "1",
             "--threads", "2"],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the master and its worker
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return requests.get(base + "/health/ready", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    wait_until(ready, 60, f"idp serve ready:\n{log.read_text()}")
    return process


def _kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the whole group at once: nothing gets to flush, close or clean up."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def test_a_code_redeemed_just_before_a_kill_stays_redeemed(database: str, tmp_path: Path) -> None:
    port = free_port()
    settings = _settings(database, tmp_path, port)
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env |= {f"IDP_{key.upper()}": str(value).lower() if isinstance(value, bool) else str(value)
            for key, value in settings.items()}  # fmt: skip
    for command in (("db", "upgrade"), ("keys", "init")):
        result = run_idp(env, *command)
        assert result.returncode == 0, result.stderr
    app = create_app(settings)  # the test's own, for the user and the client; never served
    user, client = make_user(app, "crash"), make_client(app)
    with app.app_context():
        # Durable commits, not only against a killed process: against a power loss too.
        if database.startswith("sqlite"):
            assert db.session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        else:
            assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"
        db.session.remove()
        db.engine.dispose()

    base, log = f"http://127.0.0.1:{port}", tmp_path / "serve.log"
    node = _serve(env, port, log)
    try:
        browser = Browser(base)
        sign_in(browser, base, user)
        code, verifier = authorize(browser, base, client)
        first = redeem(base, client, code, verifier)
        assert first.status_code == 200, first.text
        _kill(node)  # the moment the response arrived
    finally:
        if node.poll() is None:
            _kill(node)

    node = _serve(env, port, log)
    try:
        # The refresh token issued with the code was committed before the response.
        renewed = refresh(base, client, first.json()["refresh_token"])
        assert renewed.status_code == 200, renewed.text
        # And the code's single use: a second redemption is refused (RFC 6749 §4.1.2).
        again = redeem(base, client, code, verifier)
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant", again.text
    finally:
        _kill(node)

"""Fixtures for the hostile tests: an administrator with every role, logged in; cheap password
hashes for the modules that try a hundred passwords."""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher

from idp.services.platform import passwords
from tests.support.helpers import csrf_of, login, make_user

CVR = "12345678"
ROLES = ("user_admin", "registrar", "org_admin")


@pytest.fixture
def admin_http(app) -> Any:
    """A test client logged in (Substantial) as an administrator with every role."""
    boss = make_user(app, "boss")
    runner = app.test_cli_runner()
    for role in ROLES:
        result = runner.invoke(args=["admins", "grant", "boss", role, "--org", CVR])
        assert result.exit_code == 0, result.output
    http = app.test_client()
    login(http, boss)
    assert http.get("/admin/").status_code == 200
    http.csrf = csrf_of(http.get("/account/").get_data(as_text=True))
    return http


@pytest.fixture
def cheap_password_hashes(monkeypatch):
    """Real argon2id with the least cost, so that a hundred wrong passwords take no minutes
    (a hash carries its parameters: verifying a cheap hash is cheap). Not autouse: the
    modules that try many passwords ask for it with ``pytest.mark.usefixtures``."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    dummy = cheap.hash("not-a-real-password-0f1e2d3c")
    # Below what the settings allow (idp/config_checks.py), so in place of the configured one.
    monkeypatch.setattr(passwords, "_hasher", lambda: (cheap, dummy))

"""`idp demo` (used by `make run`): idempotent, and the demo user can administer."""

from __future__ import annotations

import json

import pyotp

from tests.support.helpers import TestUser, login


def test_demo_is_idempotent_and_its_user_reaches_the_admin(app):
    runner = app.test_cli_runner()
    first = json.loads(runner.invoke(args=["demo", "--json"]).output)
    second = json.loads(runner.invoke(args=["demo", "--json"]).output)
    assert first["client_id"] == second["client_id"] == "demo-rp"
    assert first["client_secret"] == second["client_secret"]  # shown again for the demo only
    assert first["password"] and first["totp_secret"]
    client = app.test_client()
    user = TestUser("demo", first["password"], first["totp_secret"], "", 0)
    login(client, user, code=pyotp.TOTP(first["totp_secret"]).now())
    admin = client.get("/admin/")
    assert admin.status_code == 200
    assert "admin-tabs" in admin.get_data(as_text=True)

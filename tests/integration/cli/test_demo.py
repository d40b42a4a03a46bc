"""`idp demo` (used by `make run`): idempotent, and the demo user can administer."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp

from idp.services.orgs import get_by_cvr
from idp.services.proofing.settings import configure_organisation, route_settings
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


def test_demo_with_the_stand_ins_prepares_the_walk_end_to_end(make_app):
    app = make_app(dev_stand_ins=True)
    runner = app.test_cli_runner()
    info = json.loads(runner.invoke(args=["demo", "--json"]).output)
    csv = Path(info["employees_csv"])
    assert csv == Path(app.instance_path).resolve() / "demo-employees.csv"
    text = info["text"]
    for words in (str(csv), "/admin/import", "/admin/imported", "mail/*.eml", "/demo-rp/"):
        assert words in text, words
    assert "Freja Holm Nielsen, born 1987-03-14" in text and "never MitID" in text
    dry_run = runner.invoke(args=["users", "import", str(csv), "--org", "12345678", "--dry-run"])
    assert dry_run.exit_code == 0, dry_run.output
    assert "3 created" in dry_run.output or "create: 3" in dry_run.output, dry_run.output
    with app.app_context():
        org = get_by_cvr("12345678")
        assert route_settings(org, "private_eid")["enabled"] is True
        configure_organisation(org, disable=["private_eid"], actor="test")
    runner.invoke(args=["demo"])
    with app.app_context():
        assert route_settings(get_by_cvr("12345678"), "private_eid")["enabled"] is True
    assert (
        app.extensions["idp.settings"].private_eid_issuer
        == app.extensions["idp.settings"].issuer + "/dev-eid"
    )


def test_demo_without_the_stand_ins_writes_no_employee_file(app):
    info = json.loads(app.test_cli_runner().invoke(args=["demo", "--json"]).output)
    assert "employees_csv" not in info and "Walk it end to end" not in info["text"]
    assert not (Path(app.instance_path) / "demo-employees.csv").exists()


def test_demo_points_its_client_at_the_example_relying_party(app):
    """Earlier demos registered http://127.0.0.1:8000/callback (served by nothing); running
    `idp demo` again moves an existing demo client to /demo-rp/ on the issuer."""
    from idp.extensions import db
    from idp.services.clients import create_client, get_client

    with app.app_context():
        create_client(
            name="Demo relying party",
            redirect_uris=["http://127.0.0.1:8000/callback"],
            post_logout_redirect_uris=["http://127.0.0.1:8000/"],
            client_id="demo-rp",
            actor="test",
        )
        db.session.remove()
    info = json.loads(app.test_cli_runner().invoke(args=["demo", "--json"]).output)
    issuer = info["issuer"]
    assert info["redirect_uris"] == [issuer + "/demo-rp/callback"]
    with app.app_context():
        client = get_client("demo-rp")
        assert client.redirect_uris == [issuer + "/demo-rp/callback"]
        assert client.post_logout_redirect_uris == [issuer + "/demo-rp/"]
        db.session.remove()
    text = app.test_cli_runner().invoke(args=["demo"]).output
    assert "8000" not in text and issuer + "/demo-rp/" in text

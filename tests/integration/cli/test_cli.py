"""Operator CLI: orgs, users, clients, keys; --json output and clear errors."""

from __future__ import annotations

import json
import shlex

from idp.extensions import db
from idp.models import AuditEvent, Client, User

ORG = "orgs create --cvr 87654321 --name Kommune"
ADD = "clients add --org 87654321"  # a client is a service of an organisation


def _run(app, command, input=None):
    return app.test_cli_runner().invoke(args=shlex.split(command), input=input)


def test_orgs_create_and_list_json(app):
    result = _run(app, ORG + " --json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"cvr": "87654321", "name": "Kommune"}
    listed = json.loads(_run(app, "orgs list --json").output)
    assert {"cvr": "87654321", "name": "Kommune"} in listed


def test_orgs_create_refuses_bad_cvr_with_a_message(app):
    result = _run(app, "orgs create --cvr 123 --name X")
    assert result.exit_code != 0
    assert "CVR must be 8 digits" in result.output


def test_users_create_with_password_from_stdin_totp_and_attested_ial(app):
    _run(app, ORG)
    result = _run(
        app,
        "users create --org 87654321 --username bo --name 'Bo Hansen' --email bo@example.dk"
        " --password-stdin --totp --ial Substantial --json",
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["identity_level"] == "Substantial"
    assert len(data["totp_secret"]) >= 32
    with app.app_context():
        user = db.session.query(User).filter_by(username="bo").one()
        assert user.password_hash.startswith("$argon2id$")
        assert "a long enough password" not in user.password_hash
        actions = [e.action for e in db.session.query(AuditEvent).all()]
        assert "user.identity_level_attested" in actions


def test_users_create_refuses_short_password_and_unknown_org(app):
    _run(app, ORG)
    base = "users create --username bo --name Bo --email bo@example.dk"
    short = _run(app, base + " --org 87654321 --password-stdin", input="short\n")
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    unknown = _run(app, base + " --org 11111111")
    assert unknown.exit_code != 0 and "No organisation with CVR 11111111" in unknown.output
    with app.app_context():
        assert db.session.query(User).count() == 0


def test_clients_add_list_remove(app):
    _run(app, ORG)
    result = _run(
        app,
        ADD + " --name Portal --redirect-uri https://portal.example.dk/cb"
        " --post-logout-redirect-uri https://portal.example.dk/ --first-party --json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["client_secret"] and data["token_endpoint_auth_method"] == "client_secret_basic"
    with app.app_context():
        row = db.session.query(Client).filter_by(client_id=data["client_id"]).one()
        assert row.client_secret_hash != data["client_secret"]
    listed = json.loads(_run(app, "clients list --json").output)
    assert [c["client_id"] for c in listed] == [data["client_id"]]
    assert "client_secret" not in listed[0]
    assert _run(app, f"clients remove {data['client_id']}").exit_code == 0
    assert json.loads(_run(app, "clients list --json").output) == []


def test_public_client_gets_no_secret(app):
    _run(app, ORG)
    result = _run(app, ADD + " --name SPA --redirect-uri https://spa.example.dk/cb --public --json")
    data = json.loads(result.output)
    assert data["client_secret"] is None
    assert data["token_endpoint_auth_method"] == "none"


def test_clients_add_refuses_http_redirect_to_non_loopback(app):
    _run(app, ORG)
    result = _run(app, ADD + " --name Bad --redirect-uri http://rp.example/cb")
    assert result.exit_code != 0
    assert "must use https" in result.output


def test_clients_add_and_update_set_the_consent_page_links(app):
    _run(app, ORG)
    added = _run(
        app,
        ADD + " --name Portal --redirect-uri https://portal.example.dk/cb --json"
        " --logo-uri https://portal.example.dk/logo.png --policy-uri https://portal.example.dk/p",
    )
    assert added.exit_code == 0, added.output
    client_id = json.loads(added.output)["client_id"]
    updated = _run(
        app,
        f"clients update {client_id} --json --tos-uri https://portal.example.dk/terms"
        " --logo-uri ''",
    )
    assert updated.exit_code == 0, updated.output
    data = json.loads(updated.output)
    assert data["logo_uri"] is None  # "" clears it
    assert data["policy_uri"] == "https://portal.example.dk/p"  # not given: unchanged
    assert data["tos_uri"] == "https://portal.example.dk/terms"
    with app.app_context():
        client = db.session.query(Client).filter_by(client_id=client_id).one()
        assert client.redirect_uris == ["https://portal.example.dk/cb"]
        assert (client.logo_uri, client.tos_uri) == (None, "https://portal.example.dk/terms")
    bad = _run(app, f"clients update {client_id} --policy-uri http://portal.example.dk/p")
    assert bad.exit_code != 0 and "must use https" in bad.output
    fragment = _run(
        app, ADD + " --name X --redirect-uri https://x.dk/cb --logo-uri https://x.dk/l#a"
    )
    assert fragment.exit_code != 0 and "must not have a fragment" in fragment.output


def test_keys_rotate_and_list(app):
    before = {e["kid"] for e in json.loads(_run(app, "keys list --json").output)}
    rotated = json.loads(_run(app, "keys rotate --alg ES256 --json").output)
    entries = json.loads(_run(app, "keys list --json").output)
    states = {e["kid"]: e["status"] for e in entries}
    assert states[rotated[0]["kid"]] == "active"
    assert any(states[k] == "retiring" for k in before if k in states)


def test_purge_expired_deletes_only_long_expired_codes_and_tokens(app, client):
    from datetime import timedelta

    from idp.models import AuthorizationCode, Token
    from idp.models.types import utcnow
    from tests.support.helpers import authorize_code, make_client, make_user, redeem

    rp = make_client(app)
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user)
    redeem(client, rp, code, verifier)
    authorize_code(client, rp, user)  # a second, live code stays
    with app.app_context():
        old = utcnow() - timedelta(days=2)
        db.session.query(Token).update({"expires_at": old, "refresh_expires_at": old})
        first_code = db.session.query(AuthorizationCode).order_by(AuthorizationCode.id).first()
        first_code.expires_at = old
        db.session.commit()
    result = json.loads(_run(app, "purge-expired --json").output)
    assert result == {"deleted": 2}
    with app.app_context():
        assert db.session.query(Token).count() == 0
        assert db.session.query(AuthorizationCode).count() == 1

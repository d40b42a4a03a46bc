"""Keys in the database (key_store = database): every node signs and verifies with the same keys,
a rotation on one node reaches the others within key_refresh_seconds, private parts are sealed
under the master key, and no node ever makes keys of its own when it starts."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import func, select

from idp import create_app
from idp.config import ConfigError, load_settings
from idp.extensions import db
from idp.models import EncryptionKey, SigningKey
from idp.services.platform.keys import ensure_keys
from idp.services.platform.runtime import keystore, secretbox
from idp.services.platform.secret_box import SecretBox
from tests.conftest import base_config
from tests.support.cluster import wait_until

MASTER = base64.b64encode(os.urandom(32)).decode()


def _node(make_app: Any, master: str = MASTER, **extra: Any) -> Any:
    return make_app(key_store="database", master_key=master, key_refresh_seconds=1, **extra)


def _kids(app: Any) -> set[str]:
    with app.test_client() as client:
        response = client.get("/jwks")
    assert response.status_code == 200, response.data
    return {key["kid"] for key in response.json["keys"]}


def test_a_node_never_makes_keys_when_it_starts_and_is_not_ready_without_them(make_app):
    node = _node(make_app)
    with node.app_context():
        assert db.session.scalar(select(func.count()).select_from(SigningKey)) == 0
    with node.test_client() as client:
        ready = client.get("/health/ready")
        assert ready.status_code == 503 and ready.json["checks"]["keys"] == "unavailable"
    with node.app_context():
        assert db.session.scalar(select(func.count()).select_from(SigningKey)) == 0


def test_an_empty_keys_folder_is_not_filled_by_starting(database_url, tmp_path):
    node = create_app(base_config(database_url, tmp_path / "empty-keys", tmp_path / "instance"))
    with node.test_client() as client:
        assert client.get("/health/ready").status_code == 503
        assert client.get("/login/").status_code == 503
    assert not (tmp_path / "empty-keys" / "keys.json").exists()
    with node.app_context():
        db.engine.dispose()


def test_keys_made_on_one_node_sign_and_verify_on_the_other(make_app):
    a, b = _node(make_app), _node(make_app)
    with a.app_context():
        created = ensure_keys(actor="operator")
        assert sorted(e.alg for e in created) == ["ES256", "RS256"]
        assert ensure_keys(actor="operator") == []  # idempotent
        key = keystore().signing_key("RS256")
        token = jwt.encode({"alg": "RS256", "kid": key.kid}, {"sub": "x"}, key)
    assert {e.kid for e in created} == _kids(a) == _kids(b)
    with b.app_context():
        assert jwt.decode(token, keystore().public_key_set()).claims["sub"] == "x"


def test_a_rotation_on_one_node_is_served_by_the_other_within_the_refresh_time(make_app):
    a, b = _node(make_app), _node(make_app)
    with a.app_context():
        ensure_keys(actor="operator")
    before = _kids(b)
    with a.app_context():
        new = keystore().rotate("RS256")
        signed = jwt.encode(
            {"alg": "RS256", "kid": new.kid}, {"sub": "y"}, keystore().signing_key("RS256")
        )
    started = time.monotonic()
    wait_until(lambda: new.kid in _kids(b), 5, "node b serves the rotated key")
    assert time.monotonic() - started < 3  # key_refresh_seconds = 1, with room for a slow box
    assert before < _kids(b)  # the retiring key stays published
    with b.app_context():
        assert keystore().signing_key("RS256").kid == new.kid
        assert jwt.decode(signed, KeySet.import_key_set(json.loads(keystore().jwks()[0])))


def test_private_keys_are_sealed_under_the_master_key(make_app):
    a = _node(make_app)
    with a.app_context():
        ensure_keys(actor="operator")
        for row in db.session.scalars(select(SigningKey)):
            assert b"PRIVATE KEY" not in row.sealed_private
        for row in db.session.scalars(select(EncryptionKey)):
            assert len(row.sealed_key) > 32
    stranger = _node(make_app, master=base64.b64encode(os.urandom(32)).decode())
    with stranger.test_client() as client:
        assert client.get("/health/ready").json["checks"]["keys"] == "unavailable"
        assert client.get("/jwks").status_code == 503


def test_the_configured_encryption_keys_move_into_the_database_and_every_node_uses_them(
    make_app,
):
    configured = SecretBox.new_setting()
    a = _node(make_app, secret_encryption_keys=configured)
    b = _node(make_app)
    with a.app_context():
        ensure_keys(actor="operator")
        sealed = secretbox().encrypt(b"totp secret", b"aad")
    assert SecretBox.from_setting(configured).decrypt(sealed, b"aad") == b"totp secret"
    with b.app_context():
        assert secretbox().decrypt(sealed, b"aad") == b"totp secret"


def test_two_nodes_making_keys_at_once_make_one_active_key_per_algorithm(make_app):
    nodes = [_node(make_app) for _ in range(3)]
    start = threading.Barrier(len(nodes))
    errors: list[BaseException] = []

    def init(node: Any) -> None:
        with node.app_context():
            start.wait()
            try:
                ensure_keys(actor="operator")
            except BaseException as error:  # the failure is what we look for
                errors.append(error)

    threads = [threading.Thread(target=init, args=(n,)) for n in nodes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with nodes[0].app_context():
        active = db.session.scalars(select(SigningKey.alg).where(SigningKey.status == "active"))
        assert sorted(active) == ["ES256", "RS256"]
        assert db.session.scalar(select(func.count()).select_from(EncryptionKey)) == 1


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"key_store": "database"}, "master_key: required"),
        ({"key_store": "database", "master_key": "c2hvcnQ="}, "32 random bytes"),
        ({"master_key": MASTER, "master_key_file": "/x"}, "not both"),
    ],
)
def test_the_master_key_is_checked_at_start(settings, words):
    with pytest.raises(ConfigError, match=words):
        load_settings(settings)


def test_the_master_key_may_come_from_a_file(make_app, tmp_path):
    path = tmp_path / "master_key"
    path.write_text(MASTER + "\n")
    node = make_app(key_store="database", master_key_file=str(path))
    with node.app_context():
        ensure_keys(actor="operator")
    same = _node(make_app)
    assert _kids(node) == _kids(same)

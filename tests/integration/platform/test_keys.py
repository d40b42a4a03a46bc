"""Signing keys: generated with mode 0600, published as JWKS, rotated with a retiring period."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime

from joserfc import jwt
from joserfc.jwk import KeySet

from idp.services.platform.keys import KeyStore
from tests.support.helpers import authorize_code, make_client, make_user, redeem


def test_first_start_generates_rs256_and_es256_keys_with_private_files_0600(tmp_path):
    store = KeyStore(tmp_path / "keys", retire_margin_seconds=60)
    created = store.ensure_keys()
    assert sorted(e.alg for e in created) == ["ES256", "RS256"]
    for entry in created:
        mode = stat.S_IMODE((tmp_path / "keys" / entry.file).stat().st_mode)
        assert mode == 0o600
    assert store.ensure_keys() == []  # a second start reuses them
    rsa = store.signing_key("RS256")
    assert rsa.as_dict()["n"] and len(rsa.as_dict(private=False)["n"]) >= 342  # >= 2048 bits


def test_jwks_publishes_public_parts_only(app, client):
    keys = client.get("/jwks").json["keys"]
    assert {k["alg"] for k in keys} >= {"RS256", "ES256"}
    for key in keys:
        assert "d" not in key and "p" not in key
        assert key["kid"] and key["use"] == "sig"


def test_jwks_has_etag_and_answers_304(app, client):
    first = client.get("/jwks")
    etag = first.headers["ETag"]
    second = client.get("/jwks", headers={"If-None-Match": etag})
    assert second.status_code == 304


def test_rotation_keeps_previous_key_published_until_retired(tmp_path):
    store = KeyStore(tmp_path / "keys", retire_margin_seconds=600)
    store.ensure_keys()
    old = store.signing_key("RS256").kid
    new = store.rotate("RS256")
    store._checked = 0.0  # re-read the manifest now instead of within a second
    assert store.signing_key("RS256").kid == new.kid != old
    published = {k["kid"] for k in json.loads(store.jwks()[0])["keys"]}
    assert {old, new.kid} <= published
    entries = {e.kid: e for e in store.entries()}
    assert entries[old].status == "retiring"
    retire_at = datetime.fromisoformat(entries[old].retire_at)
    assert retire_at > datetime.now(UTC)
    # After the retiring period the old key is no longer published.
    assert not entries[old].published(retire_at)


def test_id_token_signed_es256_when_client_asks(app, client):
    rp = make_client(app, id_token_alg="ES256")
    user = make_user(app)
    code, verifier, _ = authorize_code(client, rp, user)
    id_token = redeem(client, rp, code, verifier).json["id_token"]
    token = jwt.decode(
        id_token, KeySet.import_key_set(client.get("/jwks").json), algorithms=["ES256"]
    )
    assert token.header["alg"] == "ES256"
    assert token.header["kid"] in {k["kid"] for k in client.get("/jwks").json["keys"]}

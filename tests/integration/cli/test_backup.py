"""`idp backup` / `idp restore` (issue 13, the operator's CLI): a node's database, signing keys
and instance secrets restored onto a new node serve the same people, keys and tokens; a
restore refuses a database with rows, another revision, and an altered or partial backup,
changing nothing."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import func, inspect, null, select, update

from idp import create_app
from idp.extensions import db
from idp.models import AuthorizationCode, Organisation
from idp.services import audit
from idp.services.platform import backup as backup_service
from idp.services.platform.backup_format import DERIVED_TABLES
from tests.conftest import (
    TEST_DATABASE_URL,
    EnglishClient,
    _drop_postgres_schema,
    _private_postgres_schema,
    base_config,
)
from tests.support.helpers import (
    TestUser,
    authorize_code,
    login,
    make_client,
    make_org,
    make_user,
    postgresql_only,
    redeem,
)

# The instance secrets left to the app, which then generates them into its instance folder.
GENERATED = {"secret_key": "", "pairwise_salt": "", "secret_encryption_keys": ""}
SECRETS = tuple(GENERATED)
Node = Callable[[], Flask]


@pytest.fixture
def source(make_app: Any) -> Flask:
    """The node backed up: the shared test database, its instance secrets generated."""
    return make_app(**GENERATED)  # type: ignore[no-any-return]


@pytest.fixture
def new_node(tmp_path: Path) -> Iterator[Callable[..., Node]]:
    """Factory of new nodes: a database of their own migrated to ``revision`` (a schema of its
    own on PostgreSQL), an empty keys folder and an empty instance folder. Returns a function
    that starts the node (again): ``node()`` is a new app on the same database and folders."""
    schemas: list[str] = []
    apps: list[Flask] = []

    def factory(
        name: str = "restored", revision: str = "head", sqlite: bool = False, **extra: Any
    ) -> Node:
        if TEST_DATABASE_URL and not sqlite:
            url, schema = _private_postgres_schema(TEST_DATABASE_URL, f"_{name}")
            schemas.append(schema)
        else:
            url = f"sqlite:///{tmp_path / name}.sqlite3"
        folders = (tmp_path / f"{name}-keys", tmp_path / f"{name}-instance")
        config = base_config(url, *folders, **{**GENERATED, **extra})

        def start() -> Flask:
            app = create_app(config)
            app.test_client_class = EnglishClient
            apps.append(app)
            return app

        with start().app_context():
            upgrade(revision=revision)
        return start

    yield factory
    for app in apps:
        with app.app_context():
            db.engine.dispose()
    for schema in schemas:
        _drop_postgres_schema(TEST_DATABASE_URL, schema)


def _cli(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


def _backup(app: Flask, folder: Path) -> dict[str, Any]:
    result = _cli(app, "backup", "--to", str(folder), "--json")
    assert result.exit_code == 0, result.output
    return json.loads((folder / "manifest.json").read_text())


def _rows(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as the models read them, in primary-key order."""
    with app.app_context(), db.engine.connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in db.metadata.sorted_tables
            if table.name not in DERIVED_TABLES  # a restore changes it, by design
        }


def _row_count(app: Flask) -> int:
    """Rows in every table the database has (an older revision lacks some)."""
    with app.app_context(), db.engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        tables = [t for t in db.metadata.sorted_tables if t.name in present - DERIVED_TABLES]
        return sum(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables)


def _sql_null_codes(app: Flask) -> set[int]:
    with app.app_context():
        found = db.session.scalars(
            select(AuthorizationCode.id).where(AuthorizationCode.claims_request.is_(None))
        )
        return set(found)


def _people_keys_and_tokens(app: Flask) -> tuple[TestUser, Any, dict[str, Any]]:
    """A person with a password and an app (TOTP secret encrypted), a client, an issued
    refresh token; and one more code whose claims_request is SQL NULL (the first's is JSON
    null), so that the two kinds of null must both survive."""
    user = make_user(app)
    rp = make_client(app)
    http = app.test_client()
    code, verifier, _ = authorize_code(http, rp, user)
    tokens = redeem(http, rp, code, verifier).json
    assert "refresh_token" in tokens, tokens
    authorize_code(http, rp, user)
    with app.app_context():
        newest = db.session.scalar(select(func.max(AuthorizationCode.id)))
        db.session.execute(
            update(AuthorizationCode)
            .where(AuthorizationCode.id == newest)
            .values(claims_request=null())
        )
        db.session.commit()
    return user, rp, tokens


def _modes(folder: Path) -> set[tuple[str, int]]:
    return {
        ("dir" if path.is_dir() else "file", stat.S_IMODE(path.stat().st_mode))
        for path in [folder, *folder.rglob("*")]
    }


def test_a_backup_restored_on_a_new_node_serves_the_same_people_keys_and_tokens(
    source, new_node, tmp_path
):
    user, rp, tokens = _people_keys_and_tokens(source)
    before = _rows(source)
    manifest = _backup(source, tmp_path / "backup")

    assert _modes(tmp_path / "backup") == {("dir", 0o700), ("file", 0o600)}
    heads = ScriptDirectory(source.extensions["migrate"].directory).get_heads()
    assert manifest["alembic_revision"] == heads[0]
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == {
        name: len(rows) for name, rows in before.items()
    }
    assert {name: e["source"] for name, e in manifest["secrets"].items()} == dict.fromkeys(
        SECRETS, "instance"
    )
    assert "never in a backup" in manifest["keep_apart"]["master_key"]

    node = new_node()
    restored = _cli(node(), "restore", "--from", str(tmp_path / "backup"))
    assert restored.exit_code == 0, restored.output
    app = node()  # the node restarted, as after every restore

    assert _rows(app) == before
    assert _sql_null_codes(app) == _sql_null_codes(source) != set()
    again = tmp_path / "again"
    _backup(app, again)
    for entry in manifest["tables"]:  # the typed encoding reads back to the same bytes
        file = entry["file"]
        assert (again / file).read_bytes() == (tmp_path / "backup" / file).read_bytes(), file

    http = app.test_client()
    jwks = http.get("/jwks").json
    assert {k["kid"] for k in jwks["keys"]} == {
        k["kid"] for k in source.test_client().get("/jwks").json["keys"]
    }
    assert jwt.decode(tokens["id_token"], KeySet.import_key_set(jwks)).claims["sub"] == user.uuid
    refreshed = http.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(rp.client_id, rp.client_secret),
    )
    assert refreshed.status_code == 200, refreshed.json
    # The app's TOTP secret decrypts under the restored encryption keys (the next code: the
    # one used before the backup is spent, and its replay guard came along).
    browser = app.test_client()
    assert login(browser, user, code=user.code(1)).status_code == 303
    assert browser.get("/account/").status_code == 200  # a session: password and code held
    with app.app_context():
        assert audit.verify_chain() is None
    # New rows take fresh ids (PostgreSQL: every sequence moved past the restored ids).
    assert make_org(app, "87654321") > max(row[0] for row in before["organisation"])
    make_user(app, "bo", cvr="87654321")


def test_a_database_with_rows_is_refused_unless_replace_empties_it_first(
    source, new_node, tmp_path
):
    make_user(source)
    _backup(source, tmp_path / "backup")
    node = new_node()
    assert _cli(node(), "restore", "--from", str(tmp_path / "backup")).exit_code == 0
    make_org(node(), "87654321")
    held = _rows(node())

    refused = _cli(node(), "restore", "--from", str(tmp_path / "backup"))
    assert refused.exit_code == 1
    assert "this database holds rows (organisation (2)" in refused.output
    assert "Traceback" not in refused.output
    assert _rows(node()) == held

    replaced = _cli(node(), "restore", "--from", str(tmp_path / "backup"), "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert _rows(node()) == _rows(source)
    highest = max(row[0] for row in _rows(source)["organisation"])
    assert make_org(node(), "87654321") == highest + 1  # sequences continue after the ids


def test_a_database_at_another_revision_is_refused_naming_both(source, new_node, tmp_path):
    make_user(source)
    manifest = _backup(source, tmp_path / "backup")
    script = ScriptDirectory(source.extensions["migrate"].directory)
    previous = script.get_revision(manifest["alembic_revision"]).down_revision
    node = new_node(revision=previous)

    refused = _cli(node(), "restore", "--from", str(tmp_path / "backup"))
    assert refused.exit_code == 1
    assert f"the backup is at Alembic revision {manifest['alembic_revision']}" in refused.output
    assert f"this database at {previous}" in refused.output
    assert _row_count(node()) == 0


def _flip_a_byte(folder: Path) -> str:
    path = folder / "tables" / "user_account.jsonl"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return "tables/user_account.jsonl: does not match its sha256"


def _remove_a_file(folder: Path) -> str:
    (folder / "instance" / "secret_encryption_keys").unlink()
    return "instance/secret_encryption_keys: missing (a partial backup)"


def _add_a_file(folder: Path) -> str:
    (folder / "tables" / "extra.jsonl").write_text("{}\n")
    return "tables/extra.jsonl: a file the manifest does not list"


@pytest.mark.parametrize("damage", [_flip_a_byte, _remove_a_file, _add_a_file])
def test_an_altered_or_partial_backup_is_refused_and_nothing_is_written(
    source, new_node, tmp_path, damage
):
    make_user(source)
    _backup(source, tmp_path / "backup")
    said = damage(tmp_path / "backup")
    node = new_node()
    folders = [tmp_path / "restored-keys", tmp_path / "restored-instance"]
    files_before = {p: p.read_bytes() for f in folders if f.exists() for p in f.rglob("*")}

    refused = _cli(node(), "restore", "--from", str(tmp_path / "backup"))
    assert refused.exit_code == 1
    assert said in refused.output and "Traceback" not in refused.output
    assert _row_count(node()) == 0
    files_after = {p: p.read_bytes() for f in folders if f.exists() for p in f.rglob("*")}
    assert files_after == files_before


def test_the_tables_are_read_in_one_snapshot(source, make_app, tmp_path, monkeypatch):
    """A row committed by another node while the backup runs is not half in it: the backup
    holds the database as of its first read."""
    make_user(source)
    other_node = make_app()
    dump = backup_service._dump_table

    def dump_then_commit_elsewhere(conn, codec, writer):
        count = dump(conn, codec, writer)
        if codec.table.name == "dev_eid_code":  # the first table read, before organisation
            make_org(other_node, "87654321")
        return count

    monkeypatch.setattr(backup_service, "_dump_table", dump_then_commit_elsewhere)
    manifest = _backup(source, tmp_path / "backup")
    rows = {t["name"]: t["rows"] for t in manifest["tables"]}
    assert rows["organisation"] == 1
    with source.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2


def test_a_backup_goes_only_into_a_new_or_empty_folder(source, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    refused = _cli(source, "backup", "--to", str(tmp_path / "used"))
    assert refused.exit_code == 1 and "not empty" in refused.output
    assert sorted(p.name for p in (tmp_path / "used").iterdir()) == ["notes.txt"]
    (tmp_path / "empty").mkdir(mode=0o755)
    _backup(source, tmp_path / "empty")
    assert stat.S_IMODE((tmp_path / "empty").stat().st_mode) == 0o700


def test_secrets_given_in_the_configuration_stay_out_and_must_match(make_app, new_node, tmp_path):
    """A secret the configuration gives is not copied (the operator keeps it); a node given
    another pairwise salt or other encryption keys is refused, since subjects and secrets
    would change; the session key may differ (sessions end)."""
    configured = {"pairwise_salt": "salt-kept-by-the-operator", "secret_key": "k" * 48}
    source = make_app(**configured, secret_encryption_keys="")
    make_user(source)
    manifest = _backup(source, tmp_path / "backup")
    assert manifest["keep_apart"]["from_configuration"] == ["secret_key", "pairwise_salt"]
    assert sorted(p.name for p in (tmp_path / "backup" / "instance").iterdir()) == [
        "secret_encryption_keys"
    ]

    other = new_node("other", pairwise_salt="another-salt")
    refused = _cli(other(), "restore", "--from", str(tmp_path / "backup"))
    assert refused.exit_code == 1
    assert "pairwise_salt (IDP_PAIRWISE_SALT) was given in the configuration" in refused.output
    assert _row_count(other()) == 0

    same = new_node("same", pairwise_salt=configured["pairwise_salt"])
    restored = _cli(same(), "restore", "--from", str(tmp_path / "backup"))
    assert restored.exit_code == 0, restored.output
    assert "secret_key differs from the backed-up node's: browser sessions end" in restored.output


def test_with_keys_in_the_database_the_master_key_stays_apart_and_must_open_them(
    make_app, new_node, tmp_path
):
    master = base64.b64encode(os.urandom(32)).decode()
    shared = {"key_store": "database", "key_refresh_seconds": 1}
    source = make_app(**shared, master_key=master, **GENERATED)
    assert _cli(source, "keys", "init").exit_code == 0
    user = make_user(source)
    manifest = _backup(source, tmp_path / "backup")
    assert manifest["keys"]["key_store"] == "database"
    assert manifest["secrets"]["secret_encryption_keys"] == {"source": "database"}
    raw = base64.b64decode(master)
    for path in (tmp_path / "backup").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert master.encode() not in data and raw not in data, path

    in_a_folder = new_node("file")  # key_store = "file"
    refused = _cli(in_a_folder(), "restore", "--from", str(tmp_path / "backup"))
    assert refused.exit_code == 1
    assert "made with key_store = 'database', this node uses 'file'" in refused.output

    wrong = new_node("wrong", **shared, master_key=base64.b64encode(os.urandom(32)).decode())
    refused = _cli(wrong(), "restore", "--from", str(tmp_path / "backup"))
    assert refused.exit_code == 1
    assert "this node's master key does not open the backup's signing key" in refused.output
    assert _row_count(wrong()) == 0

    node = new_node(**shared, master_key=master)
    restored = _cli(node(), "restore", "--from", str(tmp_path / "backup"))
    assert restored.exit_code == 0, restored.output
    assert {k["kid"] for k in node().test_client().get("/jwks").json["keys"]} == {
        k["kid"] for k in source.test_client().get("/jwks").json["keys"]
    }
    browser = node().test_client()
    assert login(browser, user).status_code == 303
    assert browser.get("/account/").status_code == 200


@postgresql_only("a single box's SQLite backup restored into PostgreSQL")
def test_a_sqlite_box_moves_into_postgresql(new_node, tmp_path):
    """The format does not depend on the database: one box's SQLite backup restores into
    PostgreSQL at the same revision (the way from one box to several nodes)."""
    box = new_node("box", sqlite=True)
    assert _cli(box(), "keys", "init").exit_code == 0
    user = make_user(box())
    _backup(box(), tmp_path / "backup")
    node = new_node()
    restored = _cli(node(), "restore", "--from", str(tmp_path / "backup"))
    assert restored.exit_code == 0, restored.output
    assert _rows(node()) == _rows(box())
    browser = node().test_client()
    assert login(browser, user).status_code == 303
    assert browser.get("/account/").status_code == 200
    make_user(node(), "bo")


def test_the_root_help_lists_backup_and_restore(app):
    shown = _cli(app, "--help")
    listed = {line.split()[0] for line in shown.output.splitlines() if line.startswith("  ")}
    assert {"backup", "restore"} <= listed

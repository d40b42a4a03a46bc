"""Migrations that rewrite stored rows: walked on an empty database of their own, with rows
put in at the revision before, read back after (and, where there is one, after the downgrade).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from idp.extensions import db
from idp.models import User
from idp.services.platform.search import candidates


def _filled(table: sa.Table, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` plus a plain value for every other required column of ``table`` as it is at
    this revision (the test names only what the migration reads)."""
    plain = {
        sa.String: "x",
        sa.Text: "x",
        sa.Integer: 0,
        sa.Boolean: False,
        sa.DateTime: datetime(2026, 1, 1, tzinfo=UTC),
        sa.LargeBinary: b"x",
        sa.JSON: {},
    }
    row = dict(values)
    for column in table.columns:
        needs = not column.nullable and column.server_default is None
        if column.name in row or not needs or column.primary_key:
            continue
        row[column.name] = next(v for t, v in plain.items() if isinstance(column.type, t))
    return row


def _insert(table_name: str, /, **values: Any) -> int:
    table = sa.Table(table_name, sa.MetaData(), autoload_with=db.engine)
    with db.engine.begin() as conn:
        result = conn.execute(table.insert().values(**_filled(table, values)))
        return int(result.inserted_primary_key[0])


def _column(sql: str) -> list[Any]:
    with db.engine.connect() as conn:
        return [row[0] for row in conn.execute(sa.text(sql))]


def _organisation() -> int:
    return _insert("organisation", cvr="12345678", name="Eksempel A/S")


def test_login_means_get_one_vocabulary_and_the_downgrade_gives_the_old_back(
    unmigrated_app: Flask,
) -> None:
    with unmigrated_app.app_context():
        upgrade(revision="d7a9c1e4b2f0")
        org = _organisation()
        for kind in ("totp_app", "code_display", "totp_app"):
            _insert("authenticator", org_id=org, type=kind, status="in_stock")

        upgrade(revision="f3b8a2c6d1e9")
        assert _column("SELECT type FROM authenticator ORDER BY id") == [
            "app",
            "code_display",
            "app",
        ]

        downgrade(revision="d7a9c1e4b2f0")
        assert _column("SELECT type FROM authenticator ORDER BY id") == [
            "totp_app",
            "code_display",
            "totp_app",
        ]


def test_organisations_services_stop_being_first_party_and_the_operators_stay(
    unmigrated_app: Flask,
) -> None:
    """Issue 9: an organisation's own service no longer skips consent for everyone; a
    service the operator registered (no organisation) keeps what the operator chose."""
    with unmigrated_app.app_context():
        upgrade(revision="d7e3a9c15b42")
        org = _organisation()
        _insert("oauth_client", client_id="org-service", org_id=org, first_party=True)
        _insert("oauth_client", client_id="operator-service", org_id=None, first_party=True)
        _insert("oauth_client", client_id="third-party", org_id=None, first_party=False)

        upgrade(revision="d7a9c1e4b2f0")
        rows = _column(
            "SELECT client_id || ':' || CASE WHEN first_party THEN 'yes' ELSE 'no' END"
            " FROM oauth_client ORDER BY client_id"
        )
        assert rows == ["operator-service:yes", "org-service:no", "third-party:no"]


def test_client_links_migration_adds_and_drops_the_three_columns(unmigrated_app: Flask) -> None:
    with unmigrated_app.app_context():
        upgrade(revision="f3b8a2c6d1e9")
        _insert("oauth_client", client_id="rp", name="RP", token_endpoint_auth_method="none")
        upgrade(revision="e5c1a7d9b3f2")
        assert _column("SELECT logo_uri FROM oauth_client") == [None]
        downgrade(revision="f3b8a2c6d1e9")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("oauth_client")}
        assert not columns & {"logo_uri", "policy_uri", "tos_uri"}
        assert _column("SELECT client_id FROM oauth_client") == ["rp"]


def test_people_search_migration_indexes_the_people_already_there(unmigrated_app: Flask) -> None:
    with unmigrated_app.app_context():
        upgrade(revision="c4e6a8b0d2f1")
        org = _organisation()
        _insert(
            "user_account", org_id=org, uuid="u1", username="anna", name="Anna Anker", email="a"
        )
        upgrade(revision="e7b3d9f1a5c8")
        if db.engine.dialect.name == "sqlite":
            of_org = User.org_id == org
            assert candidates(of_org, org, "ANKER", User.id, (User.name,)) == [1]
        else:
            assert _column("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%search'")
        indexes = {i["name"] for i in sa.inspect(db.engine).get_indexes("user_account")}
        assert {"ix_user_account_org_status", "ix_user_account_org_name"} <= indexes
        assert "ix_user_account_org_id" not in indexes
        downgrade(revision="c4e6a8b0d2f1")
        indexes = {i["name"] for i in sa.inspect(db.engine).get_indexes("user_account")}
        assert "ix_user_account_org_id" in indexes and "ix_user_account_search" not in indexes
        if db.engine.dialect.name == "sqlite":
            assert not _column("SELECT name FROM sqlite_master WHERE name LIKE 'user_search%'")
        _insert("user_account", org_id=org, uuid="u2", username="bo", name="Bo", email="b@x")
        assert _column("SELECT username FROM user_account ORDER BY id") == ["anna", "bo"]

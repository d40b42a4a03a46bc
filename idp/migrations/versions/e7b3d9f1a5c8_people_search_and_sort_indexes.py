"""user_account: an index for every sort of the admin's people lists, and a substring-search index

Revision ID: e7b3d9f1a5c8
Revises: c4e6a8b0d2f1
Create Date: 2026-12-07 15:30:00

The admin's listings sort an organisation's people by name, username, e-mail or creation (with
the id to break ties) and keep or leave out a status: ``(org_id, <sort>, id, status)`` gives
each such page from the index alone, deep pages too; ``(org_id, status, id)`` counts them and
sorts by status, and replaces the plain ``org_id`` index it starts with.

A case-insensitive substring search cannot use a b-tree. PostgreSQL gets a trigram GIN index
(``pg_trgm``, a trusted extension since PostgreSQL 13: the database owner may create it) on the
same ``lower(column)`` expressions the search compares, which its planner uses for a rare
search string. SQLite gets an FTS5 table with the trigram tokenizer (SQLite 3.34), kept by
triggers (an import drops them inside its transaction and indexes its people in one
statement), that names the candidates (a later batch migration that copies user_account drops
the triggers with the old table, and must make them again). Without the extension or FTS5 the search still works, by
scanning; the migration says so and goes on.
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "e7b3d9f1a5c8"
down_revision = "c4e6a8b0d2f1"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
SORTED = ("name", "username", "email", "rid", "created_at")
SEARCHED = ("name", "email", "username", "rid")
SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE user_search USING fts5(name, email, username, rid, org_id UNINDEXED,"
    " tokenize='trigram')",
    "INSERT INTO user_search(rowid, name, email, username, rid, org_id)"
    " SELECT id, name, email, username, rid, org_id FROM user_account",
    "CREATE TRIGGER user_search_insert AFTER INSERT ON user_account BEGIN"
    " INSERT INTO user_search(rowid, name, email, username, rid, org_id)"
    " VALUES (new.id, new.name, new.email, new.username, new.rid, new.org_id); END",
    "CREATE TRIGGER user_search_update AFTER UPDATE OF name, email, username, rid, org_id"
    " ON user_account BEGIN UPDATE user_search SET (name, email, username, rid, org_id) ="
    " (new.name, new.email, new.username, new.rid, new.org_id) WHERE rowid = old.id; END",
    "CREATE TRIGGER user_search_delete AFTER DELETE ON user_account BEGIN"
    " DELETE FROM user_search WHERE rowid = old.id; END",
)


def upgrade():
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.drop_index("ix_user_account_org_id")
        batch_op.create_index("ix_user_account_org_status", ["org_id", "status", "id"])
        for column in SORTED:
            batch_op.create_index(
                f"ix_user_account_org_{column}", ["org_id", column, "id", "status"]
            )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _postgresql_search(bind)
    elif bind.dialect.name == "sqlite":
        _sqlite_search(bind)


def _postgresql_search(bind):
    schema = _trgm_schema(bind)
    if schema is None:
        return
    ops = f'"{schema}".gin_trgm_ops'
    expressions = ", ".join(f"lower({c}) {ops}" for c in SEARCHED)
    op.execute(f"CREATE INDEX ix_user_account_search ON user_account USING gin ({expressions})")


def _trgm_schema(bind):
    """The schema of pg_trgm, created (in ``public`` when there is one) if it is missing."""
    find = sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'pg_trgm'"
    )
    schema = bind.execute(find).scalar()
    if schema is None:
        public = bind.execute(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = 'public'"))
        where = " SCHEMA public" if public.scalar() else ""
        try:
            with bind.begin_nested():
                bind.execute(sa.text(f"CREATE EXTENSION IF NOT EXISTS pg_trgm{where}"))
        except sa.exc.DBAPIError as error:  # no privilege, or another node created it now
            log.warning("pg_trgm: %s", str(error.orig).strip())
        schema = bind.execute(find).scalar()
    if schema is None:
        log.warning(
            "pg_trgm is not available: the admin's people search scans the organisation"
            " (CREATE EXTENSION pg_trgm as the database owner, then run this migration again)"
        )
    return schema


def _sqlite_search(bind):
    try:
        with bind.begin_nested():
            for statement in SQLITE_SEARCH:
                bind.execute(sa.text(statement))
    except sa.exc.OperationalError as error:  # a SQLite without FTS5 or its trigram tokenizer
        log.warning("the admin's people search scans the organisation: %s", error.orig)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_user_account_search")
    elif bind.dialect.name == "sqlite":
        for name in ("user_search_insert", "user_search_update", "user_search_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS user_search")
    with op.batch_alter_table("user_account") as batch_op:
        for column in SORTED:
            batch_op.drop_index(f"ix_user_account_org_{column}")
        batch_op.drop_index("ix_user_account_org_status")
        batch_op.create_index("ix_user_account_org_id", ["org_id"], unique=False)

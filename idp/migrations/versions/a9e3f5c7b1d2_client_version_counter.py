"""client_version: a token the database changes with every change to oauth_client

Revision ID: a9e3f5c7b1d2
Revises: d7a4c2e9f1b3
Create Date: 2026-12-03 19:20:00

Every node caches its clients and, per request, compares this one value with the one it
cached under (idp/services/clients/cache.py). The database itself changes the value, by a
trigger on every INSERT, UPDATE or DELETE of oauth_client (and TRUNCATE on PostgreSQL), so no
way of changing a client (the services, a restore, plain SQL) can leave a node serving a
removed client or an old secret. The value is random, not a count: a table emptied and filled
again can never give a value a node saw before.
"""

import sqlalchemy as sa
from alembic import op

revision = "a9e3f5c7b1d2"
down_revision = "d7a4c2e9f1b3"
branch_labels = None
depends_on = None

SQLITE_BUMP = (
    "INSERT INTO client_version (id, version) VALUES (1, lower(hex(randomblob(16)))) "
    "ON CONFLICT (id) DO UPDATE SET version = excluded.version;"
)
PG_FUNCTION = """
CREATE FUNCTION bump_client_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO client_version (id, version)
    VALUES (1, md5(random()::text || clock_timestamp()::text || txid_current()::text))
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
    RETURN NULL;
END $$
"""


def upgrade():
    op.create_table(
        "client_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_version")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER oauth_client_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            "ON oauth_client FOR EACH STATEMENT EXECUTE FUNCTION bump_client_version()"
        )
    else:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER oauth_client_{event.lower()} AFTER {event} ON oauth_client "
                f"BEGIN {SQLITE_BUMP} END"
            )
    op.execute(SQLITE_BUMP.replace("lower(hex(randomblob(16)))", "'initial'").rstrip(";"))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER oauth_client_changed ON oauth_client")
        op.execute("DROP FUNCTION bump_client_version()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER oauth_client_{event}")
    op.drop_table("client_version")

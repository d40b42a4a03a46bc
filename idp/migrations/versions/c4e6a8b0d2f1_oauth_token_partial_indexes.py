"""oauth_token: the person, session and refresh-token indexes hold only rows that have one

Revision ID: c4e6a8b0d2f1
Revises: a9e3f5c7b1d2
Create Date: 2026-12-04 20:30:00

A client_credentials token has no person, no browser session and no refresh token; the plain
indexes on those columns took an entry for its NULLs all the same, three index insertions of
the five its row cost. As partial indexes (WHERE … IS NOT NULL) they hold only the rows with a
value: every lookup (``user_id = :id``, ``refresh_token_hash = :hash``) implies the condition,
so PostgreSQL and SQLite use them as before, and the refresh token stays unique (NULLs never
collided). The unique constraint on refresh_token_hash becomes a partial unique index of the
same name.
"""

import sqlalchemy as sa
from alembic import op

revision = "c4e6a8b0d2f1"
down_revision = "a9e3f5c7b1d2"
branch_labels = None
depends_on = None

PARTIAL = (
    ("ix_oauth_token_user_id", "user_id", False),
    ("ix_oauth_token_session_id", "session_id", False),
    ("uq_oauth_token_refresh_token_hash", "refresh_token_hash", True),
)


def upgrade():
    with op.batch_alter_table("oauth_token") as batch_op:
        batch_op.drop_index("ix_oauth_token_user_id")
        batch_op.drop_index("ix_oauth_token_session_id")
        batch_op.drop_constraint("uq_oauth_token_refresh_token_hash", type_="unique")
    for name, column, unique in PARTIAL:
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            name,
            "oauth_token",
            [column],
            unique=unique,
            postgresql_where=where,
            sqlite_where=where,
        )


def downgrade():
    for name, _column, _unique in PARTIAL:
        op.drop_index(name, table_name="oauth_token")
    with op.batch_alter_table("oauth_token") as batch_op:
        batch_op.create_unique_constraint(
            "uq_oauth_token_refresh_token_hash", ["refresh_token_hash"]
        )
        batch_op.create_index("ix_oauth_token_session_id", ["session_id"], unique=False)
        batch_op.create_index("ix_oauth_token_user_id", ["user_id"], unique=False)

"""recovery_link: single-use links for a forgotten password or a lost login means

Revision ID: a9d2e6f1c3b7
Revises: d2b6c8e4f0a1
Create Date: 2026-12-02 19:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a9d2e6f1c3b7"
down_revision = "d2b6c8e4f0a1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "recovery_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proven_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("proof", sa.String(length=16), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_recovery_link_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_recovery_link_token_hash")),
    )
    with op.batch_alter_table("recovery_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_link_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("recovery_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_link_user_id"))
    op.drop_table("recovery_link")

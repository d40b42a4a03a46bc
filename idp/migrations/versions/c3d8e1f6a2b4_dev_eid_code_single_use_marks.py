"""dev_eid_code: single-use marks of the development private-eID stand-in's codes

Revision ID: c3d8e1f6a2b4
Revises: a9d2e6f1c3b7
Create Date: 2026-12-03 07:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3d8e1f6a2b4"
down_revision = "a9d2e6f1c3b7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dev_eid_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dev_eid_code")),
    )
    with op.batch_alter_table("dev_eid_code", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dev_eid_code_created_at"), ["created_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("dev_eid_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dev_eid_code_created_at"))
    op.drop_table("dev_eid_code")

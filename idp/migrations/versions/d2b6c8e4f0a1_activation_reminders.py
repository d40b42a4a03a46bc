"""activation.reminded_7_at / reminded_1_at: reminders before an activation link expires

Revision ID: d2b6c8e4f0a1
Revises: c7f1a3e9d5b2
Create Date: 2026-12-02 19:00:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "d2b6c8e4f0a1"
down_revision = "c7f1a3e9d5b2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("activation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_7_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reminded_1_at", sa.DateTime(timezone=True), nullable=True))
    # The reminder pass looks for live links by expiry.
    op.create_index("ix_activation_expires_at", "activation", ["expires_at"], unique=False)


def downgrade():
    op.drop_index("ix_activation_expires_at", table_name="activation")
    with op.batch_alter_table("activation", schema=None) as batch_op:
        batch_op.drop_column("reminded_1_at")
        batch_op.drop_column("reminded_7_at")

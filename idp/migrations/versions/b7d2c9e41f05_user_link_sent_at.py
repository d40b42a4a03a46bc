"""user_account.link_sent_at: the resend throttle as one guarded UPDATE

Revision ID: b7d2c9e41f05
Revises: c4ae12613579
Create Date: 2026-12-02 07:00:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b7d2c9e41f05"
down_revision = "c4ae12613579"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_sent_at", sa.DateTime(timezone=True), nullable=True))
    # People already waiting keep their throttle: the time of their newest link.
    op.execute(
        "UPDATE user_account SET link_sent_at = (SELECT MAX(activation.created_at) "
        "FROM activation WHERE activation.user_id = user_account.id)"
    )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("link_sent_at")

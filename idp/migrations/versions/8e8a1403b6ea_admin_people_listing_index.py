"""admin people listing: index user_account (org_id, status, username)

Revision ID: 8e8a1403b6ea
Revises: 5a46fcc728d3
Create Date: 2026-11-28 14:11:06.309260

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "8e8a1403b6ea"
down_revision = "5a46fcc728d3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index(
            "ix_user_account_org_status_username", ["org_id", "status", "username"], unique=False
        )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index("ix_user_account_org_status_username")

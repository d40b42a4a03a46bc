"""oauth_client.logo_uri, policy_uri, tos_uri: shown on the consent page

Revision ID: e5c1a7d9b3f2
Revises: f3b8a2c6d1e9
Create Date: 2026-12-02 15:00:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "e5c1a7d9b3f2"
down_revision = "f3b8a2c6d1e9"
branch_labels = None
depends_on = None

COLUMNS = ("logo_uri", "policy_uri", "tos_uri")


def upgrade():
    with op.batch_alter_table("oauth_client", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=512), nullable=True))


def downgrade():
    with op.batch_alter_table("oauth_client", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)

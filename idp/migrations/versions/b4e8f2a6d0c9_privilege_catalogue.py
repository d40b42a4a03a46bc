"""privilege: an organisation's catalogue of rights (URN, Danish and English label, services)

Revision ID: b4e8f2a6d0c9
Revises: e5c1a7d9b3f2
Create Date: 2026-12-02 19:20:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b4e8f2a6d0c9"
down_revision = "e5c1a7d9b3f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "privilege",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("urn", sa.String(length=255), nullable=False),
        sa.Column("label_da", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("client_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_privilege_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privilege")),
        sa.UniqueConstraint("org_id", "urn", name=op.f("uq_privilege_org_id")),
    )
    with op.batch_alter_table("privilege", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privilege_org_id"), ["org_id"], unique=False)


def downgrade():
    with op.batch_alter_table("privilege", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privilege_org_id"))
    op.drop_table("privilege")

"""saml_service_provider: the SAML face's service providers, registered from their metadata

Revision ID: b8d4f2a6c1e3
Revises: e7b3d9f1a5c8
Create Date: 2026-12-08 02:15:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b8d4f2a6c1e3"
down_revision = "e7b3d9f1a5c8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saml_service_provider",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(length=1024), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("metadata_xml", sa.Text(), nullable=False),
        sa.Column("metadata_url", sa.String(length=2048), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_saml_service_provider_org_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saml_service_provider")),
        sa.UniqueConstraint("entity_id", name=op.f("uq_saml_service_provider_entity_id")),
    )
    with op.batch_alter_table("saml_service_provider", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_saml_service_provider_org_id"), ["org_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("saml_service_provider", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saml_service_provider_org_id"))
    op.drop_table("saml_service_provider")

"""issue 9 (authz): who may log in to a service; four-eyes pending changes

Revision ID: d7a9c1e4b2f0
Revises: d7e3a9c15b42
Create Date: 2026-12-02 06:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7a9c1e4b2f0"
down_revision = "d7e3a9c15b42"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("oauth_client", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("allow_any_org", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("allowed_org_cvrs", sa.JSON(), nullable=False, server_default="[]")
        )
    # An organisation's service admitted anyone before: it now admits only its own people
    # (the organisation's administrator can widen it). Operator clients (org_id NULL) are
    # unaffected. A first-party flag set by an organisation administrator is withdrawn: only
    # the operator may set it.
    op.execute("UPDATE oauth_client SET first_party = false WHERE org_id IS NOT NULL")
    with op.batch_alter_table("oauth_client", schema=None) as batch_op:
        batch_op.alter_column("allow_any_org", server_default=None)
        batch_op.alter_column("allowed_org_cvrs", server_default=None)

    op.create_table(
        "pending_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("proposed", sa.JSON(), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_pending_change_org_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["user_account.id"],
            name=op.f("fk_pending_change_target_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"],
            ["user_account.id"],
            name=op.f("fk_pending_change_proposed_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["user_account.id"],
            name=op.f("fk_pending_change_decided_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_change")),
    )
    op.create_index(
        "ix_pending_change_org_target_status",
        "pending_change",
        ["org_id", "target_id", "status"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_pending_change_org_target_status", table_name="pending_change")
    op.drop_table("pending_change")
    with op.batch_alter_table("oauth_client", schema=None) as batch_op:
        batch_op.drop_column("allowed_org_cvrs")
        batch_op.drop_column("allow_any_org")

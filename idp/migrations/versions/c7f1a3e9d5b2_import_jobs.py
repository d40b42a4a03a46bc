"""import_job, import_job_row: the admin's employee import checked and run in the background

Revision ID: c7f1a3e9d5b2
Revises: b4e8f2a6d0c9
Create Date: 2026-12-02 19:00:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "c7f1a3e9d5b2"
down_revision = "b4e8f2a6d0c9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("encoding", sa.String(length=20), nullable=False),
        sa.Column("skip_invalid", sa.Boolean(), nullable=False),
        sa.Column("worker", sa.String(length=64), nullable=True),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("problem", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_job_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_job_status"), ["status"], unique=False)
    op.create_table(
        "import_job_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=300), nullable=True),
        sa.Column("rid", sa.String(length=100), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["import_job.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_job_row", schema=None) as batch_op:
        batch_op.create_index("ix_import_job_row_job_line", ["job_id", "line"], unique=False)


def downgrade():
    with op.batch_alter_table("import_job_row", schema=None) as batch_op:
        batch_op.drop_index("ix_import_job_row_job_line")
    op.drop_table("import_job_row")
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_job_status"))
        batch_op.drop_index(batch_op.f("ix_import_job_org_id"))
    op.drop_table("import_job")

"""issue 10: one vocabulary for login means (authenticator.type "totp_app" -> "app")

A person's chosen login means (user_account.login_means) was already "app" | "code_display";
an authenticator's type said "totp_app" for the same thing. Both now use LoginMeans:
"app" | "code_display". Audit events keep the words they were written with (they are
hash-chained; rewriting them would break the chain).

Revision ID: f3b8a2c6d1e9
Revises: d7a9c1e4b2f0
Create Date: 2026-12-02 14:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3b8a2c6d1e9"
down_revision = "d7a9c1e4b2f0"
branch_labels = None
depends_on = None

# Spelled out here, not imported: a migration must keep meaning what it meant when written.
OLD_APP = "totp_app"
NEW_APP = "app"

authenticator = sa.table("authenticator", sa.column("type", sa.String(16)))


def _rename(old: str, new: str) -> None:
    op.execute(authenticator.update().where(authenticator.c.type == old).values(type=new))


def upgrade():
    _rename(OLD_APP, NEW_APP)


def downgrade():
    _rename(NEW_APP, OLD_APP)

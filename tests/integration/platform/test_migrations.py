"""The Alembic migrations create exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from idp.extensions import db
from idp.models.user import described_by_models


def test_migrated_schema_matches_models(app):
    with app.app_context(), db.engine.connect() as conn:
        opts = {"compare_type": False, "include_object": described_by_models}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, db.metadata)
    assert diff == []

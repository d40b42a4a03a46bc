"""Helpers for the thin path's tests (tests/integration/oidc/): the SQL statements a request
runs, through SQLAlchemy and on the thin path's DBAPI cursors, a bearer header, a suspended
person."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event, select

from idp.extensions import db
from idp.models import User
from idp.models.enums import UserStatus
from idp.services.platform import hot_sql

# Transaction control (SQLite's group commit: BEGIN IMMEDIATE, a SAVEPOINT per request) is not
# counted: what is counted is the statements that read and write rows.
CONTROL = {"BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT"}


@contextlib.contextmanager
def statements(app) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs meanwhile, first word and table only: through
    SQLAlchemy's Connection (the full path) and on the DBAPI cursors of the thin path's
    prepared statements (idp/services/platform/hot_sql.py)."""
    seen: list[str] = []

    def note(statement: str) -> None:
        words = statement.split()
        if words[0].upper() not in CONTROL:
            seen.append(" ".join(words[:4]).lower())

    def record(conn, cursor, statement, params, context, executemany):
        note(statement)

    class Recording:
        def __init__(self, cursor) -> None:
            self.cursor = cursor

        def execute(self, statement, *params):
            note(statement)
            return self.cursor.execute(statement, *params)

        def __getattr__(self, name):
            return getattr(self.cursor, name)

    original = hot_sql.Hot.__init__

    def recording(hot, cursor, *rest) -> None:
        original(hot, Recording(cursor), *rest)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    hot_sql.Hot.__init__ = recording  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        hot_sql.Hot.__init__ = original  # type: ignore[method-assign]
        event.remove(engine, "before_cursor_execute", record)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def suspend(app, username: str) -> None:
    with app.app_context():
        person = db.session.scalars(select(User).where(User.username == username)).one()
        person.status = UserStatus.SUSPENDED
        db.session.commit()

"""Substring search over a few text columns, for the people lists and the CLI.

The search is ``lower(column) LIKE '%text%'`` on each column, whatever the store. A b-tree
cannot serve it; migration e7b3d9f1a5c8 adds what can. PostgreSQL's planner uses the trigram
GIN index on the same expressions, when asked for the matches alone; SQLite needs to be told,
by its FTS5 trigram table ``user_search``. :func:`candidates` asks either for the people who
may match, and a listing that keeps to them reads a few rows instead of the whole
organisation.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select, text
from sqlalchemy.exc import DBAPIError

from ...extensions import db
from ..errors import N_, InvalidInput

# Longer than any name, e-mail address or username we store; a longer pattern is refused
# rather than sent to the database (SQLite stops a LIKE pattern over 50,000 bytes with an
# error, and no search that long can match).
MAX_SEARCH = 254
# A trigram index knows strings of three characters and more.
TRIGRAM = 3
# Up to this many candidates, a listing keeps to them.
CANDIDATES = 1000


def contains_any(search: str, columns: Sequence[Any]) -> ColumnElement[bool]:
    """Case-insensitive: some column contains ``search`` (wildcards in it are literal)."""
    return or_(*(func.lower(c).contains(_needle(search), autoescape=True) for c in columns))


def _needle(search: str) -> str:
    needle = search.strip().lower()
    if len(needle) > MAX_SEARCH:
        raise InvalidInput(N_("Search for at most %(count)s characters"), count=MAX_SEARCH)
    return needle


def candidates(
    of_org: ColumnElement[bool], org_id: int, search: str, key: Any, columns: Sequence[Any]
) -> list[int] | None:
    """Ids of at most ``CANDIDATES + 1`` people of the organisation (``of_org``) whose
    searched columns may contain ``search``, in no order; None when the store cannot say.

    SQLite asks its FTS5 trigram table (a superset of :func:`contains_any`'s matches: FTS5
    folds case beyond ASCII; not for a search shorter than a trigram, nor without the table).
    PostgreSQL runs the search itself without an order, so its planner takes the trigram
    index for a rare string and stops a scan early for a common one; asked with the page's
    order and limit it would walk the sort's index, hoping for an early match.
    """
    needle = _needle(search)
    limit = CANDIDATES + 1
    if db.engine.dialect.name == "postgresql":
        query = select(key).where(of_org, contains_any(search, columns)).limit(limit)
        return [int(i) for i in db.session.execute(query).scalars()]
    if len(needle) < TRIGRAM or not _has_fts():
        return None
    phrase = '"' + needle.replace('"', '""') + '"'  # one FTS5 phrase: the string itself
    rows = db.session.execute(
        text(
            "SELECT rowid FROM user_search WHERE user_search MATCH :phrase AND org_id = :org"
            " LIMIT :limit"
        ),
        {"phrase": phrase, "org": org_id, "limit": limit},
    )
    return [int(row[0]) for row in rows]


def _has_fts() -> bool:
    # Asked every time (a lookup in SQLite's schema, microseconds): a migration walked down
    # removes the table, and no cache should outlive it.
    if db.engine.dialect.name != "sqlite":
        return False
    found = db.session.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'user_search'")
    ).first()
    return found is not None


def in_org(
    org_column: Any, org_id: int, search: str | None, key: Any, columns: Sequence[Any]
) -> list[ColumnElement[bool]]:
    """The conditions "in the organisation, and (with a ``search``) some column contains it",
    for a ``WHERE``. When :func:`candidates` names at most :data:`CANDIDATES` people, ``key
    IN`` them too (a common string is found soonest by scanning in order), and on SQLite the
    organisation's condition marked ``likely()`` (always true of the candidates): without
    statistics SQLite would take the organisation's index, read all its people and test each
    against the list."""
    of_org = org_column == org_id
    if not (search and search.strip()):
        return [of_org]
    ids = candidates(of_org, org_id, search, key, columns)
    if ids is None or len(ids) > CANDIDATES:
        return [of_org, contains_any(search, columns)]
    if not ids:
        return [false()]
    return [usually(of_org), key.in_(ids), contains_any(search, columns)]


def usually(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """``condition`` marked ``likely()`` on SQLite, for a query that another condition (a list
    of ids) should drive: SQLite has no statistics and would take the index of ``condition``."""
    return func.likely(condition) if db.engine.dialect.name == "sqlite" else condition


class BulkIndex:
    """SQLite's search index kept in bulk for a large write (an import), inside the caller's
    transaction: entered, the index's insert and update triggers are dropped (DDL is part of
    SQLite's transaction: no other connection sees it, the writer's lock keeps other writes
    out, and a rollback brings the triggers back); :meth:`done` indexes the people created
    since and those ``changed``, one statement each, and makes the triggers again from their
    own stored SQL. Row by row, the triggers cost an import seconds per 100,000 people
    (measured once on a quiet machine: create 12.3 s with them, 8.6 s with the table but no
    triggers, 7.8 s with no search index; runs of this class varied from 10.7 to 11.2 s).
    Elsewhere (PostgreSQL keeps its GIN index itself, a SQLite without the table) nothing."""

    def __init__(self) -> None:
        self.triggers: list[str] = []
        self.after = 0
        if not _has_fts():
            return
        found = db.session.execute(text(_TRIGGERS)).all()
        self.triggers = [str(sql) for _name, sql in found]
        for name, _sql in found:
            db.session.execute(text(f'DROP TRIGGER "{name}"'))
        # After that write: this transaction holds SQLite's write lock, so every id above
        # this one is of a person this transaction creates (rowids grow from the largest).
        after = db.session.execute(text("SELECT coalesce(max(id), 0) FROM user_account"))
        self.after = int(after.scalar_one())

    def done(self, changed: Sequence[int] = ()) -> None:
        if not self.triggers:
            return
        ids = json.dumps(list(changed))
        for statement in _REINDEX:
            db.session.execute(text(statement), {"after": self.after, "ids": ids})
        self._restore()

    def abandon(self) -> None:
        """The write failed: the triggers back at once, whatever the caller does next (its
        rollback brings them back all the same)."""
        with suppress(DBAPIError):  # a broken transaction: its rollback restores them
            self._restore()

    def _restore(self) -> None:
        triggers, self.triggers = self.triggers, []
        for sql in triggers:
            db.session.execute(text(sql))


_TRIGGERS = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
    " AND name IN ('user_search_insert', 'user_search_update') ORDER BY name"
)
_REINDEX = (
    "DELETE FROM user_search WHERE rowid IN (SELECT value FROM json_each(:ids))",
    "INSERT INTO user_search (rowid, name, email, username, rid, org_id)"
    " SELECT id, name, email, username, rid, org_id FROM user_account"
    " WHERE id > :after OR id IN (SELECT value FROM json_each(:ids))",
)

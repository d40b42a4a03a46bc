"""Core statements compiled once per dialect and run straight on the pool's DBAPI connection.

``Connection.execute`` costs about 100-150 µs of CPU per statement on this path (an execution
context, result metadata: psycopg builds ``cursor.description`` anew for every result), the
driver alone 50-60 µs; the thin path (idp/oidc/thin.py) runs a few fixed statements per
request. Each :class:`Prepared` is compiled by SQLAlchemy for the engine's dialect, so the SQL
is what ``Connection.execute`` would send, and its values go through the column types' own
bind and result processors (UTC datetimes, JSON, enums), so they are what the ORM writes and
reads. The connection comes from the engine's pool and goes back to it; a connection that
failed is invalidated, never reused.

Durability is unchanged: outside a transaction each statement commits by itself (PostgreSQL's
autocommit; on SQLite a commit after each statement), inside :func:`unit` with
``transaction=True`` everything commits together at the end or not at all; either way the
commit has returned before the caller answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement


class StatementFailed(Exception):
    """A statement failed in the driver (the database away, a constraint): the request goes
    to the full path, which reports it as the protocol says."""


class Prepared:
    """One statement compiled for one dialect, with its parameter and result converters."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)  # a statement, not DDL
        if compiled.escaped_bind_names:
            raise ValueError("bind names needing escapes are not supported here")
        if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
            # A column default computed in Python by Connection.execute: give it a value.
            raise ValueError(f"a column default would be computed in Python: {statement}")
        self.sql = compiled.string
        self.order = tuple(compiled.positiontup or ()) if compiled.positional else None
        names = compiled.bind_names
        # Parameters the statement carries itself (a literal id = 1, a fixed enum value).
        self.fixed = {name: bp.effective_value for bp, name in names.items() if not bp.required}
        self.binds: dict[str, Callable[[Any], Any]] = {}
        for bp, name in names.items():
            processor = bp.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self.binds[name] = processor
        columns = getattr(statement, "exported_columns", ())
        self.results: list[Callable[[Any], Any] | None] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]

    def arguments(self, params: Mapping[str, Any]) -> Any:
        values = {**self.fixed, **params}
        for name, processor in self.binds.items():
            values[name] = processor(values[name])
        return values if self.order is None else [values[name] for name in self.order]

    def row(self, raw: Any) -> tuple[Any, ...]:
        return tuple(
            value if processor is None else processor(value)
            for processor, value in zip(self.results, raw, strict=True)
        )


class Statements:
    """The prepared statements of one engine, compiled on first use."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._prepared: dict[int, Prepared] = {}

    def __getitem__(self, statement: ClauseElement) -> Prepared:
        key = id(statement)  # module-level statements, alive as long as the process
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = self._prepared[key] = Prepared(statement, self.engine.dialect)
        return prepared


class Hot:
    """A DBAPI cursor for one unit of work, running :class:`Prepared` statements."""

    def __init__(
        self, cursor: Any, statements: Statements, commit: Callable[[], None] | None = None
    ) -> None:
        self.cursor = cursor
        self.statements = statements
        self.commit = commit  # after each statement (SQLite outside a transaction)

    @property
    def dialect_name(self) -> str:
        return self.statements.engine.dialect.name

    def first(self, statement: ClauseElement, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The statement's first row, converted, or None; every row is read, so that a
        statement with RETURNING has finished (SQLite applies it only then)."""
        prepared, rows = self._execute(statement, params)
        return prepared.row(rows[0]) if rows else None

    def run(self, statement: ClauseElement, params: Mapping[str, Any]) -> None:
        self._execute(statement, params)

    def _execute(
        self, statement: ClauseElement, params: Mapping[str, Any]
    ) -> tuple[Prepared, list[Any]]:
        prepared = self.statements[statement]
        self.cursor.execute(prepared.sql, prepared.arguments(params))
        rows = self.cursor.fetchall() if prepared.results else []
        if self.commit is not None:
            self.commit()
        return prepared, rows


@contextmanager
def unit(statements: Statements, *, transaction: bool) -> Iterator[Hot]:
    """A pooled connection for a few statements. ``transaction``: all of them commit together
    when the block ends (an exception rolls everything back); otherwise each commits alone."""
    engine = statements.engine
    fairy = engine.raw_connection()
    driver = fairy.driver_connection
    autocommit = engine.dialect.name == "postgresql" and not transaction
    # SQLite (pysqlite) begins a transaction before a write by itself: commit each at once.
    commit_each = fairy.commit if not transaction and not autocommit else None
    dbapi_error = engine.dialect.loaded_dbapi.Error
    try:
        if autocommit:
            driver.autocommit = True  # type: ignore[union-attr]
        cursor = fairy.cursor()
        try:
            yield Hot(cursor, statements, commit_each)
            fairy.commit()  # the transaction's; a no-op when each statement committed
        except BaseException:
            _quietly(fairy.rollback, dbapi_error)
            raise
        finally:
            _quietly(cursor.close, dbapi_error)
    except dbapi_error as error:
        fairy.invalidate(error)
        raise StatementFailed(str(error)) from error
    finally:
        if autocommit and fairy.is_valid:
            try:
                # Back to what every other user of the pool expects: transactions.
                driver.autocommit = False  # type: ignore[union-attr]
            except dbapi_error as error:
                fairy.invalidate(error)
        fairy.close()


def _quietly(action: Callable[[], Any], errors: type[Exception]) -> None:
    with suppress(errors):  # the connection is broken; the error that broke it is raised
        action()

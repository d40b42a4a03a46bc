"""Before a node serves (``idp prepare``, run by deploy/entrypoint.sh): wait until the
database accepts connections, then, one node at a time, migrate it to the head of the code's
migrations and create the signing keys that are missing.

"One node at a time" is a lock every node of one deployment meets: on PostgreSQL a session
advisory lock on one connection (released by the server if the process dies), on SQLite an
exclusive ``fcntl`` lock on a file beside the database. Two nodes started at once on a fresh
database therefore never run the same migration twice or make two active keys per algorithm.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from ...extensions import db
from .runtime import settings

# The advisory lock every `idp prepare` takes on PostgreSQL: "LokalIDP" in ASCII, a fixed
# 64-bit key (pg_advisory_lock(bigint)). Advisory locks are per database, so two deployments
# sharing one database (in different schemas) take turns, which costs only a wait.
PREPARE_LOCK_KEY = 0x4C6F6B616C494450
# How long one connection attempt may take (a host that drops packets), and how often the
# waiting is reported (every attempt would flood the log at the poll interval).
CONNECT_TIMEOUT_SECONDS = 5
POLL_SECONDS = 0.5
REPORT_EVERY_SECONDS = 5.0

Report = Callable[[str], None]


class DatabaseUnavailable(Exception):
    """The database did not accept a connection before the deadline; the message names it
    (host, port, database: never the password) and the last error."""


@dataclass(frozen=True)
class Prepared:
    """What ``prepare`` did: the revisions before and after, and the keys it created."""

    database: str
    revisions_before: tuple[str, ...]
    revisions_after: tuple[str, ...]
    keys_created: list[dict[str, Any]] = field(default_factory=list)

    @property
    def migrated(self) -> bool:
        return self.revisions_before != self.revisions_after

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "migrated": self.migrated,
            "revisions_before": list(self.revisions_before),
            "revisions_after": list(self.revisions_after),
            "keys_created": self.keys_created,
        }


def database_label(url: str | URL) -> str:
    """The database as an operator may read it in a log: driver, host, port and database
    name, or the SQLite file; the user name and password are left out."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:{parsed.database or ':memory:'}"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.get_backend_name()}://{parsed.host or 'localhost'}{port}/{parsed.database}"


def _first_line(error: BaseException) -> str:
    inner = getattr(error, "orig", None) or error
    lines = str(inner).strip().splitlines()
    return lines[0] if lines else type(inner).__name__


def wait_for_database(url: str, seconds: float, report: Report) -> None:
    """Try to connect until ``seconds`` have passed, reporting the wait at most every
    ``REPORT_EVERY_SECONDS``; raise ``DatabaseUnavailable`` at the deadline."""
    parsed = make_url(url)
    connect_args = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    engine = create_engine(parsed, poolclass=NullPool, connect_args=connect_args)
    label = database_label(parsed)
    deadline = time.monotonic() + seconds
    reported = float("-inf")
    try:
        while True:
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                return
            except SQLAlchemyError as error:
                last = _first_line(error)
            now = time.monotonic()
            if now >= deadline:
                raise DatabaseUnavailable(
                    f"the database {label} did not accept a connection within {seconds:g} s "
                    f"(last error: {last})"
                )
            if now - reported >= REPORT_EVERY_SECONDS:
                report(f"waiting for the database {label}: {last}")
                reported = now
            time.sleep(min(POLL_SECONDS, max(deadline - now, 0.0)))
    finally:
        engine.dispose()


@contextmanager
def prepare_lock(url: str, report: Report) -> Iterator[None]:
    """Hold the deployment-wide lock of ``idp prepare`` (see the module docstring)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        with _advisory_lock(parsed, report):
            yield
    elif parsed.get_backend_name() == "sqlite":
        with _file_lock(_sqlite_lock_path(parsed), report):
            yield
    else:
        yield  # no other database is supported (config_checks refuses them)


@contextmanager
def _advisory_lock(url: URL, report: Report) -> Iterator[None]:
    # One connection of its own, outside the app's pool: the lock is this session's, and
    # closing the connection ends the session, which releases it even after an error.
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if not _try_advisory_lock(conn):
                report("another node is preparing the database; waiting for it")
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PREPARE_LOCK_KEY})
                conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PREPARE_LOCK_KEY})
                conn.commit()
    finally:
        engine.dispose()


def _try_advisory_lock(conn: Connection) -> bool:
    got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": PREPARE_LOCK_KEY})
    locked = bool(got.scalar())
    conn.commit()  # the lock is the session's, not the transaction's: it outlives this
    return locked


def _sqlite_lock_path(url: URL) -> Path:
    """A lock file beside the database file (an in-memory database: in the instance folder,
    though no second process can share such a database anyway)."""
    name = url.database
    if not name or name == ":memory:":
        return settings().instance_dir / "idp.prepare.lock"
    return Path(name).resolve().with_name(Path(name).name + ".prepare.lock")


@contextmanager
def _file_lock(path: Path, report: Report) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    # The file stays: removing a lock file lets a third process lock a new file while the
    # second still waits on the old one.
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            report("another node is preparing the database; waiting for it")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _current_revisions() -> tuple[str, ...]:
    with db.engine.connect() as conn:
        return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def prepare(wait_seconds: float, report: Report, *, actor: str) -> Prepared:
    """Wait for the database, then under the deployment-wide lock migrate it to the head
    and create the missing keys (``idp keys init``: one active signing key per algorithm,
    and with the keys in the database the secret-encryption key). Safe to run on every node
    at every start."""
    from flask_migrate import upgrade

    from .keys import ensure_keys

    url = settings().sqlalchemy_url
    wait_for_database(url, wait_seconds, report)
    with prepare_lock(url, report):
        before = _current_revisions()
        upgrade()
        after = _current_revisions()
        created = [dict(entry.__dict__) for entry in ensure_keys(actor=actor)]
    db.engine.dispose()
    return Prepared(database_label(url), before, after, created)

"""The hot path's writes, and on SQLite group commit: one fsync for many requests' writes.

On SQLite every commit waits for its fsync (``synchronous=FULL``: a consumed code, an issued
token survive a power loss) under the database's single write lock, so request threads that
each commit their own token queue at the lock and sleep in its busy handler. Here one writer
thread per process takes the writes waiting (up to :data:`MAX_BATCH`) and runs them in one
``BEGIN IMMEDIATE`` transaction, each inside a SAVEPOINT of its own: a request whose work
declines or fails is undone alone and the rest commit together, with one fsync. Each caller
waits until that COMMIT has returned, so no response speaks of a write that is not on disk;
a batch that cannot commit fails every request in it (nothing was written), and those go to
the full path.

Between processes (the server's workers) the writers take turns by an exclusive ``flock`` on a
file beside the database before ``BEGIN IMMEDIATE``: the kernel wakes the next writer the
moment the lock is free, where SQLite's busy handler would sleep for up to 100 ms at a time
and starve one worker while the other commits.

PostgreSQL flushes concurrent commits together by itself (its WAL writer): there each
request runs its own transaction (or one autocommitted statement) on its own connection.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import nullcontext
from queue import Empty, SimpleQueue
from typing import Any, TypeVar

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]

from .hot_sql import Hot, StatementFailed, Statements, unit

T = TypeVar("T")

MAX_BATCH = 64
# A writer with nothing to do for this long ends; the next write starts another.
IDLE_SECONDS = 30.0

_Item = tuple[Callable[[Hot], Any], Future[Any]]


class Writes:
    """Where the thin path's writes of one engine run (see the module docstring)."""

    def __init__(self, statements: Statements) -> None:
        self.statements = statements
        self.grouped = statements.engine.dialect.name == "sqlite"
        self._queue: SimpleQueue[_Item] = SimpleQueue()
        self._lock = threading.Lock()
        self._writer: int | None = None  # the pid whose writer thread runs
        self._turns = _Turns(statements.engine.url.database) if self.grouped else None

    def run(self, work: Callable[[Hot], T], *, transaction: bool = True) -> T:
        """``work``'s result once its writes are committed (its exception, with nothing of it
        written, when it raises). ``transaction`` False: one statement that commits alone
        (PostgreSQL's autocommit; on SQLite every write is grouped)."""
        if not self.grouped:
            with unit(self.statements, transaction=transaction) as hot:
                return work(hot)
        future: Future[T] = Future()
        self._queue.put((work, future))
        self._ensure_writer()
        return future.result()

    def _ensure_writer(self) -> None:
        pid = os.getpid()  # a forked worker has none of its parent's threads
        with self._lock:
            if self._writer != pid:
                self._writer = pid
                threading.Thread(
                    target=self._write_while_busy, name="idp-group-commit", daemon=True
                ).start()

    def _write_while_busy(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS)
            except Empty:
                with self._lock:
                    if self._queue.empty():  # a caller adds before it looks for a writer
                        self._writer = None
                        return
                continue
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except Empty:
                    break
            with self._turns or nullcontext():
                _commit(self.statements, batch)


class _Turns:
    """An exclusive ``flock`` on ``<database>.writer-lock``, held while a batch commits: the
    writers of all processes on this database take turns. None of this for an in-memory
    database or where ``fcntl`` is missing (the busy handler alone decides there)."""

    def __init__(self, database: str | None) -> None:
        memory = not database or database == ":memory:" or database.startswith("file::memory:")
        self.path = None if memory or fcntl is None else f"{database}.writer-lock"
        self._fd: tuple[int, int] | None = None  # (pid, descriptor): a fork opens its own

    def __enter__(self) -> None:
        if self.path is None or fcntl is None:
            return
        pid = os.getpid()
        if self._fd is None or self._fd[0] != pid:
            self._fd = (pid, os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        fcntl.flock(self._fd[1], fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None and fcntl is not None:
            fcntl.flock(self._fd[1], fcntl.LOCK_UN)


def _commit(statements: Statements, batch: list[_Item]) -> None:
    """Run and commit one batch; every future gets its outcome only after the COMMIT."""
    dbapi_error = statements.engine.dialect.loaded_dbapi.Error
    outcomes: list[tuple[bool, Any]] = []
    try:
        with unit(statements, transaction=True) as hot:
            hot.cursor.execute("BEGIN IMMEDIATE")  # the write lock first: no upgrade deadlock
            for index, (work, _) in enumerate(batch):
                hot.cursor.execute(f"SAVEPOINT w{index}")
                try:
                    outcomes.append((True, work(hot)))
                except Exception as error:
                    hot.cursor.execute(f"ROLLBACK TO w{index}")
                    if isinstance(error, dbapi_error):
                        error = StatementFailed(str(error))
                    outcomes.append((False, error))
                hot.cursor.execute(f"RELEASE w{index}")
    except BaseException as error:
        failure = error if isinstance(error, StatementFailed) else StatementFailed(str(error))
        for _, future in batch:
            future.set_exception(failure)
        if not isinstance(error, Exception):
            raise
        return
    for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

"""SQLite's group commit (idp/services/platform/group_commit.py), on a real SQLite file:
writes waiting together commit in one transaction, a write that fails is undone alone, and
every caller hears of its write only once the COMMIT has returned."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    func,
    insert,
    select,
)

from idp.services.platform import group_commit
from idp.services.platform.group_commit import Writes
from idp.services.platform.hot_sql import Hot, StatementFailed, Statements

NOTES = Table("note", MetaData(), Column("id", Integer, primary_key=True), Column("text", String))
ADD = insert(NOTES).values(text=bindparam("t"))
DEADLINE = 10.0


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'notes.sqlite3'}")
    NOTES.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _notes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.scalars(select(NOTES.c.text)))


def _wait(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {DEADLINE} s: {what}")
        time.sleep(0.005)


def _add(text: str):
    def work(hot: Hot) -> str:
        hot.run(ADD, {"t": text})
        return text

    return work


def test_writes_waiting_together_commit_as_one_batch(engine, monkeypatch):
    writes = Writes(Statements(engine))
    batches: list[int] = []
    real_commit = group_commit._commit

    def counting(statements, batch):
        batches.append(len(batch))
        real_commit(statements, batch)

    monkeypatch.setattr(group_commit, "_commit", counting)
    # The writer is held inside a first write, so that ten more wait for it in the queue.
    release = threading.Event()

    def held(hot: Hot) -> str:
        hot.run(ADD, {"t": "first"})
        assert release.wait(DEADLINE)
        return "first"

    results: dict[str, str] = {}

    def submit(work, key: str) -> None:
        results[key] = writes.run(work)

    threads = [threading.Thread(target=submit, args=(held, "first"))]
    threads[0].start()
    _wait(lambda: batches == [1], "the writer took the first write")
    for i in range(10):
        thread = threading.Thread(target=submit, args=(_add(f"n{i}"), f"n{i}"))
        thread.start()
        threads.append(thread)
    _wait(lambda: writes._queue.qsize() == 10, "ten writes wait")
    assert results == {}  # nobody has an answer before its commit
    release.set()
    for thread in threads:
        thread.join(DEADLINE)
    assert batches == [1, 10]  # one transaction, one fsync, for the ten
    assert results == {key: key for key in ["first", *(f"n{i}" for i in range(10))]}
    assert _notes(engine) == sorted(["first", *(f"n{i}" for i in range(10))])


def test_a_write_that_fails_is_undone_alone(engine):
    writes = Writes(Statements(engine))
    entered, release = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def held(hot: Hot) -> None:
        entered.set()
        assert release.wait(DEADLINE)

    def half_then_fail(hot: Hot) -> None:
        hot.run(ADD, {"t": "half"})
        raise LookupError("declined after a write")

    def broken(hot: Hot) -> None:
        hot.run(ADD, {"t": "before the bad statement"})
        hot.cursor.execute("INSERT INTO no_such_table VALUES (1)")

    def submit(key: str, work) -> None:
        try:
            outcomes[key] = writes.run(work)
        except Exception as error:
            outcomes[key] = error

    first = threading.Thread(target=submit, args=("held", held))
    first.start()
    assert entered.wait(DEADLINE)  # the writer is inside its batch
    others = [
        threading.Thread(target=submit, args=(key, work))
        for key, work in [("a", _add("a")), ("fail", half_then_fail), ("b", _add("b")),
                          ("broken", broken), ("c", _add("c"))]
    ]  # fmt: skip
    for thread in others:
        thread.start()
    _wait(lambda: writes._queue.qsize() == 5, "five writes wait")
    release.set()
    for thread in [first, *others]:
        thread.join(DEADLINE)
    assert _notes(engine) == ["a", "b", "c"]
    assert isinstance(outcomes["fail"], LookupError)
    assert isinstance(outcomes["broken"], StatementFailed)  # a driver error, as the path expects
    assert (outcomes["a"], outcomes["b"], outcomes["c"]) == ("a", "b", "c")


def test_the_writer_ends_when_idle_and_the_next_write_starts_another(engine, monkeypatch):
    monkeypatch.setattr(group_commit, "IDLE_SECONDS", 0.05)
    writes = Writes(Statements(engine))
    assert writes.run(_add("one")) == "one"
    _wait(lambda: writes._writer is None, "the idle writer ended")
    assert writes.run(_add("two")) == "two"
    assert _notes(engine) == ["one", "two"]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(NOTES)) == 2

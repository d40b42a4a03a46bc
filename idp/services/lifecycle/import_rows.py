"""The invalid rows of a checked import job (:mod:`.import_jobs`): a page of them for the
admin's job page, or all of them for the streamed CSV report. Reads, never writes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ...extensions import db
from ...models import ImportJob, ImportJobRow
from ..errors import N_, InvalidInput

ROWS_PER_PAGE = 50


@dataclass
class RowsPage:
    """One page of a checked file's invalid rows."""

    rows: list[ImportJobRow]
    total: int
    page: int
    pages: int


def invalid_rows(job: ImportJob, page: int = 1) -> RowsPage:
    """Page ``page`` (ROWS_PER_PAGE rows, by line) of the job's invalid rows."""
    total = (
        db.session.scalar(
            select(func.count()).select_from(ImportJobRow).where(ImportJobRow.job_id == job.id)
        )
        or 0
    )
    pages = max(1, -(-total // ROWS_PER_PAGE))
    if not 1 <= page <= pages:
        raise InvalidInput(N_("No such page"))
    query = (
        select(ImportJobRow)
        .where(ImportJobRow.job_id == job.id)
        .order_by(ImportJobRow.line)
        .offset((page - 1) * ROWS_PER_PAGE)
        .limit(ROWS_PER_PAGE)
    )
    return RowsPage(list(db.session.execute(query).scalars()), total, page, pages)


def all_invalid_rows(job_id: int, batch: int = 1000) -> Iterator[tuple[Any, ...]]:
    """(line, username, email, rid, errors) of every invalid row of a job by line, read a
    batch at a time (each its own query: a streamed report outlives the request's session)."""
    table, last = ImportJobRow.__table__, 0
    columns = [table.c[n] for n in ("line", "username", "email", "rid", "errors")]
    while True:
        query = (
            select(*columns)
            .where(table.c.job_id == job_id, table.c.line > last)
            .order_by(table.c.line)
            .limit(batch)
        )
        rows = [tuple(r) for r in db.session.execute(query)]
        db.session.remove()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1][0]

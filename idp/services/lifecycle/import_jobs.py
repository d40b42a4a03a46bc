"""The admin's employee import as a background job: the upload is stored, a worker checks it
(a dry run of :func:`imports.import_users`, writing its progress), the admin reads the summary
and the invalid rows, then a worker imports the checked file (the same service, one
transaction, which also marks the job done).

Every change of a job's state is one conditional UPDATE (``WHERE status = ...``), so two
nodes never both run a step and a cancelled job is never revived. The file (it holds CPR
numbers) is dropped as soon as the job ends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select, update

from ...extensions import db
from ...models import ImportJob, ImportJobRow, ImportJobStatus, ImportOutcome, Organisation
from ...models.types import utcnow
from ..errors import N_, Conflict, Message, NotFound, ServiceError
from .employee_file import NotUtf8, decode_people_file, read_header
from .imports import ImportReport, import_users

S = ImportJobStatus
ENDED = (S.DONE, S.CANCELLED, S.FAILED)
CANCELLABLE = (S.ENCODING, S.QUEUED, S.CHECKING, S.CHECKED)
_BATCH = 5000


class Stopped(Exception):
    """The job was cancelled (or taken over) while a worker had it in hand."""


def create_job(org: Organisation, data: bytes, *, filename: str, actor: str) -> ImportJob:
    """Store an uploaded file as a job to check. A file that is not UTF-8 but reads as
    Windows-1252 waits (``encoding``) for the admin to agree to convert it; any other file
    that is not UTF-8 is refused (NotUtf8), and so is a file whose header is unusable."""
    status = S.QUEUED
    try:
        read_header(decode_people_file(data))  # an unusable header is refused at once
    except NotUtf8 as error:
        if not error.windows_1252:
            raise
        status = S.ENCODING
    job = ImportJob(
        org_id=org.id,
        created_by=actor,
        filename=filename[:200],
        status=status,
        encoding="utf-8",
        size=len(data),
        data=data,
        rows_total=_lines(data) - 1,  # an estimate (quoted line breaks), exact once checked
        summary={},
    )
    db.session.add(job)
    db.session.commit()
    return job


def _changes(statement: Any) -> int:
    """How many rows a conditional UPDATE changed."""
    return int(db.session.execute(statement).rowcount)  # type: ignore[attr-defined]


def _lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def get_job(org: Organisation, job_id: int) -> ImportJob:
    """The organisation's job ``job_id``; NotFound for another organisation's."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.org_id != org.id:
        raise NotFound(N_("No such import"))
    return job


def recent_jobs(org: Organisation, limit: int = 10) -> list[ImportJob]:
    """The organisation's newest jobs, newest first."""
    query = select(ImportJob).where(ImportJob.org_id == org.id).order_by(ImportJob.id.desc())
    return list(db.session.execute(query.limit(limit)).scalars())


def _move(job: ImportJob, frm: tuple[str, ...], message: str, **values: Any) -> None:
    """Change ``job`` from one of ``frm`` with one conditional UPDATE, or raise Conflict."""
    values.setdefault("updated_at", utcnow())
    statement = (
        update(ImportJob)
        .where(ImportJob.id == job.id, ImportJob.status.in_(frm))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if _changes(statement) != 1:
        db.session.rollback()
        raise Conflict(message)
    db.session.commit()
    db.session.refresh(job)


def convert_encoding(job: ImportJob) -> None:
    """The admin agrees: read the file as Windows-1252 and check it."""
    _move(
        job,
        (S.ENCODING,),
        N_("This import is no longer waiting"),
        status=S.QUEUED,
        encoding="cp1252",
    )


def cancel(job: ImportJob) -> None:
    """Stop a job that has not begun importing; its file is dropped."""
    _move(
        job,
        CANCELLABLE,
        N_("This import can no longer be cancelled"),
        status=S.CANCELLED,
        worker=None,
        data=None,
    )


def start_import(job: ImportJob, *, skip_invalid: bool) -> None:
    """Queue the import of a checked file (a worker runs it)."""
    _move(
        job,
        (S.CHECKED,),
        N_("This import is not ready to be imported"),
        status=S.IMPORTING,
        worker=None,
        skip_invalid=skip_invalid,
        rows_done=0,
        problem=None,
    )


def claim_next(worker: str) -> int | None:
    """Claim the oldest job waiting for a worker (a queued check, or an import nobody runs).
    Returns the job id, or None."""
    for job_id, status in waiting_jobs():
        if claim(job_id, status, worker):
            return job_id
    return None


def waiting_jobs(limit: int = 5) -> list[tuple[int, str]]:
    """(id, status) of the oldest jobs waiting for a worker."""
    waiting = (ImportJob.status == S.QUEUED) | (
        (ImportJob.status == S.IMPORTING) & ImportJob.worker.is_(None)
    )
    query = select(ImportJob.id, ImportJob.status).where(waiting).order_by(ImportJob.id)
    return [(int(i), str(s)) for i, s in db.session.execute(query.limit(limit))]


def claim(job_id: int, status: str, worker: str) -> bool:
    """Take job ``job_id``, seen waiting in ``status``, for ``worker``: the conditional UPDATE
    has one winner among the nodes that saw it waiting."""
    step = S.CHECKING if status == S.QUEUED else S.IMPORTING
    statement = (
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status == status, ImportJob.worker.is_(None))
        .values(status=step, worker=worker, updated_at=utcnow())
    )
    won = _changes(statement) == 1
    db.session.commit()
    return won


def run_job(job_id: int, worker: str) -> None:
    """Run the step of a job this worker claimed: the check, or the import."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.worker != worker:
        return
    org = db.session.get(Organisation, job.org_id)
    assert org is not None and job.data is not None
    try:
        if job.status == S.CHECKING:
            _check(job, org, worker)
        elif job.status == S.IMPORTING:
            _import(job, org, worker)
    except Stopped:
        db.session.rollback()
    except ServiceError as error:
        db.session.rollback()
        _fail(job_id, worker, Message(error.message, **error.params))
    except Exception:
        db.session.rollback()
        _fail(job_id, worker, Message(N_("The import failed on our side; try again later")))
        raise


def _mine(job_id: int, worker: str, status: str) -> Any:
    return (ImportJob.id == job_id) & (ImportJob.worker == worker) & (ImportJob.status == status)


def _progress(job_id: int, worker: str, status: str) -> Callable[[int], None]:
    """Write the rows read so far; raise Stopped when the job is no longer this worker's."""

    def write(rows: int) -> None:
        statement = (
            update(ImportJob)
            .where(_mine(job_id, worker, status))
            .values(rows_done=rows, updated_at=utcnow())
        )
        if _changes(statement) != 1:
            raise Stopped
        db.session.commit()

    return write


def _check(job: ImportJob, org: Organisation, worker: str) -> None:
    job_id = job.id
    report = import_users(
        org,
        job.data or b"",
        source=f"web:{job.filename}",
        dry_run=True,
        skip_invalid=True,
        actor=job.created_by,
        encoding=job.encoding,
        progress=_progress(job_id, worker, S.CHECKING),
    )
    invalid = [r for r in report.rows if r["action"] == ImportOutcome.INVALID]
    for start in range(0, len(invalid), _BATCH):
        db.session.execute(
            insert(ImportJobRow), [_problem_row(job_id, r) for r in invalid[start : start + _BATCH]]
        )
    statement = (
        update(ImportJob)
        .where(_mine(job_id, worker, S.CHECKING))
        .values(
            status=S.CHECKED,
            worker=None,
            rows_done=len(report.rows),
            rows_total=len(report.rows),
            summary={"checked": report.counts},
            updated_at=utcnow(),
        )
    )
    if _changes(statement) != 1:
        raise Stopped  # cancelled meanwhile: the invalid rows go with the rollback
    db.session.commit()


def _problem_row(job_id: int, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "line": row["line"],
        "username": (row["username"] or "")[:200] or None,
        "email": (row["email"] or "")[:300] or None,
        "rid": (row["rid"] or "")[:100] or None,
        "errors": [{"template": e.template, "params": e.params} for e in row["errors"]],
    }


def _import(job: ImportJob, org: Organisation, worker: str) -> None:
    job_id, summary = job.id, dict(job.summary)

    def mark_done(report: ImportReport) -> None:
        summary["imported"] = report.counts
        statement = (
            update(ImportJob)
            .where(_mine(job_id, worker, S.IMPORTING))
            .values(status=S.DONE, worker=None, data=None, summary=summary, updated_at=utcnow())
        )
        if _changes(statement) != 1:
            raise Stopped

    report = import_users(
        org,
        job.data or b"",
        source=f"web:{job.filename}"[:200],
        dry_run=False,
        skip_invalid=job.skip_invalid,
        actor=job.created_by,
        encoding=job.encoding,
        before_commit=mark_done,
    )
    if report.refused:
        back = N_("The file has invalid rows; nothing is imported unless you skip them.")
        _fail(job_id, worker, Message(back), status=S.CHECKED, keep_file=True)
    elif not report.written:  # nothing to change: mark_done never ran
        mark_done(report)
        db.session.commit()


def _fail(
    job_id: int, worker: str, problem: Message, *, status: str = S.FAILED, keep_file: bool = False
) -> None:
    values: dict[str, Any] = {"status": status, "worker": None, "updated_at": utcnow()}
    params = {k: v if isinstance(v, int | str) else str(v) for k, v in problem.params.items()}
    values["problem"] = {"template": problem.template, "params": params}
    if not keep_file:
        values["data"] = None
    statement = update(ImportJob).where(ImportJob.id == job_id, ImportJob.worker == worker)
    db.session.execute(statement.values(**values))
    db.session.commit()

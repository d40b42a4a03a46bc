"""The user administrator's employee import: upload a CSV file, watch the background check
(the page refreshes itself, no JavaScript), read the summary and the invalid rows (paged, or
as a CSV report), then import. The rules are in services.lifecycle.import_jobs.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from ...models import ImportJob, ImportJobStatus
from ...models.enums import AdminRole, ImportOutcome
from ...services.errors import localize
from ...services.lifecycle import import_jobs, import_rows
from ...services.lifecycle.employee_file import NotUtf8
from ...services.platform.safe_csv import iter_csv
from ..errors import shown_on
from ..pages import csv_download, page, redirect_to
from . import bp
from .auth import admin_required
from .people import page_numbers

# The summary's lines: before the import (a dry run: nothing is created yet) and after it.
CHECK_WORDS: dict[str, Any] = {
    ImportOutcome.CREATED: _l("Would be created"),
    ImportOutcome.UPDATED: _l("Would be updated"),
    ImportOutcome.UNCHANGED: _l("Unchanged"),
    "skipped": _l("Skipped (already further than imported)"),
    ImportOutcome.INVALID: _l("Invalid"),
}
DONE_WORDS: dict[str, Any] = {
    ImportOutcome.CREATED: _l("Created"),
    ImportOutcome.UPDATED: _l("Updated"),
    ImportOutcome.UNCHANGED: _l("Unchanged"),
    "skipped": _l("Skipped (already further than imported)"),
    ImportOutcome.INVALID: _l("Invalid, not imported"),
}

JOB_STATES: dict[str, Any] = {
    ImportJobStatus.ENCODING: _l("Waiting: the file is not UTF-8"),
    ImportJobStatus.QUEUED: _l("Waiting to be checked"),
    ImportJobStatus.CHECKING: _l("Being checked"),
    ImportJobStatus.CHECKED: _l("Checked, not imported"),
    ImportJobStatus.IMPORTING: _l("Being imported"),
    ImportJobStatus.DONE: _l("Imported"),
    ImportJobStatus.CANCELLED: _l("Cancelled"),
    ImportJobStatus.FAILED: _l("Failed"),
}


def _actor() -> str:
    return str(g.admin.username)


def summary_lines(counts: dict[str, int] | None, words: dict[str, Any]) -> list[tuple[str, int]]:
    """(label, rows) for each line of a summary, skipped outcomes counted together."""
    if counts is None:
        return []
    grouped = dict.fromkeys(words, 0)
    for action, n in counts.items():
        grouped["skipped" if ImportOutcome(action).is_skipped else action] += n
    return [(str(words[k]), n) for k, n in grouped.items()]


def errors_text(errors: list[dict[str, Any]]) -> str:
    """A row's reasons in the language of the page."""
    return "; ".join(localize(e["template"], e["params"]) for e in errors)


def _form(status: int = 200, **extra: Any) -> Response:
    jobs = import_jobs.recent_jobs(g.org)
    return page("admin/import.html", status, jobs=jobs, job_states=JOB_STATES, **extra)


@bp.get("/import")
@admin_required(AdminRole.USER_ADMIN)
def import_form() -> Response:
    return _form()


@bp.post("/import")
@admin_required(AdminRole.USER_ADMIN)
def import_file() -> Response:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _form(400, error=_("Choose a CSV file to import."))
    try:
        with shown_on(_form, but=(NotUtf8,)):
            job = import_jobs.create_job(
                g.org, upload.stream.read(), filename=upload.filename, actor=_actor()
            )
    except NotUtf8:
        return _form(400, error=_("The file is not UTF-8 text."), excel_hint=True)
    _wake()
    return redirect_to(url_for("admin.import_job", job_id=job.id))


def _wake() -> None:
    worker = current_app.extensions.get("idp.import_worker")
    if worker is not None:
        worker.wake()


def _job() -> ImportJob:
    return import_jobs.get_job(g.org, int(request.view_args["job_id"]))  # type: ignore[index]


@bp.get("/import/<int:job_id>")
@admin_required(AdminRole.USER_ADMIN)
def import_job(job_id: int) -> Response:
    job = _job()
    status = ImportJobStatus(job.status)
    rows = None
    if status in (ImportJobStatus.CHECKED, ImportJobStatus.IMPORTING, ImportJobStatus.DONE):
        rows = import_rows.invalid_rows(job, request.args.get("page", 1, type=int) or 1)
    return page(
        "admin/import_job.html",
        job=job,
        status=status,
        job_states=JOB_STATES,
        checked=summary_lines(job.summary.get("checked"), CHECK_WORDS),
        imported=summary_lines(job.summary.get("imported"), DONE_WORDS),
        problem=errors_text([job.problem]) if job.problem else None,
        rows=rows,
        errors_text=errors_text,
        page_numbers=page_numbers(rows.page, rows.pages) if rows else [],
        invalid=(job.summary.get("checked") or {}).get(ImportOutcome.INVALID, 0),
    )


@bp.get("/import/<int:job_id>/report.csv")
@admin_required(AdminRole.USER_ADMIN)
def import_report(job_id: int) -> Response:
    job = _job()
    header = [_("Line"), _("Username"), _("E-mail"), _("RID"), _("Problems")]
    rows = (
        [line, username, email, rid, errors_text(errors)]
        for line, username, email, rid, errors in import_rows.all_invalid_rows(job.id)
    )
    return csv_download(f"import-{job.id}-invalid.csv", iter_csv(header, rows))


def _step(change: Any, **kwargs: Any) -> Response:
    job = _job()
    with shown_on(lambda status, error: _job_page_error(job, status, error)):
        change(job, **kwargs)
    _wake()
    return redirect_to(url_for("admin.import_job", job_id=job.id))


def _job_page_error(job: ImportJob, status: int, error: str) -> Response:
    return page("error.html", status, code=status, message=error)


@bp.post("/import/<int:job_id>/convert")
@admin_required(AdminRole.USER_ADMIN)
def import_convert(job_id: int) -> Response:
    return _step(import_jobs.convert_encoding)


@bp.post("/import/<int:job_id>/cancel")
@admin_required(AdminRole.USER_ADMIN)
def import_cancel(job_id: int) -> Response:
    return _step(import_jobs.cancel)


@bp.post("/import/<int:job_id>/run")
@admin_required(AdminRole.USER_ADMIN)
def import_run(job_id: int) -> Response:
    return _step(import_jobs.start_import, skip_invalid=request.form.get("skip_invalid") == "1")

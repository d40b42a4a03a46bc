"""Employee import jobs: an uploaded file checked, then imported, by a background worker."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class ImportJobStatus(StrEnum):
    """``encoding``: waiting for the admin to agree to read the file as Windows-1252;
    ``queued`` -> ``checking`` -> ``checked`` (the dry run's summary), then ``importing`` ->
    ``done``; ``cancelled`` or ``failed`` (``problem`` says why) end it too."""

    ENCODING = "encoding"
    QUEUED = "queued"
    CHECKING = "checking"
    CHECKED = "checked"
    IMPORTING = "importing"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def running(self) -> bool:
        """Whether a worker has (or will have) the job in hand: its page refreshes itself."""
        return self in (ImportJobStatus.QUEUED, ImportJobStatus.CHECKING, ImportJobStatus.IMPORTING)


class ImportJob(db.Model):  # type: ignore[name-defined]
    """One uploaded employee file. ``data`` (it holds CPR numbers) is dropped once the job
    ends; ``worker`` is the claim of the process that runs the current step."""

    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), index=True)
    encoding: Mapped[str] = mapped_column(String(20), default="utf-8")
    skip_invalid: Mapped[bool] = mapped_column(default=False)
    worker: Mapped[str | None] = mapped_column(String(64))
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int | None] = mapped_column()
    size: Mapped[int] = mapped_column(default=0)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    # {"checked": {outcome: n}, "imported": {outcome: n}}
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Why the job failed: {"template": msgid, "params": {...}}, shown in the admin's language.
    problem: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportJobRow(db.Model):  # type: ignore[name-defined]
    """An invalid row of a checked file and why (``errors``: [{"template", "params"}]); never
    the CPR."""

    __tablename__ = "import_job_row"
    __table_args__ = (Index("ix_import_job_row_job_line", "job_id", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_job.id", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column()
    username: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(300))
    rid: Mapped[str | None] = mapped_column(String(100))
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

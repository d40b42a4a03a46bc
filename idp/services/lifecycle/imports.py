"""Employee import from the legacy system (CSV): one transaction, a per-row report; and the
list of an organisation's people. ``idp users import`` and the web admin both call this.

The file: UTF-8 (with or without BOM), ``;`` or ``,`` separated (whichever the header line has
more of), a header row naming the columns in any order (case-insensitive); unknown columns
refuse the file:

- ``email`` (every row needs one) and ``name``, or ``given_name`` + ``family_name`` (every row
  needs a name; with only ``name`` the given name is everything before the last space).
- ``rid``: the NemID employee RID, 1-40 letters, digits or ``-``; unique in the organisation.
- ``cpr``: 10 digits, a dash after the sixth allowed. Stored only encrypted (AES-GCM, associated
  data ``idp:cpr``); never put into a report, log or audit event: a bad one is "cpr: invalid".
- ``username``: the rules of ``idp users create``. Empty for a new person: the e-mail's local
  part, lower-case, æ/ø/å spelled out and other characters dropped, made unique against every
  user and the file with a numeric suffix (anna, anna2, anna3 ...).
- ``privileges``: ``|``-separated privilege URNs; ``login_means``: ``app`` or ``code_display``.

Matching: a row is the organisation's person with its RID, else the one with its e-mail
(case-insensitive). Invalid: a row whose e-mail belongs to another person than its RID's, or
whose RID differs from the RID of the person its e-mail finds; two rows finding one person;
a duplicate RID, e-mail or username in the file; a username another person has.

Actions per row: ``created`` (status ``imported``; a ``legacy_import`` proofing is recorded when
the organisation has that route on), ``updated`` or ``unchanged`` (a person still ``imported``:
the file's values replace the stored ones), ``skipped_<status>`` (a person already further on —
``skipped_active``, ``skipped_pending_activation``, suspended, revoked — is left alone), and
``invalid``. Columns missing from the file leave the stored values; empty ``rid``, ``cpr`` and
``username`` cells never clear a stored value, empty ``privileges`` and ``login_means`` cells do
(the file is the truth for an imported person's rights and hint; activation later adds to them).

Any invalid row refuses the whole import unless ``skip_invalid``, which imports the valid rows.
A dry run checks and reports, writing nothing. Writes are bulk (Core ``insert`` / executemany
``update``) in one transaction with one ``users.imported`` audit event holding the counts; a run
that changes nothing (the same file again) writes nothing at all.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import Organisation, User
from ...models.enums import ImportOutcome, UserStatus
from ...models.types import utcnow
from .. import audit
from ..errors import N_, Conflict, InvalidInput
from ..platform.runtime import secretbox
from ..platform.search import BulkIndex, in_org
from ..proofing.legacy_import import legacy_import_level, record_legacy_imports
from .employee_file import read_people_csv
from .matching import CPR_ASSOCIATED_DATA, FIELDS, Plan, plan_rows

STATUSES = tuple(UserStatus)


@dataclass
class ImportReport:
    """Per-row outcome: ``line``, ``rid``, ``email``, ``username``, ``action``, ``errors``."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False
    skip_invalid: bool = False
    written: bool = False

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(r["action"] for r in self.rows))

    @property
    def refused(self) -> bool:
        """Invalid rows without ``skip_invalid``: nothing was (or would be) imported."""
        return not self.skip_invalid and any(
            r["action"] == ImportOutcome.INVALID for r in self.rows
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": not self.refused,
            "dry_run": self.dry_run,
            "written": self.written,
            "counts": self.counts,
            "rows": self.rows,
        }


def import_users(
    org: Organisation,
    data: bytes,
    *,
    source: str,
    dry_run: bool,
    skip_invalid: bool,
    actor: str,
    encoding: str = "utf-8",
    progress: Callable[[int], None] | None = None,
    before_commit: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import (create or update) the people of a CSV file into ``org``; see the module text.
    ``encoding`` and ``progress`` go to the reader (employee_file.read_people_csv);
    ``before_commit(report)`` writes what else belongs to the import's transaction.

    Raises InvalidInput when the file as a whole is unusable, or when new people would get a
    legacy_import proofing that cannot reach the organisation's minimum level.
    """
    plans = plan_rows(org, read_people_csv(data, encoding=encoding, progress=progress))
    report = ImportReport(dry_run=dry_run, skip_invalid=skip_invalid)
    report.rows = [_report_row(p) for p in plans]
    created = [p for p in plans if p.action == ImportOutcome.CREATED]
    updated = [p for p in plans if p.action == ImportOutcome.UPDATED]
    if report.refused:
        return report
    level = legacy_import_level(org) if created else None
    if dry_run or not (created or updated):
        return report
    index = BulkIndex()  # SQLite's search index in two statements, not one per person
    try:
        _insert(org, created, level, source=source, actor=actor)
        _update(updated)
        index.done(changed=[p.target.id for p in updated if p.target is not None])
    except BaseException:
        index.abandon()
        raise
    _audit(org, report, len(created), len(updated), source=source, actor=actor)
    report.written = True
    if before_commit is not None:
        before_commit(report)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            N_("These people were changed at the same time; run the import again")
        ) from None
    return report


def _audit(
    org: Organisation, report: ImportReport, created: int, updated: int, *, source: str, actor: str
) -> None:
    counts = report.counts
    audit.record(
        "users.imported",
        actor=actor,
        org_id=org.id,
        target=source[:200],
        details={
            "created": created,
            "updated": updated,
            "unchanged": counts.get(ImportOutcome.UNCHANGED, 0),
            "skipped": sum(n for a, n in counts.items() if ImportOutcome(a).is_skipped),
            "invalid": counts.get(ImportOutcome.INVALID, 0),
        },
    )


def list_users(
    org: Organisation,
    status: str | None = None,
    search: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[User]:
    """The organisation's people by username; ``search`` is a case-insensitive substring of
    username, name, e-mail or RID."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(N_("status must be one of %(choices)s"), choices=", ".join(STATUSES))
    if not 1 <= limit <= 10_000 or offset < 0:
        raise InvalidInput(N_("limit must be 1-10000 and offset at least 0"))
    searched = (User.username, User.name, User.email, User.rid)
    query = select(User).where(*in_org(User.org_id, org.id, search, User.id, searched))
    if status is not None:
        query = query.where(User.status == status)
    query = query.order_by(User.username).limit(limit).offset(offset)
    return list(db.session.execute(query).scalars())


def _report_row(plan: Plan) -> dict[str, Any]:
    row = plan.row
    username = plan.values.get("username") or row.username
    if username is None and plan.target is not None:
        username = plan.target.username
    return {
        "line": row.line,
        "rid": row.rid,
        "email": row.email,
        "username": username,
        "action": plan.action,
        "errors": list(row.errors),
    }


# -- writing ---------------------------------------------------------------------------------
def _insert(
    org: Organisation, plans: list[Plan], level: str | None, *, source: str, actor: str
) -> None:
    if not plans:
        return
    box, now, table = secretbox(), utcnow(), User.__table__
    rows = []
    for plan in plans:
        values = {k: plan.values[k] for k in (*FIELDS, "login_means")}
        cpr = plan.values["cpr"]
        values.update(
            uuid=str(uuid.uuid4()),
            org_id=org.id,
            status=UserStatus.IMPORTED,
            email_verified=False,
            cpr_encrypted=box.encrypt(cpr.encode(), CPR_ASSOCIATED_DATA) if cpr else None,
            identity_level=level,
            roles=[],
            failed_logins=0,
            lock_count=0,
            created_at=now,
        )
        rows.append(values)
    db.session.execute(insert(table), rows)  # executemany: no RETURNING, fast on psycopg too
    if level is not None:
        query = select(table.c.uuid, table.c.id).where(
            table.c.org_id == org.id, table.c.status == UserStatus.IMPORTED
        )
        ids: dict[str, int] = {u: i for u, i in db.session.execute(query)}
        new_ids = [ids[r["uuid"]] for r in rows]
        record_legacy_imports(org, new_ids, level, source=source, actor=actor)


def _update(plans: list[Plan]) -> None:
    if not plans:
        return
    box, table = secretbox(), User.__table__
    names = (*FIELDS, "login_means", "cpr_encrypted")
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({n: bindparam(f"b_{n}", type_=table.c[n].type) for n in names})
    )
    rows = []
    for plan in plans:
        assert plan.target is not None  # an update has a target
        values = {f"b_{n}": plan.values[n] for n in names}
        if plan.values["cpr"]:
            values["b_cpr_encrypted"] = box.encrypt(
                plan.values["cpr"].encode(), CPR_ASSOCIATED_DATA
            )
        rows.append({"b_id": plan.target.id, **values})
    db.session.execute(statement, rows)

"""The people lists as CSV downloads ("Hent som CSV"): /admin/users.csv and /admin/imported.csv
take the same query as their listing and stream the matching people of the administrator's own
organisation (services.lifecycle.people_export) through safe_csv.iter_csv: ``;``-separated
with a BOM for Danish Excel, formula cells neutralised (OWASP CSV injection), columns named in
the administrator's language, never a CPR number.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import abort, g, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...models.enums import AdminRole, NsisLevel, UserStatus
from ...models.types import utcnow
from ...services.lifecycle.people_export import created_day, export_people
from ...services.platform.safe_csv import iter_csv
from ..labels import label
from ..pages import csv_download
from . import bp
from .auth import admin_required
from .people import USER_STATUSES


def _header() -> list[str]:
    """The column names, in the administrator's language (translated per request)."""
    return [
        _("Username"),
        _("Name"),
        _("E-mail"),
        _("RID"),
        _("Status"),
        _("Identity level"),
        _("Created"),
    ]


def _cells(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[str]]:
    for username, name, email, rid, status, level, created in rows:
        yield [
            username,
            name,
            email,
            rid or "",
            label(UserStatus, status),
            label(NsisLevel, level),
            created_day(created),
        ]


def _download(stem: str, count: int, rows: Iterator[tuple[Any, ...]]) -> Response:
    """A streamed attachment named ``<stem>-<date>.csv``; personal data, so never cached."""
    header = _header()
    filename = f"{stem}-{utcnow().date().isoformat()}.csv"
    return csv_download(filename, iter_csv(header, _cells(rows)), X_Export_Count=str(count))


@bp.get("/users.csv")
@admin_required(AdminRole.USER_ADMIN, AdminRole.REGISTRAR)
def export_users() -> Response:
    wanted = request.args.get("status") or None
    if wanted is not None and wanted not in USER_STATUSES:
        abort(400, _("Unknown status."))
    state = request.args.get("state") or None
    count, rows = export_people(
        g.org,  # the administrator's own organisation, never one named in the request
        status=wanted,
        search=request.args.get("q", "").strip() or None,
        exclude_status=None if wanted or state else UserStatus.IMPORTED,
        state=state,
        actor=g.admin.username,
    )
    return _download("users", count, rows)


@bp.get("/imported.csv")
@admin_required(AdminRole.USER_ADMIN)
def export_imported() -> Response:
    count, rows = export_people(
        g.org,
        status=UserStatus.IMPORTED,
        search=request.args.get("q", "").strip() or None,
        actor=g.admin.username,
    )
    return _download("imported", count, rows)

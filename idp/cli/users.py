"""CLI for an organisation's people: ``idp users import`` (the employee CSV) and
``idp users list``. Registered under the ``users`` group of :mod:`idp.cli`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from .util import OPERATOR, out, service_call

STATUSES = ("imported", "pending_activation", "active", "suspended", "revoked")


@click.command("import", help="Import employees from a CSV file, all or nothing.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "cvr", required=True, help="CVR of the organisation")
@click.option("--dry-run", is_flag=True, help="Check and report every row, import nothing")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows, report the rest")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def users_import(file: Path, cvr: str, dry_run: bool, skip_invalid: bool, as_json: bool) -> None:
    """Exit code 1 when the import is refused (invalid rows without --skip-invalid)."""
    from ..services.lifecycle.imports import import_users
    from ..services.orgs import get_by_cvr

    org = service_call(get_by_cvr, cvr)
    report = service_call(
        import_users,
        org,
        file.read_bytes(),
        source=file.name,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        actor=OPERATOR,
    )
    lines = [
        f"line {r['line']}: {r['email'] or r['rid'] or '?'}: {r['action']}"
        + (f": {'; '.join(r['errors'])}" if r["errors"] else "")
        for r in report.rows
        if r["action"] == "invalid" or r["action"].startswith("skipped_")
    ]
    counts = ", ".join(f"{n} {action}" for action, n in sorted(report.counts.items()))
    if report.refused:
        invalid = report.counts["invalid"]
        lines.append(f"Nothing was imported: {invalid} invalid row(s); fix them and try again.")
    elif dry_run:
        lines.append(f"Dry run, nothing written. It would be: {counts}.")
    else:
        lines.append(f"Done: {counts}.")
    out(as_json, report.as_dict(), "\n".join(lines))
    if report.refused:
        raise SystemExit(1)


@click.command("list", help="List an organisation's people.")
@click.option("--org", "cvr", required=True, help="CVR of the organisation")
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--search", help="Part of a username, name, e-mail or RID")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def users_list(
    cvr: str, status: str | None, search: str | None, limit: int, offset: int, as_json: bool
) -> None:
    from ..services.lifecycle.imports import list_users
    from ..services.orgs import get_by_cvr

    org = service_call(get_by_cvr, cvr)
    people = service_call(list_users, org, status=status, search=search, limit=limit, offset=offset)
    data = [
        {
            "uuid": p.uuid,
            "username": p.username,
            "status": p.status,
            "name": p.name,
            "email": p.email,
            "rid": p.rid,
            "login_means": p.login_means,
            "identity_level": p.identity_level,
            "privileges": p.privileges or [],
        }
        for p in people
    ]
    lines = [
        f"{p.username}  {p.status}  {p.name}  {p.email}" + (f"  RID {p.rid}" if p.rid else "")
        for p in people
    ]
    out(as_json, data, "\n".join(lines) or "no people")

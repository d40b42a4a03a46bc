"""CLI for an organisation's people (`idp users`): create one, import the employee CSV,
list them, activate imported people, resend an activation link, change their rights."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from ..models.enums import ImportOutcome, LoginMeans, NsisLevel, UserStatus
from .util import OPERATOR, find_person, out, service_call

if TYPE_CHECKING:
    from ..models import Organisation, User
    from ..services.lifecycle.activation import PersonResult

STATUSES = tuple(status.value for status in UserStatus)


@click.group("users", help="Business identities.")
def users_group() -> None:
    pass


@users_group.command("create")
@click.option("--org", "cvr", required=True, help="CVR of the organisation")
@click.option("--username", required=True)
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
@click.option("--totp", is_flag=True, help="Enrol an authenticator app; prints the secret once")
@click.option(
    "--ial",
    type=click.Choice([level.value for level in NsisLevel]),
    help="Operator-attested identity level (audited)",
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def users_create(
    cvr: str,
    username: str,
    name: str,
    email: str,
    password_stdin: bool,
    totp: bool,
    ial: str | None,
    as_json: bool,
) -> None:
    from ..services.orgs import get_by_cvr
    from ..services.users import create_user

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    org = service_call(get_by_cvr, cvr)
    user, secret = service_call(
        create_user,
        org,
        username=username,
        name=name,
        email=email,
        password=password,
        with_totp=totp,
        ial=ial,
        actor=OPERATOR,
    )
    data = {
        "username": user.username,
        "uuid": user.uuid,
        "org": org.cvr,
        "identity_level": user.identity_level,
    }
    text = f"created user {user.username} ({user.uuid})"
    if secret:
        data["totp_secret"] = secret
        text += f"\nTOTP secret (shown once): {secret}"
    out(as_json, data, text)


@users_group.command("import", help="Import employees from a CSV file, all or nothing.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "cvr", required=True, help="CVR of the organisation")
@click.option("--dry-run", is_flag=True, help="Check and report every row, import nothing")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows, report the rest")
@click.option(
    "--encoding",
    type=click.Choice(("utf-8", "cp1252")),
    default="utf-8",
    show_default=True,
    help="cp1252: a Windows-1252 file (what Danish Excel writes unless CSV UTF-8 is chosen)",
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def users_import(
    file: Path, cvr: str, dry_run: bool, skip_invalid: bool, encoding: str, as_json: bool
) -> None:
    """Exit code 1 when the import is refused (invalid rows without --skip-invalid)."""
    from ..services.errors import ServiceError
    from ..services.lifecycle.employee_file import NotUtf8
    from ..services.lifecycle.imports import import_users
    from ..services.orgs import get_by_cvr

    org = service_call(get_by_cvr, cvr)
    try:
        report = import_users(
            org,
            file.read_bytes(),
            source=file.name,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            actor=OPERATOR,
            encoding=encoding,
        )
    except NotUtf8 as error:  # the same rule as the admin's page: say what to do
        hint = " but reads as Windows-1252: add --encoding cp1252" if error.windows_1252 else ""
        raise click.ClickException(
            f"{error}{hint} (or save it from Excel as 'CSV UTF-8 (comma delimited)')"
        ) from None
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    lines = [
        f"line {r['line']}: {r['email'] or r['rid'] or '?'}: {r['action']}"
        + (f": {'; '.join(r['errors'])}" if r["errors"] else "")
        for r in report.rows
        if r["action"] == ImportOutcome.INVALID or ImportOutcome(r["action"]).is_skipped
    ]
    counts = ", ".join(f"{n} {action}" for action, n in sorted(report.counts.items()))
    if report.refused:
        invalid = report.counts[ImportOutcome.INVALID]
        lines.append(f"Nothing was imported: {invalid} invalid row(s); fix them and try again.")
    elif dry_run:
        lines.append(f"Dry run, nothing written. It would be: {counts}.")
    else:
        lines.append(f"Done: {counts}.")
    out(as_json, report.as_dict(), "\n".join(lines))
    if report.refused:
        raise SystemExit(1)


@users_group.command("list", help="List an organisation's people.")
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


@users_group.command("activate", help="Activate imported people: login means, rights, mailed link.")
@click.argument("users", nargs=-1)
@click.option("--org", "cvr", required=True)
@click.option("--all-imported", is_flag=True, help="Every imported person of the organisation")
@click.option(
    "--login-means", required=True, type=click.Choice([means.value for means in LoginMeans])
)
@click.option(
    "--privilege",
    "privileges",
    multiple=True,
    help="Right to add: a URN from the organisation's catalogue of rights (admin, Rights)",
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def users_activate(
    users: tuple[str, ...],
    cvr: str,
    all_imported: bool,
    login_means: str,
    privileges: tuple[str, ...],
    as_json: bool,
) -> None:
    from ..services.lifecycle.activation import activate_users
    from ..services.orgs import get_by_cvr

    if bool(users) == all_imported:
        raise click.UsageError("Name the people, or give --all-imported (not both)")
    org = service_call(get_by_cvr, cvr)
    people, results = _people_to_activate(org, users, all_imported)
    results += service_call(
        activate_users,
        org,
        people,
        login_means=login_means,
        privileges=list(privileges),
        actor=OPERATOR,
    )
    _print_activation_report(results, as_json)
    if any(not r.ok for r in results):
        raise SystemExit(1)


def _people_to_activate(
    org: Organisation, refs: tuple[str, ...], all_imported: bool
) -> tuple[list[User], list[PersonResult]]:
    """The people named by ``refs`` (or every imported one), and a failed result for each
    reference that names nobody in ``org``."""
    from ..services.errors import ServiceError
    from ..services.lifecycle.activation import PersonResult, imported_people
    from ..services.users import find_user

    people = imported_people(org) if all_imported else []
    results: list[PersonResult] = []
    for ref in refs:
        try:
            people.append(find_user(ref, org))
        except ServiceError as error:
            results.append(PersonResult(ref, False, str(error)))
    return people, results


def _print_activation_report(results: list[PersonResult], as_json: bool) -> None:
    data = [{"person": r.person, "ok": r.ok, "message": r.message} for r in results]
    out(
        as_json,
        {
            "results": data,
            "activated": sum(r.ok for r in results),
            "failed": sum(not r.ok for r in results),
        },
        "\n".join(f"{'ok  ' if r.ok else 'FAIL'}  {r.person}: {r.message}" for r in results)
        or "nobody to activate",
    )


@users_group.command("resend", help="Send a new activation link; earlier links stop working.")
@click.argument("user")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def users_resend(user: str, as_json: bool) -> None:
    from ..services.lifecycle.activation import resend

    person = find_person(user)
    service_call(resend, person, actor=OPERATOR)
    out(
        as_json,
        {"person": person.username, "resent": True},
        f"new activation mail queued for {person.username}",
    )


@users_group.command("privileges", help="Add or remove a person's rights (privilege URNs).")
@click.argument("user")
@click.option("--add", "add", multiple=True)
@click.option("--remove", "remove", multiple=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def users_privileges(
    user: str, add: tuple[str, ...], remove: tuple[str, ...], as_json: bool
) -> None:
    from ..services.lifecycle.privileges import check_known
    from ..services.users import set_privileges

    person = find_person(user)
    service_call(check_known, person.organisation, list(add))  # from the catalogue only
    rights = service_call(
        set_privileges, person, add=list(add), remove=list(remove), actor=OPERATOR
    )
    out(as_json, {"username": person.username, "privileges": rights}, "\n".join(rights))

"""CLI for activation: `idp users activate` and `idp users resend`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .util import OPERATOR, out, service_call


@click.command("activate", help="Activate imported people: login means, rights, mailed link.")
@click.argument("users", nargs=-1)
@click.option("--org", "cvr", required=True)
@click.option("--all-imported", is_flag=True, help="Every imported person of the organisation")
@click.option("--login-means", required=True, type=click.Choice(["app", "code_display"]))
@click.option("--privilege", "privileges", multiple=True, help="Right to add (URN)")
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
    from sqlalchemy import select

    from ..extensions import db
    from ..models import User
    from ..services.errors import ServiceError
    from ..services.lifecycle.activation import PersonResult, activate_users
    from ..services.orgs import get_by_cvr
    from ..services.users import find_user

    if bool(users) == all_imported:
        raise click.UsageError("Name the people, or give --all-imported (not both)")
    org = service_call(get_by_cvr, cvr)
    people: list[User] = []
    results: list[PersonResult] = []
    if all_imported:
        people = list(
            db.session.execute(
                select(User)
                .where(User.org_id == org.id, User.status == "imported")
                .order_by(User.id)
            ).scalars()
        )
    for ref in users:
        try:
            people.append(find_user(ref, org))
        except ServiceError as error:
            results.append(PersonResult(ref, False, str(error)))
    results += service_call(
        activate_users,
        org,
        people,
        login_means=login_means,
        privileges=list(privileges),
        actor=OPERATOR,
    )
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
    if any(not r.ok for r in results):
        raise SystemExit(1)


@click.command("resend", help="Send a new activation link; earlier links stop working.")
@click.argument("user")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def users_resend(user: str, as_json: bool) -> None:
    from ..services.lifecycle.activation import resend
    from ..services.users import find_user

    person = service_call(find_user, user)
    service_call(resend, person, actor=OPERATOR)
    out(
        as_json,
        {"person": person.username, "resent": True},
        f"new activation mail queued for {person.username}",
    )

"""CLI for administrative roles (`idp admins`): grant and revoke a person's role in an
organisation."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..models.enums import AdminRole
from .util import OPERATOR, find_person, out, service_call

ROLES = tuple(role.value for role in AdminRole)


@click.group("admins", help="Administrative roles.")
def admins_group() -> None:
    pass


@admins_group.command("grant")
@click.argument("user")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--org", "cvr", required=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def admins_grant(user: str, role: str, cvr: str, as_json: bool) -> None:
    from ..services.orgs import get_by_cvr
    from ..services.users import set_roles

    org = service_call(get_by_cvr, cvr)
    person = find_person(user)
    roles = service_call(set_roles, person, org, add=[role], remove=[], actor=OPERATOR)
    out(as_json, {"username": person.username, "roles": roles}, f"roles: {', '.join(roles)}")


@admins_group.command("revoke")
@click.argument("user")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--org", "cvr", required=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def admins_revoke(user: str, role: str, cvr: str, as_json: bool) -> None:
    from ..services.orgs import get_by_cvr
    from ..services.users import set_roles

    org = service_call(get_by_cvr, cvr)
    person = find_person(user)
    roles = service_call(set_roles, person, org, add=[], remove=[role], actor=OPERATOR)
    out(
        as_json,
        {"username": person.username, "roles": roles},
        f"roles: {', '.join(roles) or 'none'}",
    )

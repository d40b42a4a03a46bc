"""CLI for organisations (`idp orgs`): create, list, and configure their proofing routes,
minimum identity level and access requests."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..models.enums import NsisLevel
from .util import OPERATOR, out, service_call


@click.group("orgs", help="Organisations.")
def orgs_group() -> None:
    pass


@orgs_group.command("create")
@click.option("--cvr", required=True, help="8-digit CVR number")
@click.option("--name", required=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def orgs_create(cvr: str, name: str, as_json: bool) -> None:
    from ..services.orgs import create_organisation

    org = service_call(create_organisation, cvr, name, actor=OPERATOR)
    out(as_json, {"cvr": org.cvr, "name": org.name}, f"created organisation {org.cvr} {org.name}")


@orgs_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def orgs_list(as_json: bool) -> None:
    from ..services.orgs import list_organisations

    orgs = list_organisations()
    out(
        as_json,
        [{"cvr": o.cvr, "name": o.name} for o in orgs],
        "\n".join(f"{o.cvr}  {o.name}" for o in orgs),
    )


def _route_cap(values: tuple[str, ...]) -> dict[str, str]:
    caps = {}
    for value in values:
        route, sep, level = value.partition("=")
        if not sep:
            raise click.BadParameter(f"{value!r}: use ROUTE=LEVEL, e.g. in_person=Substantial")
        caps[route.strip()] = level.strip()
    return caps


@orgs_group.command("configure", help="Proofing routes, caps, minimum IAL and access requests.")
@click.argument("cvr")
@click.option("--enable-route", "enable", multiple=True)
@click.option("--disable-route", "disable", multiple=True)
@click.option("--route-cap", "caps", multiple=True, help="ROUTE=LEVEL")
@click.option("--minimum-ial", type=click.Choice([level.value for level in NsisLevel]))
@click.option("--allow-access-requests/--no-access-requests", default=None)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def orgs_configure(
    cvr: str,
    enable: tuple[str, ...],
    disable: tuple[str, ...],
    caps: tuple[str, ...],
    minimum_ial: str | None,
    allow_access_requests: bool | None,
    as_json: bool,
) -> None:
    from ..services.orgs import get_by_cvr
    from ..services.proofing.settings import configure_organisation

    org = service_call(get_by_cvr, cvr)
    settings = service_call(
        configure_organisation,
        org,
        enable=list(enable),
        disable=list(disable),
        caps=_route_cap(caps),
        minimum=minimum_ial,
        allow_access_requests=allow_access_requests,
        actor=OPERATOR,
    )
    data = {**settings, "allow_access_requests": org.allow_access_requests}
    lines = [
        f"minimum IAL: {settings['minimum_ial']}",
        f"access requests: {'allowed' if org.allow_access_requests else 'not allowed'}",
    ]
    lines += [
        f"{route}: {'on' if s['enabled'] else 'off'}, cap {s['cap']}"
        for route, s in settings["routes"].items()
    ]
    out(as_json, data, "\n".join(lines))

"""CLI for an organisation's catalogue of rights (`idp privileges`): the privilege URNs
administrators choose from and `idp users activate --privilege` is checked against."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .util import OPERATOR, out, service_call


@click.group("privileges", help="The organisation's catalogue of rights (privilege URNs).")
def privileges_group() -> None:
    pass


@privileges_group.command("add", help="Add a right to the catalogue.")
@click.argument("urn")
@click.option("--org", "cvr", required=True, help="CVR of the organisation")
@click.option("--da", "label_da", required=True, help="Danish label")
@click.option("--en", "label_en", required=True, help="English label")
@click.option("--service", "client_ids", multiple=True, help="client_id of a service using it")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def privileges_add(
    urn: str, cvr: str, label_da: str, label_en: str, client_ids: tuple[str, ...], as_json: bool
) -> None:
    from ..services.lifecycle.privileges import add_privilege
    from ..services.orgs import get_by_cvr

    org = service_call(get_by_cvr, cvr)
    row = service_call(
        add_privilege,
        org,
        urn=urn,
        label_da=label_da,
        label_en=label_en,
        client_ids=list(client_ids),
        actor=OPERATOR,
    )
    out(as_json, {"urn": row.urn, "added": True}, f"added {row.urn}")


@privileges_group.command("list", help="The catalogue of rights, by URN.")
@click.option("--org", "cvr", required=True, help="CVR of the organisation")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def privileges_list(cvr: str, as_json: bool) -> None:
    from ..services.lifecycle.privileges import catalogue
    from ..services.orgs import get_by_cvr

    rows = catalogue(service_call(get_by_cvr, cvr))
    data = [
        {"urn": r.urn, "label_da": r.label_da, "label_en": r.label_en, "services": r.client_ids}
        for r in rows
    ]
    out(as_json, data, "\n".join(f"{r.urn}  {r.label_da} / {r.label_en}" for r in rows))

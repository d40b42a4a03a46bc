"""CLI for the SAML face (`idp saml`): service providers registered from their metadata.

`idp saml sp add --metadata FILE|URL --org CVR [--name NAME]` checks the metadata
(idp/services/saml/sp_metadata.py) and registers the SP as a service of the organisation;
`idp saml sp refresh ENTITY_ID [--metadata FILE|URL]` reads it again (from where it came,
when it came from an URL); `list` and `remove` do what they say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from ..models import SamlServiceProvider
from .util import OPERATOR, out, service_call


@click.group("saml", help="The SAML face (OIOSAML 3): service providers.")
def saml_group() -> None:
    pass


@saml_group.group("sp", help="SAML service providers, registered from their metadata.")
def sp_group() -> None:
    pass


def _read(source: str) -> tuple[bytes, str | None]:
    """The metadata and, when it came from one, its URL."""
    if source.startswith(("https://", "http://")):
        from ..services.saml import fetch_metadata

        return service_call(fetch_metadata, source), source
    path = Path(source)
    if not path.is_file():
        raise click.ClickException(f"no metadata file {source!r}")
    return path.read_bytes(), None


def _view(sp: SamlServiceProvider, cvr: str | None) -> dict[str, Any]:
    from ..services.saml import summary

    seen = summary(sp)
    data: dict[str, Any] = {
        "entity_id": sp.entity_id,
        "name": sp.name,
        "org": cvr,
        "metadata_url": sp.metadata_url,
        "refreshed_at": sp.refreshed_at.isoformat(),
    }
    if seen.problem is not None:  # a certificate expired since: say so, list the rest
        data["problem"] = str(seen.problem)
        return data
    data["assertion_consumer_services"] = list(seen.assertion_consumers)
    data["single_logout_services"] = list(seen.single_logout)
    data["requested_attributes"] = list(seen.requested_attributes)
    until = seen.certificates_valid_until
    data["certificates_valid_until"] = until.isoformat() if until else None
    return data


def _cvrs() -> dict[int, str]:
    from ..services.orgs import list_organisations

    return {org.id: org.cvr for org in list_organisations()}


@sp_group.command("add")
@click.option("--metadata", "source", required=True, help="A metadata file or its https URL")
@click.option("--org", "cvr", required=True, help="CVR of the organisation whose service it is")
@click.option("--name", help="The name shown (default: the metadata's OrganizationDisplayName)")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def sp_add(source: str, cvr: str, name: str | None, as_json: bool) -> None:
    from ..services.orgs import get_by_cvr
    from ..services.saml import register_sp

    org = service_call(get_by_cvr, cvr)
    metadata, url = _read(source)
    sp = service_call(register_sp, org, metadata, actor=OPERATOR, name=name, source_url=url)
    data = _view(sp, org.cvr)
    acs = "\n".join(f"  ACS: {a}" for a in data.get("assertion_consumer_services", []))
    out(as_json, data, f"registered {sp.entity_id} ({sp.name}) for {org.cvr} {org.name}\n{acs}")


@sp_group.command("refresh")
@click.argument("entity_id")
@click.option("--metadata", "source", help="A metadata file or URL (default: the stored URL)")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def sp_refresh(entity_id: str, source: str | None, as_json: bool) -> None:
    from ..services.saml import get_sp, refresh_sp

    sp = service_call(get_sp, entity_id)
    source = source or sp.metadata_url
    if source is None:
        raise click.ClickException(
            f"{entity_id} was registered from a file: give --metadata FILE|URL"
        )
    metadata, url = _read(source)
    sp = service_call(refresh_sp, sp, metadata, actor=OPERATOR, source_url=url)
    out(as_json, _view(sp, _cvrs().get(sp.org_id)), f"refreshed {sp.entity_id}")


@sp_group.command("list")
@click.option("--org", "cvr", help="Only this organisation's")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def sp_list(cvr: str | None, as_json: bool) -> None:
    from ..services.orgs import get_by_cvr
    from ..services.saml import list_sps

    org = service_call(get_by_cvr, cvr) if cvr else None
    cvrs = _cvrs()
    rows = [_view(sp, cvrs.get(sp.org_id)) for sp in list_sps(org)]
    lines = [
        f"{r['entity_id']}  {r['org']}  {r['name']}"
        + (f"  ({r['problem']})" if "problem" in r else "")
        for r in rows
    ]
    out(as_json, rows, "\n".join(lines))


@sp_group.command("remove")
@click.argument("entity_id")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def sp_remove(entity_id: str, as_json: bool) -> None:
    from ..services.saml import get_sp, remove_sp

    sp = service_call(get_sp, entity_id)
    service_call(remove_sp, sp, actor=OPERATOR)
    out(as_json, {"removed": entity_id}, f"removed {entity_id}")

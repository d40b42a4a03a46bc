"""CLI for relying parties (`idp clients`): add, update, list and remove OAuth clients.

Every client the CLI registers is a service of an organisation (`--org CVR`): its
administrators see and manage it under Tjenester. `idp clients update CLIENT_ID --org CVR`
puts a client that has none (one registered before this rule) into an organisation."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask.cli import with_appcontext

from ..models import Client
from .util import OPERATOR, out, service_call


@click.group("clients", help="Relying parties (OAuth clients).")
def clients_group() -> None:
    pass


def _info_options(command: Callable[..., None]) -> Callable[..., None]:
    """--logo-uri, --policy-uri and --tos-uri: shown on the consent page ("" clears one)."""
    for option, what in (
        ("--tos-uri", "terms of service"),
        ("--policy-uri", "privacy policy"),
        ("--logo-uri", "logo image"),
    ):
        command = click.option(option, help=f"URI of the service's {what} (consent page)")(command)
    return command


@clients_group.command("add")
@click.option("--name", required=True)
@click.option("--redirect-uri", "redirect_uris", multiple=True)
@click.option("--post-logout-redirect-uri", "logout_uris", multiple=True)
@click.option("--public", is_flag=True, help="Public client (no secret, PKCE)")
@click.option(
    "--first-party",
    is_flag=True,
    help="Skip the consent page (for the client organisation's own people; operator only)",
)
@click.option("--org", "cvr", required=True, help="CVR of the organisation whose service this is")
@click.option(
    "--grant",
    "grants",
    multiple=True,
    type=click.Choice(["authorization_code", "refresh_token", "client_credentials"]),
)
@click.option("--auth-method", type=click.Choice(["client_secret_basic", "client_secret_post"]))
@click.option("--pairwise", is_flag=True, help="Pairwise subject identifiers")
@click.option("--id-token-alg", type=click.Choice(["RS256", "ES256"]))
@_info_options
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def clients_add(
    name: str,
    redirect_uris: tuple[str, ...],
    logout_uris: tuple[str, ...],
    public: bool,
    first_party: bool,
    cvr: str,
    grants: tuple[str, ...],
    auth_method: str | None,
    pairwise: bool,
    id_token_alg: str | None,
    as_json: bool,
    **info_uris: str | None,
) -> None:
    from ..services.clients import create_client
    from ..services.orgs import get_by_cvr

    org = service_call(get_by_cvr, cvr)
    client, secret = service_call(
        create_client,
        org_id=org.id,
        name=name,
        redirect_uris=list(redirect_uris),
        public=public,
        first_party=first_party,
        grant_types=list(grants) or None,
        post_logout_redirect_uris=list(logout_uris),
        auth_method=auth_method,
        subject_type="pairwise" if pairwise else "public",
        id_token_alg=id_token_alg,
        info_uris={k: v for k, v in info_uris.items() if v is not None},
        actor=OPERATOR,
    )
    data = {
        "client_id": client.client_id,
        "client_secret": secret,
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "org": org.cvr,
    }
    text = f"client_id: {client.client_id}\norganisation: {org.cvr} {org.name}"
    if secret:
        text += f"\nclient_secret (shown once): {secret}"
    out(as_json, data, text)


@clients_group.command(
    "update",
    help="Change the operator-only settings, the organisation (of a client without one) and "
    "the consent page links of a client.",
)
@click.argument("client_id")
@click.option(
    "--first-party/--no-first-party",
    default=None,
    help="Skip the consent page for the client organisation's own people",
)
@click.option("--org", "cvr", help="CVR of the organisation a client without one belongs to")
@_info_options
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def clients_update(
    client_id: str,
    first_party: bool | None,
    cvr: str | None,
    as_json: bool,
    **info_uris: str | None,
) -> None:
    from ..services.clients import get_client, set_first_party, set_organisation, update_client
    from ..services.orgs import get_by_cvr

    client = get_client(client_id)
    if client is None:
        raise click.ClickException(f"no client {client_id!r}")
    if cvr is not None:
        service_call(set_organisation, client, service_call(get_by_cvr, cvr), actor=OPERATOR)
    if first_party is not None:
        service_call(set_first_party, client, first_party, actor=OPERATOR)
    given = {k: v for k, v in info_uris.items() if v is not None}
    if given:
        service_call(
            update_client,
            client,
            redirect_uris=list(client.redirect_uris or []),
            post_logout_redirect_uris=list(client.post_logout_redirect_uris or []),
            grant_types=list(client.grant_types or []),
            info_uris=given,
            actor=OPERATOR,
        )
    data = {
        "client_id": client.client_id,
        "org": _cvr(client),
        "first_party": client.first_party,
        "logo_uri": client.logo_uri,
        "policy_uri": client.policy_uri,
        "tos_uri": client.tos_uri,
    }
    party = "yes" if client.first_party else "no"
    out(as_json, data, f"{client.client_id}  org: {_cvr(client) or '-'}  first party: {party}")


def _cvr(client: Client) -> str | None:
    """The CVR of the client's organisation; None for a client without one."""
    return _cvrs().get(client.org_id) if client.org_id is not None else None


def _cvrs() -> dict[int, str]:
    from ..services.orgs import list_organisations

    return {org.id: org.cvr for org in list_organisations()}


@clients_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def clients_list(as_json: bool) -> None:
    from ..services.clients import list_clients

    rows = list_clients()
    cvrs = _cvrs()
    data = [
        {
            "client_id": c.client_id,
            "name": c.name,
            "redirect_uris": c.redirect_uris,
            "grant_types": c.grant_types,
            "auth_method": c.token_endpoint_auth_method,
            "first_party": c.first_party,
            "org_id": c.org_id,
            "org": cvrs.get(c.org_id) if c.org_id is not None else None,
        }
        for c in rows
    ]
    lines = [
        f"{c.client_id}  {cvrs.get(c.org_id or 0, '-')}  {c.name}  {' '.join(c.redirect_uris)}"
        for c in rows
    ]
    out(as_json, data, "\n".join(lines))


@clients_group.command("remove")
@click.argument("client_id")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def clients_remove(client_id: str, as_json: bool) -> None:
    from ..services.clients import remove_client

    service_call(remove_client, client_id, actor=OPERATOR)
    out(as_json, {"removed": client_id}, f"removed client {client_id} and revoked its tokens")

"""Relying parties (OAuth clients): register, change, list and remove them."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from sqlalchemy import select, update

from ...extensions import db
from ...models import Client, Organisation, Token
from ...models.types import utcnow
from .. import audit
from ..errors import N_, Conflict, InvalidInput, NotFound
from ..platform.secrets import digest
from .checks import (
    check_subject_and_alg,
    checked_auth_method,
    checked_grants,
    checked_info_uris,
    checked_org_cvrs,
    checked_uris,
)

SCOPES = ("openid", "profile", "email", "organization", "privileges", "offline_access")
DEFAULT_SCOPE = " ".join(SCOPES)


def create_client(
    *,
    name: str,
    redirect_uris: list[str],
    public: bool = False,
    first_party: bool = False,
    grant_types: list[str] | None = None,
    post_logout_redirect_uris: list[str] | None = None,
    auth_method: str | None = None,
    subject_type: str = "public",
    id_token_alg: str | None = None,
    require_pkce: bool = True,
    client_id: str | None = None,
    org_id: int | None = None,
    info_uris: dict[str, str | None] | None = None,
    actor: str,
) -> tuple[Client, str | None]:
    """Register a relying party, a service of organisation ``org_id`` (its administrators
    manage it) if given, with ``info_uris`` its logo, policy and terms URIs; returns the
    client and its secret (shown once, stored hashed)."""
    grants = checked_grants(grant_types, public=public)
    uris, logout_uris = checked_uris(grants, redirect_uris, post_logout_redirect_uris)
    check_subject_and_alg(subject_type, id_token_alg, uris)
    method = checked_auth_method(auth_method, public=public)
    secret = None if public else secrets.token_urlsafe(32)
    client = Client(
        # Hex: a URL-safe id could start with "-" and be read as an option by command lines.
        client_id=client_id or secrets.token_hex(16),
        client_secret_hash=digest(secret) if secret else None,
        name=name.strip() or "Unnamed client",
        org_id=org_id,
        redirect_uris=uris,
        post_logout_redirect_uris=logout_uris,
        grant_types=grants,
        scope=DEFAULT_SCOPE,
        token_endpoint_auth_method=method,
        require_pkce=True if public else require_pkce,
        first_party=first_party,
        allow_any_org=False,
        allowed_org_cvrs=[],
        subject_type=subject_type,
        sector_identifier=urlsplit(uris[0]).hostname if uris else None,
        id_token_signed_response_alg=id_token_alg,
        **checked_info_uris(info_uris or {}),
    )
    db.session.add(client)
    db.session.flush()
    _record_created(client, actor, public=public, grants=grants)
    db.session.commit()
    return client, secret


def _record_created(client: Client, actor: str, *, public: bool, grants: list[str]) -> None:
    audit.record(
        "client.created",
        actor=actor,
        org_id=client.org_id,
        target=client.client_id,
        details={"name": client.name, "public": public, "grants": grants},
    )


def update_client(
    client: Client,
    *,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str],
    grant_types: list[str],
    actor: str,
    allow_any_org: bool | None = None,
    allowed_org_cvrs: list[str] | None = None,
    info_uris: dict[str, str | None] | None = None,
) -> Client:
    """Change a client's redirect URIs, grants and whose people may log in, validated and
    audited; ``None`` leaves a setting as it is (``info_uris`` changes only the logo, policy
    and terms URIs it names; a blank one is cleared).

    The first-party flag is not among them: it is the operator's alone (:func:`set_first_party`,
    the CLI). A pairwise client keeps its sector (the host its subjects are derived
    from), so its redirect URIs must stay on that host."""
    public = client.token_endpoint_auth_method == "none"
    if not grant_types:
        raise InvalidInput(N_("Choose at least one grant type"), field="grant_types")
    grants = checked_grants(grant_types, public=public)
    uris, logout_uris = checked_uris(grants, redirect_uris, post_logout_redirect_uris)
    _check_sector(client, uris)
    cvrs = None if allowed_org_cvrs is None else checked_org_cvrs(client, allowed_org_cvrs)
    info = checked_info_uris(info_uris or {})
    if client.subject_type != "pairwise" and uris:
        client.sector_identifier = urlsplit(uris[0]).hostname
    before = _settings(client)
    client.redirect_uris = uris
    client.post_logout_redirect_uris = logout_uris
    if allow_any_org is not None:
        client.allow_any_org = allow_any_org
    if cvrs is not None:
        client.allowed_org_cvrs = cvrs
    client.grant_types = grants
    for field, uri in info.items():
        setattr(client, field, uri)
    audit.record(
        "client.updated",
        actor=actor,
        org_id=client.org_id,
        target=client.client_id,
        details={"before": before, "after": _settings(client)},
    )
    db.session.commit()
    return client


def _check_sector(client: Client, uris: list[str]) -> None:
    hosts = {urlsplit(u).hostname for u in uris}
    if client.subject_type == "pairwise" and hosts - {client.sector_identifier}:
        raise InvalidInput(
            N_("A pairwise client's redirect URIs must stay on %(sector)s"),
            sector=client.sector_identifier,
            field="redirect_uris",
        )


def _settings(client: Client) -> dict[str, object]:
    return {
        "redirect_uris": list(client.redirect_uris or []),
        "post_logout_redirect_uris": list(client.post_logout_redirect_uris or []),
        "first_party": client.first_party,
        "grants": list(client.grant_types or []),
        "allow_any_org": client.allow_any_org,
        "allowed_org_cvrs": list(client.allowed_org_cvrs or []),
        "logo_uri": client.logo_uri,
        "policy_uri": client.policy_uri,
        "tos_uri": client.tos_uri,
    }


def set_first_party(client: Client, first_party: bool, *, actor: str) -> Client:
    """The operator's switch (CLI only): a first-party client skips the consent page for its
    own organisation's people (for an operator client, everyone's)."""
    before = client.first_party
    client.first_party = first_party
    audit.record(
        "client.first_party_set",
        actor=actor,
        org_id=client.org_id,
        target=client.client_id,
        details={"before": before, "after": first_party},
    )
    db.session.commit()
    return client


def set_organisation(client: Client, org: Organisation, *, actor: str) -> Client:
    """The operator puts a client that has no organisation into ``org`` (CLI only): it becomes
    that organisation's service, managed by its administrators. A client of another
    organisation is not moved."""
    if client.org_id == org.id:
        return client
    if client.org_id is not None:
        raise Conflict(
            N_("Client %(client_id)r already belongs to another organisation"),
            client_id=client.client_id,
        )
    client.org_id = org.id
    audit.record(
        "client.organisation_set",
        actor=actor,
        org_id=org.id,
        target=client.client_id,
        details={"cvr": org.cvr},
    )
    db.session.commit()
    return client


def rotate_secret(client: Client, *, actor: str) -> str:
    """Issue a new client secret (returned once, stored as SHA-256); the old one stops working."""
    if client.token_endpoint_auth_method == "none":
        raise InvalidInput(N_("A public client has no secret"))
    secret = secrets.token_urlsafe(32)
    client.client_secret_hash = digest(secret)
    audit.record(
        "client.secret_rotated", actor=actor, org_id=client.org_id, target=client.client_id
    )
    db.session.commit()
    return secret


def get_client(client_id: str) -> Client | None:
    """The client with this client_id, or None."""
    return db.session.execute(
        select(Client).where(Client.client_id == client_id)
    ).scalar_one_or_none()


def list_clients(org: Organisation | None = None) -> list[Client]:
    """Every client, or only the services of ``org``."""
    query = select(Client)
    if org is not None:
        query = query.where(Client.org_id == org.id)
    return list(db.session.execute(query.order_by(Client.id)).scalars())


def client_of(org: Organisation, client_id: str) -> Client:
    """A service of the organisation; another organisation's client is not found."""
    client = get_client(client_id)
    if client is None or client.org_id != org.id:
        raise NotFound(N_("No service %(client_id)r in %(cvr)s"), client_id=client_id, cvr=org.cvr)
    return client


def remove_client(client_id: str, *, actor: str) -> None:
    """Delete a client and revoke every token it holds."""
    client = get_client(client_id)
    if client is None:
        raise NotFound(N_("No client %(client_id)r"), client_id=client_id)
    db.session.execute(
        update(Token)
        .where(Token.client_id == client_id, Token.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.delete(client)
    audit.record("client.removed", actor=actor, org_id=client.org_id, target=client_id)
    db.session.commit()

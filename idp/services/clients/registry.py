"""Relying parties (OAuth clients): register, change, list and remove them."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from sqlalchemy import select, update

from ...extensions import db
from ...models import Client, Organisation, Token, User
from ...models.types import utcnow
from .. import audit
from ..errors import N_, InvalidInput, NotFound
from ..platform.secrets import digest

GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
SCOPES = ("openid", "profile", "email", "organization", "privileges", "offline_access")
DEFAULT_SCOPE = " ".join(SCOPES)


def _check_uri(uri: str, what: str, field: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise InvalidInput(
            N_("%(what)s must be an absolute http(s) URI: %(uri)r"), what=what, uri=uri, field=field
        )
    if parts.fragment:
        # RFC 6749 §3.1.2: the redirection endpoint URI MUST NOT include a fragment.
        raise InvalidInput(
            N_("%(what)s must not have a fragment: %(uri)r"), what=what, uri=uri, field=field
        )
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise InvalidInput(
            N_("%(what)s must use https (http only for loopback): %(uri)r"),
            what=what,
            uri=uri,
            field=field,
        )
    return uri


def _checked_grants(grant_types: list[str] | None, *, public: bool) -> list[str]:
    grants = list(grant_types or ["authorization_code", "refresh_token"])
    unknown = [g for g in grants if g not in GRANT_TYPES]
    if unknown:
        raise InvalidInput(
            N_("Unknown grant type(s) %(unknown)s; allowed: %(allowed)s"),
            unknown=unknown,
            allowed=", ".join(GRANT_TYPES),
            field="grant_types",
        )
    if public and "client_credentials" in grants:
        raise InvalidInput(N_("A public client cannot use client_credentials"), field="grant_types")
    return grants


def _checked_uris(
    grants: list[str], redirect_uris: list[str], post_logout_redirect_uris: list[str] | None
) -> tuple[list[str], list[str]]:
    if "authorization_code" in grants and not redirect_uris:
        raise InvalidInput(
            N_("The authorization_code grant needs at least one redirect URI"),
            field="redirect_uris",
        )
    uris = [_check_uri(u, "redirect URI", "redirect_uris") for u in redirect_uris]
    logout_uris = [
        _check_uri(u, "post-logout redirect URI", "post_logout_redirect_uris")
        for u in post_logout_redirect_uris or []
    ]
    return uris, logout_uris


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
    actor: str,
) -> tuple[Client, str | None]:
    """Register a relying party; returns the client and its secret (shown once, stored hashed).

    ``org_id`` makes it a service of that organisation (its administrators manage it)."""
    grants = _checked_grants(grant_types, public=public)
    uris, logout_uris = _checked_uris(grants, redirect_uris, post_logout_redirect_uris)
    if subject_type not in ("public", "pairwise"):
        raise InvalidInput(N_("subject type must be public or pairwise"))
    if id_token_alg not in (None, "RS256", "ES256"):
        raise InvalidInput(N_("id_token_signed_response_alg must be RS256 or ES256"))
    if subject_type == "pairwise" and len({urlsplit(u).hostname for u in uris}) > 1:
        raise InvalidInput(
            N_("A pairwise client's redirect URIs must share one host"), field="redirect_uris"
        )
    method = "none" if public else (auth_method or "client_secret_basic")
    if public and auth_method not in (None, "none"):
        raise InvalidInput(N_("A public client authenticates with 'none'"))
    if method not in ("client_secret_basic", "client_secret_post", "none"):
        raise InvalidInput(
            N_("auth method must be client_secret_basic, client_secret_post or none")
        )
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
    )
    db.session.add(client)
    db.session.flush()
    audit.record(
        "client.created",
        actor=actor,
        org_id=org_id,
        target=client.client_id,
        details={"name": client.name, "public": public, "grants": grants},
    )
    db.session.commit()
    return client, secret


def update_client(
    client: Client,
    *,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str],
    grant_types: list[str],
    actor: str,
    allow_any_org: bool | None = None,
    allowed_org_cvrs: list[str] | None = None,
) -> Client:
    """Change a client's redirect URIs, grants and whose people may log in, validated and
    audited; ``None`` leaves a setting as it is.

    The first-party flag is not among them: it is the operator's alone (:func:`set_first_party`,
    the CLI). A pairwise client keeps its sector (the host its subjects are derived
    from), so its redirect URIs must stay on that host."""
    public = client.token_endpoint_auth_method == "none"
    if not grant_types:
        raise InvalidInput(N_("Choose at least one grant type"), field="grant_types")
    grants = _checked_grants(grant_types, public=public)
    uris, logout_uris = _checked_uris(grants, redirect_uris, post_logout_redirect_uris)
    hosts = {urlsplit(u).hostname for u in uris}
    if client.subject_type == "pairwise" and hosts - {client.sector_identifier}:
        raise InvalidInput(
            N_("A pairwise client's redirect URIs must stay on %(sector)s"),
            sector=client.sector_identifier,
            field="redirect_uris",
        )
    cvrs = None if allowed_org_cvrs is None else _checked_org_cvrs(client, allowed_org_cvrs)
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
    audit.record(
        "client.updated",
        actor=actor,
        org_id=client.org_id,
        target=client.client_id,
        details={"before": before, "after": _settings(client)},
    )
    db.session.commit()
    return client


def _settings(client: Client) -> dict[str, object]:
    return {
        "redirect_uris": list(client.redirect_uris or []),
        "post_logout_redirect_uris": list(client.post_logout_redirect_uris or []),
        "first_party": client.first_party,
        "grants": list(client.grant_types or []),
        "allow_any_org": client.allow_any_org,
        "allowed_org_cvrs": list(client.allowed_org_cvrs or []),
    }


def _checked_org_cvrs(client: Client, cvrs: list[str]) -> list[str]:
    """Known organisations' CVRs, each once; the client's own organisation needs no entry."""
    wanted = list(dict.fromkeys(c.strip() for c in cvrs if c.strip()))
    bad = [c for c in wanted if not (len(c) == 8 and c.isascii() and c.isdigit())]
    if bad:
        raise InvalidInput(
            N_("Not a CVR number (8 digits): %(cvrs)s"), cvrs=", ".join(bad), field="allowed_orgs"
        )
    known = set(
        db.session.execute(select(Organisation.cvr).where(Organisation.cvr.in_(wanted))).scalars()
    )
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise InvalidInput(
            N_("No organisation with CVR %(cvrs)s"), cvrs=", ".join(unknown), field="allowed_orgs"
        )
    owner = db.session.get(Organisation, client.org_id) if client.org_id is not None else None
    own = owner.cvr if owner is not None else None
    return [c for c in wanted if c != own]


# -- who may log in, and who skips consent --------------------------------------------------
def is_own_person(client: Client, user: User) -> bool:
    """Whether the person belongs to the client's organisation (an operator client, with no
    organisation, counts everyone as its own)."""
    return client.org_id is None or client.org_id == user.org_id


def may_log_in(client: Client, user: User) -> bool:
    """Whether the person's organisation is admitted to the client: its own organisation, any
    organisation when the client allows it, or one of the listed CVRs."""
    if is_own_person(client, user) or client.allow_any_org:
        return True
    return user.organisation.cvr in (client.allowed_org_cvrs or [])


def skips_consent(client: Client, user: User) -> bool:
    """A first-party client skips the consent page only for its own organisation's people:
    another organisation's person always decides for themselves what is released."""
    return client.first_party and is_own_person(client, user)


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

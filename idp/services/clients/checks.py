"""What a client may be registered with: absolute http(s) redirect URIs without a fragment
(https except on loopback), known grant types, a subject type and signing algorithm we
support, an authentication method that fits a public or confidential client, and known
organisations to admit, and the consent page's logo, policy and terms URIs. Each rule
raises :class:`InvalidInput` naming the field."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from ...extensions import db
from ...models import Client, Organisation
from ..errors import N_, InvalidInput

GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")


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


INFO_URIS = ("logo_uri", "policy_uri", "tos_uri")
_INFO_WHAT = {"logo_uri": "logo URI", "policy_uri": "policy URI", "tos_uri": "terms of service URI"}
MAX_INFO_URI = 512


def checked_info_uris(values: dict[str, str | None]) -> dict[str, str | None]:
    """The consent page's logo, policy and terms links (OIDC Dynamic Client Registration 1.0
    §2): each an absolute https URI (http on loopback) without a fragment, at most 512
    characters; blank clears one. Only the keys given are returned."""
    checked: dict[str, str | None] = {}
    for field, value in values.items():
        uri = (value or "").strip()
        if len(uri) > MAX_INFO_URI:
            raise InvalidInput(
                N_("%(what)s must be at most %(max)s characters"),
                what=_INFO_WHAT[field],
                max=MAX_INFO_URI,
                field=field,
            )
        checked[field] = _check_uri(uri, _INFO_WHAT[field], field) if uri else None
    return checked


def checked_grants(grant_types: list[str] | None, *, public: bool) -> list[str]:
    """Known grant types only (authorization_code and refresh_token by default); a public
    client, having no secret, cannot use client_credentials."""
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


def checked_uris(
    grants: list[str], redirect_uris: list[str], post_logout_redirect_uris: list[str] | None
) -> tuple[list[str], list[str]]:
    """The authorization_code grant needs a redirect URI; every redirect and post-logout URI
    passes :func:`_check_uri`."""
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


def checked_org_cvrs(client: Client, cvrs: list[str]) -> list[str]:
    """The organisations a client admits: known organisations' CVRs, each once; the client's
    own organisation needs no entry."""
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


def check_subject_and_alg(subject_type: str, id_token_alg: str | None, uris: list[str]) -> None:
    """Subjects are public or pairwise, ID tokens RS256 or ES256 (or the default), and a
    pairwise client's redirect URIs share the one host its subjects are derived from."""
    if subject_type not in ("public", "pairwise"):
        raise InvalidInput(N_("subject type must be public or pairwise"))
    if id_token_alg not in (None, "RS256", "ES256"):
        raise InvalidInput(N_("id_token_signed_response_alg must be RS256 or ES256"))
    if subject_type == "pairwise" and len({urlsplit(u).hostname for u in uris}) > 1:
        raise InvalidInput(
            N_("A pairwise client's redirect URIs must share one host"), field="redirect_uris"
        )


def checked_auth_method(auth_method: str | None, *, public: bool) -> str:
    """A public client authenticates with 'none'; a confidential one with a client secret,
    by default in the Authorization header (client_secret_basic)."""
    method = "none" if public else (auth_method or "client_secret_basic")
    if public and auth_method not in (None, "none"):
        raise InvalidInput(N_("A public client authenticates with 'none'"))
    if method not in ("client_secret_basic", "client_secret_post", "none"):
        raise InvalidInput(
            N_("auth method must be client_secret_basic, client_secret_post or none")
        )
    return method

"""Claims for ID tokens and UserInfo (DESIGN.md §5): standard, NSIS and OIOSAML names."""

from __future__ import annotations

from typing import Any

from .. import assurance
from ..models import Client, User
from ..privileges import CLAIM_PRIVILEGES, privileges_claim
from ..services.clients.cache import ClientView
from ..services.oauth.hot_store import PersonView
from ..services.oauth.subjects import subject_for
from ..services.oauth.tokens import AuthContext
from ..services.saml import attributes

# A client's registration: the ORM row, or the hot path's cached copy of it.
Registration = Client | ClientView
# A person: the ORM row, or the hot path's read-only copy of an active one.
Person = User | PersonView

# The OIOSAML 3 names, defined once for both faces (the SAML assertion uses the same).
CLAIM_UUID, CLAIM_CVR, CLAIM_ORG_NAME = attributes.UUID, attributes.CVR, attributes.ORG_NAME

SCOPE_CLAIMS = {
    "profile": ["name", "given_name", "family_name"],
    "email": ["email", "email_verified"],
    "organization": [CLAIM_CVR, CLAIM_ORG_NAME, CLAIM_UUID],
}
CLAIMS_SUPPORTED = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "at_hash",
    "sid",
    assurance.CLAIM_LOA,
    assurance.CLAIM_IAL,
    assurance.CLAIM_AAL,
    *SCOPE_CLAIMS["profile"],
    *SCOPE_CLAIMS["email"],
    *SCOPE_CLAIMS["organization"],
]


def user_claims(user: Person, client: Registration, scope: str) -> dict[str, Any]:
    """Claims about the person released for the granted scopes."""
    scopes = set(scope.split())
    claims: dict[str, Any] = {"sub": subject_for(user, client)}
    if "profile" in scopes:
        claims["name"] = user.name
        if user.given_name:
            claims["given_name"] = user.given_name
        if user.family_name:
            claims["family_name"] = user.family_name
    if "email" in scopes:
        claims["email"] = user.email
        claims["email_verified"] = bool(user.email_verified)
    if "organization" in scopes:
        claims[CLAIM_UUID] = f"urn:uuid:{user.uuid}"
        claims[CLAIM_CVR] = user.organisation.cvr
        claims[CLAIM_ORG_NAME] = user.organisation.name
    if "privileges" in scopes:
        rights = sorted(set(user.privileges or []))
        claims[CLAIM_PRIVILEGES] = privileges_claim(user.organisation.cvr, rights)
        claims["privileges"] = rights
    return claims


def assurance_claims(context: AuthContext) -> dict[str, Any]:
    """acr, amr and the NSIS loa/ial/aal claims for one authentication."""
    claims: dict[str, Any] = {}
    loa = assurance.level_of_assurance(context.ial, context.aal)
    if loa is not None:
        claims["acr"] = assurance.acr_for(loa)
        claims[assurance.CLAIM_LOA] = loa
    if context.ial:
        claims[assurance.CLAIM_IAL] = context.ial
    if context.aal:
        claims[assurance.CLAIM_AAL] = context.aal
    if context.amr:
        claims["amr"] = list(context.amr)
    if context.auth_time is not None:
        claims["auth_time"] = int(context.auth_time.timestamp())
    return claims

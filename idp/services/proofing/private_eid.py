"""Private eID proofing: OpenID Connect federation to an upstream eID provider.

The flow itself is in ``idp.oidc.federation`` (the only place that speaks OAuth); this module
holds the route's own rules: which level the upstream login carries, and that one upstream
person is bound to at most one identity per organisation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ... import assurance
from ...extensions import db
from ...models import FederatedIdentity, ProofingRecord, User
from ...models.enums import ProofingRoute
from ..errors import N_, Conflict
from .records import add_record, level_for


def upstream_level(claims: dict[str, Any], claim_name: str) -> str | None:
    """The level in the configured claim: a plain level or an NSIS acr URI; else None."""
    value = claims.get(claim_name)
    if not isinstance(value, str):
        return None
    return assurance.parse_level(value)


def record_private_eid(
    user: User, *, issuer: str, subject: str, upstream_level: str, actor: str
) -> ProofingRecord:
    """Bind the upstream person to this identity and record the level (min with the cap)."""
    org = user.organisation
    level = level_for(org, ProofingRoute.PRIVATE_EID, upstream_level)
    bound = db.session.execute(
        select(FederatedIdentity).where(
            FederatedIdentity.org_id == org.id,
            FederatedIdentity.issuer == issuer,
            FederatedIdentity.subject == subject,
        )
    ).scalar_one_or_none()
    if bound is not None and bound.user_id != user.id:
        raise Conflict(
            N_(
                "This private eID is already bound to another identity in %(org)s. Contact your "
                "administrator."
            ),
            org=org.name,
        )
    if bound is None:
        db.session.add(
            FederatedIdentity(org_id=org.id, user_id=user.id, issuer=issuer, subject=subject)
        )
    record = add_record(
        user,
        ProofingRoute.PRIVATE_EID,
        level,
        {"issuer": issuer, "subject": subject, "upstream_level": upstream_level},
        actor,
    )
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent binding of the same upstream person
        db.session.rollback()
        raise Conflict(N_("This private eID is already bound to another identity.")) from None
    return record

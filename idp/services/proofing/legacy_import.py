"""Legacy-import proofing: the identity carried over from the legacy system's employee import
(off by default; Substantial at most)."""

from __future__ import annotations

from sqlalchemy import insert

from ...extensions import db
from ...models import Organisation, ProofingRecord, User
from ...models.enums import ProofingRoute
from ...models.types import utcnow
from .. import audit
from . import ROUTES
from .records import add_record, level_for
from .settings import route_settings


def legacy_import_level(org: Organisation) -> str | None:
    """The level the legacy_import route gives in this organisation; None when it is off.

    Raises InvalidInput when the route is on but its cap is below the organisation minimum.
    """
    if not route_settings(org, ProofingRoute.LEGACY_IMPORT)["enabled"]:
        return None
    return level_for(
        org, ProofingRoute.LEGACY_IMPORT, ROUTES[ProofingRoute.LEGACY_IMPORT].max_level
    )


def record_legacy_import(user: User, *, source: str, actor: str) -> ProofingRecord | None:
    """The identity carried by an import from the legacy system, if the route is enabled."""
    level = legacy_import_level(user.organisation)
    if level is None:
        return None
    return add_record(user, ProofingRoute.LEGACY_IMPORT, level, {"source": source}, actor)


def record_legacy_imports(
    org: Organisation, user_ids: list[int], level: str, *, source: str, actor: str
) -> None:
    """Bulk :func:`record_legacy_import` for people an import has just created with
    ``identity_level=level`` (see :func:`legacy_import_level`): one proofing record each,
    inserted in bulk, and one audit event for the batch. Does not commit."""
    if not user_ids:
        return
    now = utcnow()
    db.session.execute(
        insert(ProofingRecord.__table__),
        [
            {
                "user_id": user_id,
                "org_id": org.id,
                "route": ProofingRoute.LEGACY_IMPORT,
                "level": level,
                "evidence": {"source": source},
                "actor": actor,
                "created_at": now,
            }
            for user_id in user_ids
        ],
    )
    audit.record(
        "proofing.recorded",
        actor=actor,
        org_id=org.id,
        target=source[:200],
        details={"route": ProofingRoute.LEGACY_IMPORT, "level": level, "people": len(user_ids)},
    )

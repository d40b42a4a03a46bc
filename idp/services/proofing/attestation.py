"""Attestation proofing: a manager of the same organisation vouches for the person from
employment records (Low at most)."""

from __future__ import annotations

from ...extensions import db
from ...models import ProofingRecord, User
from ...models.enums import NsisLevel, ProofingRoute
from ..errors import N_, InvalidInput
from .records import add_record, level_for


def record_attestation(user: User, manager: User) -> ProofingRecord:
    """A manager of the same organisation vouches for the person from employment records."""
    if manager.org_id != user.org_id or manager.id == user.id:
        raise InvalidInput(N_("The manager must be another person of the same organisation"))
    level = level_for(user.organisation, ProofingRoute.ATTESTATION, NsisLevel.LOW)
    record = add_record(
        user, ProofingRoute.ATTESTATION, level, {"manager": manager.username}, manager.username
    )
    db.session.commit()
    return record

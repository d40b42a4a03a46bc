"""In-person proofing: a registrar checks a physical ID document face to face."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from ...extensions import db
from ...models import ProofingRecord, User
from ...models.enums import AdminRole, NsisLevel, ProofingRoute
from ..errors import N_, InvalidInput
from .records import add_record, level_for

DOCUMENT_TYPES = ("passport", "driving_licence", "residence_card", "other")


class EvidenceError(InvalidInput):
    """The document cannot be accepted; the message says why and ``field`` what is at fault."""

    def __init__(self, message: str, field: str, **params: Any) -> None:
        super().__init__(message, field=field, **params)


@dataclass(frozen=True)
class DocumentCheck:
    """What the registrar saw: the document's type, the last 4 characters of its number and
    its expiry date."""

    document_type: str
    last4: str
    expires: date

    def evidence(self, today: date) -> dict[str, str]:
        """Validate and return the evidence to record (never the full document number)."""
        if self.document_type not in DOCUMENT_TYPES:
            raise EvidenceError(
                N_("document type must be one of %(choices)s"),
                "document_type",
                choices=", ".join(DOCUMENT_TYPES),
            )
        if not re.fullmatch(r"[A-Za-z0-9]{4}", self.last4):
            raise EvidenceError(
                N_("give exactly the last 4 letters or digits of the document number"), "last4"
            )
        if self.expires < today:
            raise EvidenceError(
                N_("the document expired on %(date)s"), "expires", date=self.expires.isoformat()
            )
        return {
            "document_type": self.document_type,
            "last4": self.last4.upper(),
            "expires": self.expires.isoformat(),
        }


def record_in_person(
    user: User, registrar: User, check: DocumentCheck, *, today: date | None = None
) -> ProofingRecord:
    """A registrar of the same organisation records a face-to-face document check."""
    if AdminRole.REGISTRAR not in (registrar.roles or []):
        raise InvalidInput(N_("%(username)s is not a registrar"), username=registrar.username)
    if registrar.org_id != user.org_id:
        raise InvalidInput(N_("A registrar can only check people of their own organisation"))
    if registrar.id == user.id:
        raise InvalidInput(N_("A registrar cannot check their own identity"))
    try:
        evidence = check.evidence(today or date.today())
    except EvidenceError as error:
        raise InvalidInput(N_("Refused: %(error)s"), error=error, field=error.field) from None
    level = level_for(user.organisation, ProofingRoute.IN_PERSON, NsisLevel.HIGH)
    record = add_record(
        user,
        ProofingRoute.IN_PERSON,
        level,
        {**evidence, "registrar": registrar.username},
        registrar.username,
    )
    db.session.commit()
    return record

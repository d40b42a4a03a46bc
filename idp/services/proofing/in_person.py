"""In-person proofing: a registrar checks a physical ID document face to face."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

DOCUMENT_TYPES = ("passport", "driving_licence", "residence_card", "other")


class EvidenceError(ValueError):
    """The document cannot be accepted; the message says why and ``field`` what is at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class DocumentCheck:
    document_type: str
    last4: str
    expires: date

    def evidence(self, today: date) -> dict[str, str]:
        """Validate and return the evidence to record (never the full document number)."""
        if self.document_type not in DOCUMENT_TYPES:
            raise EvidenceError(
                f"document type must be one of {', '.join(DOCUMENT_TYPES)}", "document_type"
            )
        if not re.fullmatch(r"[A-Za-z0-9]{4}", self.last4):
            raise EvidenceError(
                "give exactly the last 4 letters or digits of the document number", "last4"
            )
        if self.expires < today:
            raise EvidenceError(f"the document expired on {self.expires.isoformat()}", "expires")
        return {
            "document_type": self.document_type,
            "last4": self.last4.upper(),
            "expires": self.expires.isoformat(),
        }

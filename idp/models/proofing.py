"""Proofing records and the upstream identities bound to people (federated identities)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class ProofingRecord(db.Model):  # type: ignore[name-defined]
    """One identity proofing of a person: route, level reached, evidence, who and when."""

    __tablename__ = "proofing_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # private_eid | in_person | legacy_import | attestation | operator | adjustment
    route: Mapped[str] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(16))  # None: identity level revoked
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FederatedIdentity(db.Model):  # type: ignore[name-defined]
    """An upstream person (issuer + subject) bound to one business identity per organisation."""

    __tablename__ = "federated_identity"
    __table_args__ = (UniqueConstraint("org_id", "issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

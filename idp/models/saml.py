"""The SAML face's service providers (OIOSAML 3): each registered from its metadata, as a service
of one organisation."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class SamlServiceProvider(db.Model):  # type: ignore[name-defined]
    """One SAML service provider. ``metadata_xml`` is its EntityDescriptor as received and
    checked (idp/services/saml/sp_metadata.py); endpoints and certificates are read from it, so
    a refresh replaces all of them at once."""

    __tablename__ = "saml_service_provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SAML 2.0 Metadata §2.3.2: entityID is a URI of at most 1024 characters.
    entity_id: Mapped[str] = mapped_column(String(1024), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    metadata_xml: Mapped[str] = mapped_column(Text)
    # Where the metadata was fetched from (refreshed from there on demand); None for a file.
    metadata_url: Mapped[str | None] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)

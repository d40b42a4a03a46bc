"""The SAML face's registry of service providers: register one from its metadata (a file or an
URL) as a service of an organisation, refresh its metadata on demand, list and remove; every act
audited and committed in one transaction, nothing stored from metadata that fails a check.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import Organisation, SamlServiceProvider
from ...models.types import utcnow
from .. import audit
from ..errors import N_, Conflict, InvalidInput, NotFound, ServiceError
from .sp_metadata import MAX_METADATA_BYTES, SpMetadata, https_or_loopback, parse_sp_metadata

FETCH_TIMEOUT_SECONDS = 10


def fetch_metadata(url: str) -> bytes:
    """The metadata at ``url`` (https; http only on loopback), at most 1 MiB, or
    :class:`InvalidInput` saying why not."""
    if not https_or_loopback(url):
        raise InvalidInput(
            N_("A metadata URL must be https (http only on loopback): %(url)r"), url=url
        )
    # The scheme is checked above: https, or http on loopback (never file: or ftp:).
    request = urllib.request.Request(url, headers={"Accept": "application/samlmetadata+xml"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
            body: bytes = response.read(MAX_METADATA_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        if isinstance(error, urllib.error.HTTPError):
            error.close()  # it holds the response and its socket
        reason = getattr(error, "reason", None) or error
        raise InvalidInput(
            N_("The metadata could not be fetched from %(url)s: %(reason)s"),
            url=url,
            reason=str(reason),
        ) from None
    if len(body) > MAX_METADATA_BYTES:
        raise InvalidInput(N_("The metadata is larger than 1 MiB"))
    return body


def get_sp(entity_id: str) -> SamlServiceProvider:
    """The service provider with this entity ID, or :class:`NotFound`."""
    found = db.session.execute(
        select(SamlServiceProvider).where(SamlServiceProvider.entity_id == entity_id)
    ).scalar_one_or_none()
    if found is None:
        raise _no_sp(entity_id)
    return found


def sp_of(org: Organisation, entity_id: str) -> SamlServiceProvider:
    """``org``'s service provider with this entity ID; :class:`NotFound` for another
    organisation's, as for one that does not exist."""
    sp = get_sp(entity_id)
    if sp.org_id != org.id:
        raise _no_sp(entity_id)
    return sp


def refresh_from_source(sp: SamlServiceProvider, *, actor: str) -> SamlServiceProvider:
    """Fetch the metadata again from the URL it was registered from and store it
    (:func:`refresh_sp`); :class:`InvalidInput` for an SP registered from a file."""
    if not sp.metadata_url:
        raise InvalidInput(
            N_("The metadata of %(entity_id)s came from a file: the operator refreshes it"),
            entity_id=sp.entity_id,
        )
    return refresh_sp(sp, fetch_metadata(sp.metadata_url), actor=actor)


def list_sps(org: Organisation | None = None) -> list[SamlServiceProvider]:
    """Every service provider (or ``org``'s), by entity ID."""
    query = select(SamlServiceProvider).order_by(SamlServiceProvider.entity_id)
    if org is not None:
        query = query.where(SamlServiceProvider.org_id == org.id)
    return list(db.session.execute(query).scalars())


def metadata_of(sp: SamlServiceProvider) -> SpMetadata:
    """The stored metadata, read again (it was checked when stored; certificates may have
    expired since, which this says)."""
    return parse_sp_metadata(sp.metadata_xml)


@dataclass(frozen=True)
class SpSummary:
    """What the CLI and the admin's services page show of a service provider. ``problem``:
    why its stored metadata no longer passes the checks (a certificate expired since), and
    then the endpoints are empty."""

    sp: SamlServiceProvider
    assertion_consumers: tuple[str, ...] = ()
    single_logout: tuple[str, ...] = ()
    requested_attributes: tuple[str, ...] = ()
    certificates_valid_until: datetime | None = None
    problem: ServiceError | None = None


def summary(sp: SamlServiceProvider) -> SpSummary:
    """The service provider as its stored metadata describes it now."""
    try:
        checked = metadata_of(sp)
    except ServiceError as error:
        return SpSummary(sp, problem=error)
    certificates = (*checked.signing_certs, *checked.encryption_certs)
    return SpSummary(
        sp,
        assertion_consumers=tuple(e.location for e in checked.assertion_consumers),
        single_logout=tuple(e.location for e in checked.single_logout),
        requested_attributes=tuple(a.name for a in checked.requested_attributes),
        certificates_valid_until=min(c.not_valid_after_utc for c in certificates),
    )


def register_sp(
    org: Organisation,
    metadata: bytes,
    *,
    actor: str,
    name: str | None = None,
    source_url: str | None = None,
) -> SamlServiceProvider:
    """Register the SP ``metadata`` describes as a service of ``org``, once it passed every
    check of :func:`.sp_metadata.parse_sp_metadata`; :class:`Conflict` for a known entity ID."""
    checked = parse_sp_metadata(metadata)
    taken = db.session.execute(
        select(SamlServiceProvider.id).where(SamlServiceProvider.entity_id == checked.entity_id)
    ).first()
    if taken is not None:
        raise _registered_already(checked.entity_id)
    now = utcnow()
    sp = SamlServiceProvider(
        entity_id=checked.entity_id,
        org_id=org.id,
        name=_name(name, checked),
        metadata_xml=metadata.decode("utf-8"),
        metadata_url=source_url,
        created_at=now,
        refreshed_at=now,
    )
    db.session.add(sp)
    try:
        db.session.flush()
    except IntegrityError:
        # Registered by someone else between the check above and this insert: one winner.
        db.session.rollback()
        raise _registered_already(checked.entity_id) from None
    audit.record(
        "saml_sp.registered",
        actor=actor,
        org_id=org.id,
        target=sp.entity_id,
        details={"name": sp.name, "acs": [e.location for e in checked.assertion_consumers]},
    )
    db.session.commit()
    return sp


def refresh_sp(
    sp: SamlServiceProvider, metadata: bytes, *, actor: str, source_url: str | None = None
) -> SamlServiceProvider:
    """Replace the stored metadata with ``metadata``, which must describe the same entity."""
    checked = parse_sp_metadata(metadata)
    if checked.entity_id != sp.entity_id:
        raise InvalidInput(
            N_("The metadata is for %(found)s, not %(entity_id)s"),
            found=checked.entity_id,
            entity_id=sp.entity_id,
        )
    sp.metadata_xml = metadata.decode("utf-8")
    sp.refreshed_at = utcnow()
    if source_url is not None:
        sp.metadata_url = source_url
    audit.record(
        "saml_sp.refreshed",
        actor=actor,
        org_id=sp.org_id,
        target=sp.entity_id,
        details={"acs": [e.location for e in checked.assertion_consumers]},
    )
    db.session.commit()
    return sp


def remove_sp(sp: SamlServiceProvider, *, actor: str) -> None:
    """Remove the service provider (audited)."""
    audit.record("saml_sp.removed", actor=actor, org_id=sp.org_id, target=sp.entity_id)
    db.session.delete(sp)
    db.session.commit()


def _no_sp(entity_id: str) -> NotFound:
    return NotFound(N_("No SAML service provider %(entity_id)s"), entity_id=entity_id)


def _registered_already(entity_id: str) -> Conflict:
    return Conflict(
        N_("The SAML service provider %(entity_id)s is registered already"), entity_id=entity_id
    )


def _name(given: str | None, checked: SpMetadata) -> str:
    name = (given or "").strip() or checked.display_name or checked.entity_id
    if len(name) > 200:
        raise InvalidInput(N_("The name must be at most 200 characters"))
    return name

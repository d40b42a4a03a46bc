"""Identity proofing, one module per route behind one small interface.

``Route`` says what a route asks of the person or registrar, what evidence it records and the
highest level it can reach; each route's module (``private_eid``, ``in_person``,
``attestation``, ``legacy_import``) holds its own rules and its ``record_*`` function. What
applies to every route lives beside them: the organisation's settings (enabled, cap, minimum)
in ``settings``, and the records, the level they establish and the audit in ``records``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...models.enums import NsisLevel, ProofingRoute


@dataclass(frozen=True)
class Route:
    name: str
    asks: str
    records: str
    max_level: str
    default_cap: str
    enabled_by_default: bool


ROUTES: dict[str, Route] = {
    ProofingRoute.PRIVATE_EID: Route(
        ProofingRoute.PRIVATE_EID,
        asks="the person logs in with their private eID at the upstream provider",
        records="upstream issuer, subject and level",
        max_level=NsisLevel.HIGH,
        default_cap=NsisLevel.HIGH,
        enabled_by_default=True,
    ),
    ProofingRoute.IN_PERSON: Route(
        ProofingRoute.IN_PERSON,
        asks="a registrar of the organisation checks a physical ID document face to face",
        records="document type, last 4 characters, expiry date, the registrar",
        max_level=NsisLevel.HIGH,
        default_cap=NsisLevel.SUBSTANTIAL,
        enabled_by_default=True,
    ),
    ProofingRoute.LEGACY_IMPORT: Route(
        ProofingRoute.LEGACY_IMPORT,
        asks="nothing: the identity is carried over from the legacy system's import",
        records="the import and its source",
        max_level=NsisLevel.SUBSTANTIAL,
        default_cap=NsisLevel.LOW,
        enabled_by_default=False,
    ),
    ProofingRoute.ATTESTATION: Route(
        ProofingRoute.ATTESTATION,
        asks="a manager vouches for the person from employment records",
        records="the manager",
        max_level=NsisLevel.LOW,
        default_cap=NsisLevel.LOW,
        enabled_by_default=False,
    ),
}

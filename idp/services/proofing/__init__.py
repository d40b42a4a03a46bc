"""Identity proofing, one module per route behind one small interface.

``Route`` says what a route asks of the person or registrar, what evidence it records and the
highest level it can reach; each route's module (``private_eid``, ``in_person``,
``attestation``, ``legacy_import``) holds its own rules and its ``record_*`` function. What
applies to every route lives beside them: the organisation's settings (enabled, cap, minimum)
in ``settings``, and the records, the level they establish and the audit in ``records``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    name: str
    asks: str
    records: str
    max_level: str
    default_cap: str
    enabled_by_default: bool


ROUTES: dict[str, Route] = {
    "private_eid": Route(
        "private_eid",
        asks="the person logs in with their private eID at the upstream provider",
        records="upstream issuer, subject and level",
        max_level="High",
        default_cap="High",
        enabled_by_default=True,
    ),
    "in_person": Route(
        "in_person",
        asks="a registrar of the organisation checks a physical ID document face to face",
        records="document type, last 4 characters, expiry date, the registrar",
        max_level="High",
        default_cap="Substantial",
        enabled_by_default=True,
    ),
    "legacy_import": Route(
        "legacy_import",
        asks="nothing: the identity is carried over from the legacy system's import",
        records="the import and its source",
        max_level="Substantial",
        default_cap="Low",
        enabled_by_default=False,
    ),
    "attestation": Route(
        "attestation",
        asks="a manager vouches for the person from employment records",
        records="the manager",
        max_level="Low",
        default_cap="Low",
        enabled_by_default=False,
    ),
}

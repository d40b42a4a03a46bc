"""The words for the stored values: one table per value set of idp.models.enums (and the names
of the audit details' keys), in English and marked with ``N_`` so the catalogues translate them.

The web's label filters (idp/web/labels.py) show them on pages; a service message that names a
value interpolates ``word(...)``, a ``Message`` that is translated with the message, never the
stored key (``pending_activation``).
"""

from __future__ import annotations

from enum import StrEnum

from ..models.enums import (
    AdminRole,
    AuthenticatorStatus,
    ImportOutcome,
    LinkProblemKind,
    LoginMeans,
    MailStatus,
    NsisLevel,
    ProofingRoute,
    RecoveryKind,
    RecoveryProof,
    RequestStatus,
    UserStatus,
)
from .errors import N_, Message

LEGACY_APP = "totp_app"  # how an authenticator app was stored before migration f3b8a2c6d1e9

WORDS: dict[type[StrEnum], dict[str, str]] = {
    UserStatus: {
        UserStatus.IMPORTED: N_("Imported"),
        UserStatus.PENDING_ACTIVATION: N_("Waiting for activation"),
        UserStatus.ACTIVE: N_("Active"),
        UserStatus.SUSPENDED: N_("Suspended"),
        UserStatus.REVOKED: N_("Revoked"),
    },
    LoginMeans: {
        LoginMeans.APP: N_("Authenticator app"),
        LoginMeans.CODE_DISPLAY: N_("Code display"),
        LEGACY_APP: N_("Authenticator app"),
    },
    AuthenticatorStatus: {
        AuthenticatorStatus.IN_STOCK: N_("In stock"),
        AuthenticatorStatus.ASSIGNED: N_("Assigned"),
        AuthenticatorStatus.ACTIVE: N_("Active"),
        AuthenticatorStatus.REVOKED: N_("Revoked"),
    },
    AdminRole: {
        AdminRole.USER_ADMIN: N_("User administrator"),
        AdminRole.REGISTRAR: N_("Registrar"),
        AdminRole.ORG_ADMIN: N_("Organisation administrator"),
    },
    ProofingRoute: {
        ProofingRoute.PRIVATE_EID: N_("Private eID (MitID)"),
        ProofingRoute.IN_PERSON: N_("In-person check by a registrar"),
        ProofingRoute.LEGACY_IMPORT: N_("Import from the legacy system"),
        ProofingRoute.ATTESTATION: N_("Attestation by a manager"),
        ProofingRoute.OPERATOR: N_("Set by the operator"),
        ProofingRoute.ADJUSTMENT: N_("Adjustment by an administrator"),
    },
    NsisLevel: {
        NsisLevel.LOW: N_("Low"),
        NsisLevel.SUBSTANTIAL: N_("Substantial"),
        NsisLevel.HIGH: N_("High"),
    },
    RequestStatus: {
        RequestStatus.PENDING: N_("Waiting for a decision"),
        RequestStatus.APPROVED: N_("Approved"),
        RequestStatus.REJECTED: N_("Rejected"),
    },
    ImportOutcome: {
        ImportOutcome.CREATED: N_("Created"),
        ImportOutcome.UPDATED: N_("Updated"),
        ImportOutcome.UNCHANGED: N_("Unchanged"),
        ImportOutcome.INVALID: N_("Invalid"),
        ImportOutcome.SKIPPED_PENDING_ACTIVATION: N_("Skipped: waiting for activation"),
        ImportOutcome.SKIPPED_ACTIVE: N_("Skipped: already active"),
        ImportOutcome.SKIPPED_SUSPENDED: N_("Skipped: suspended"),
        ImportOutcome.SKIPPED_REVOKED: N_("Skipped: revoked"),
    },
    LinkProblemKind: {
        LinkProblemKind.UNKNOWN: N_("Unknown link"),
        LinkProblemKind.USED: N_("Already used"),
        LinkProblemKind.SUPERSEDED: N_("Replaced by a newer link"),
        LinkProblemKind.EXPIRED: N_("Expired"),
    },
    MailStatus: {
        MailStatus.PENDING: N_("Waiting to be sent"),
        MailStatus.SENT: N_("Sent"),
        MailStatus.FAILED: N_("Failed"),
    },
    RecoveryKind: {
        RecoveryKind.PASSWORD: N_("Forgotten password"),
        RecoveryKind.MEANS: N_("Lost phone or code display"),
    },
    RecoveryProof: {
        RecoveryProof.ONE_TIME_CODE: N_("Code from the login means"),
        RecoveryProof.PRIVATE_EID: N_("Private eID"),
    },
}


# A status or a level inside a service's sentence ("emp01 is pending activation, not imported"):
# the English is the stored value with spaces, as the CLI and the logs have always said it (a
# value means the same in every value set it is in); pages translate it.
IN_SENTENCE: dict[str, str] = {
    UserStatus.IMPORTED: N_("imported"),
    UserStatus.PENDING_ACTIVATION: N_("pending activation"),
    UserStatus.ACTIVE: N_("active"),
    UserStatus.SUSPENDED: N_("suspended"),
    UserStatus.REVOKED: N_("revoked"),
    AuthenticatorStatus.IN_STOCK: N_("in stock"),
    AuthenticatorStatus.ASSIGNED: N_("assigned"),
    RequestStatus.PENDING: N_("pending"),
    RequestStatus.APPROVED: N_("approved"),
    RequestStatus.REJECTED: N_("rejected"),
    NsisLevel.LOW: N_("Low"),
    NsisLevel.SUBSTANTIAL: N_("Substantial"),
    NsisLevel.HIGH: N_("High"),
}


def english(kind: type[StrEnum], value: object) -> str | None:
    """The English word for ``value`` of the value set ``kind``, or None for an unknown value."""
    return WORDS[kind].get(str(value)) if value is not None else None


def word(value: object) -> Message | str:
    """A status for a service message's params: a ``Message`` the page translates ("pending
    activation", Danish "afventer aktivering"); an unknown value stays as it is."""
    text = IN_SENTENCE.get(str(value))
    return Message(text) if text else str(value)


# The names of the keys of audit events' details (idp/web/audit_text.py shows them).
AUDIT_FIELDS: dict[str, str] = {
    "type": N_("Login means"),
    "login_means": N_("Login means"),
    "serial": N_("Serial number"),
    "status": N_("Status"),
    "level": N_("Identity level"),
    "identity_level_before": N_("Identity level before"),
    "identity_level_after": N_("Identity level after"),
    "minimum_ial": N_("Minimum identity level"),
    "route": N_("Route"),
    "routes": N_("Routes"),
    "enabled": N_("Accepted"),
    "cap": N_("Highest level"),
    "scope": N_("Shared"),
    "amr": N_("Methods"),
    "count": N_("Count"),
    "key_version": N_("Key version"),
    "seconds": N_("Seconds"),
    "imported": N_("Imported"),
    "replaced": N_("Replaced"),
    "alg": N_("Algorithm"),
    "name": N_("Name"),
    "public": N_("Public client"),
    "grants": N_("Grants"),
    "before": N_("Before"),
    "after": N_("After"),
    "request": N_("Request"),
    "username": N_("Username"),
    "reason_given": N_("Reason given"),
    "reason": N_("Reason"),
    "change": N_("Change"),
    "kind": N_("Kind"),
    "add": N_("Add"),
    "remove": N_("Remove"),
    "added": N_("Added"),
    "removed": N_("Removed"),
    "roles": N_("Roles"),
    "proposed_by": N_("Proposed by"),
    "approved_by": N_("Approved by"),
    "added_privileges": N_("Added rights"),
    "created": N_("Created"),
    "updated": N_("Updated"),
    "unchanged": N_("Unchanged"),
    "skipped": N_("Skipped"),
    "invalid": N_("Invalid"),
    "people": N_("People"),
    "family": N_("Token family"),
    "source": N_("Address"),
    "failures": N_("Failures"),
    "failed_logins": N_("Failed logins"),
    "until": N_("Until"),
    "operator": N_("Operator"),
    "allow_access_requests": N_("Access requests allowed"),
    "redirect_uris": N_("Redirect URIs"),
    "post_logout_redirect_uris": N_("Redirect URIs after logout"),
    "first_party": N_("One of our own services"),
    "allow_any_org": N_("Any organisation may log in"),
    "allowed_org_cvrs": N_("Organisations (CVR) that may log in"),
}

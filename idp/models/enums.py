"""The fixed value sets of the domain, one vocabulary each (CONVENTIONS.md habit 12).

Every class is an ``enum.StrEnum``: a member *is* its string (``UserStatus.ACTIVE ==
"active"``), so the database, JSON, audit details and templates keep today's values, and a
value read back from a column compares equal to its member. Pure definitions: no I/O, no
imports from the rest of the package.
"""

from __future__ import annotations

from enum import StrEnum


class UserStatus(StrEnum):
    """A business identity's life: ``imported -> pending_activation -> active ->
    suspended | revoked``."""

    IMPORTED = "imported"
    PENDING_ACTIVATION = "pending_activation"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class LoginMeans(StrEnum):
    """A login means besides the password: what a person chooses and what an authenticator
    is (``User.login_means`` and ``Authenticator.type`` share this vocabulary; until
    migration f3b8a2c6d1e9 an authenticator app was stored as ``totp_app``)."""

    APP = "app"
    CODE_DISPLAY = "code_display"


class AuthenticatorStatus(StrEnum):
    """An authenticator's state. Code displays start ``in_stock`` (inventory, no person);
    apps start ``assigned``; both end ``revoked``."""

    IN_STOCK = "in_stock"
    ASSIGNED = "assigned"
    ACTIVE = "active"
    REVOKED = "revoked"


class AdminRole(StrEnum):
    """An administrator's role in their own organisation (``User.roles``)."""

    USER_ADMIN = "user_admin"
    REGISTRAR = "registrar"
    ORG_ADMIN = "org_admin"


class ProofingRoute(StrEnum):
    """How an identity was established (design card §4): the four routes an organisation
    enables (idp.services.proofing.ROUTES), and the two kinds of record no organisation
    configures: an operator's bootstrap attestation and an administrator's adjustment."""

    PRIVATE_EID = "private_eid"
    IN_PERSON = "in_person"
    LEGACY_IMPORT = "legacy_import"
    ATTESTATION = "attestation"
    OPERATOR = "operator"
    ADJUSTMENT = "adjustment"


class NsisLevel(StrEnum):
    """NSIS / eIDAS levels of assurance, in ascending order (``Low < Substantial < High``)."""

    LOW = "Low"
    SUBSTANTIAL = "Substantial"
    HIGH = "High"


class RequestStatus(StrEnum):
    """An access request's or a four-eyes pending change's state."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ImportOutcome(StrEnum):
    """The per-row outcome of an employee import; ``skipped_<status>`` names the status of a
    person already further on than ``imported``, who is left alone."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    INVALID = "invalid"
    SKIPPED_PENDING_ACTIVATION = "skipped_pending_activation"
    SKIPPED_ACTIVE = "skipped_active"
    SKIPPED_SUSPENDED = "skipped_suspended"
    SKIPPED_REVOKED = "skipped_revoked"

    @classmethod
    def skipped(cls, status: str) -> ImportOutcome:
        """The outcome for a row whose person has ``status`` (not ``imported``)."""
        return cls(f"{SKIPPED_PREFIX}{status}")

    @property
    def is_skipped(self) -> bool:
        """Whether the row's person was left alone."""
        return self.startswith(SKIPPED_PREFIX)


SKIPPED_PREFIX = "skipped_"


class LinkProblemKind(StrEnum):
    """Why an activation link cannot be used (the activation page explains each)."""

    UNKNOWN = "unknown"
    USED = "used"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"


class MailStatus(StrEnum):
    """An outbox mail's delivery state: sent, still ``pending`` (tried again later) or
    ``failed`` (given up after ``mail_max_attempts``)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class RecoveryKind(StrEnum):
    """What a recovery link restores: a forgotten password, or a lost phone / code display."""

    PASSWORD = "password"
    MEANS = "means"


class RecoveryProof(StrEnum):
    """How the person following a recovery link showed it is them (NIST SP 800-63B §6.1.2.3)."""

    ONE_TIME_CODE = "one_time_code"  # a code from their live login means
    PRIVATE_EID = "private_eid"  # re-proved through their bound private eID

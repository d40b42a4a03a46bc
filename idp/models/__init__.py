"""SQLAlchemy tables and the value sets of their columns (:mod:`.enums`). No Flask request,
no Authlib, no rules here."""

from .access import AccessRequest
from .audit import AuditEvent
from .dev_eid import DevEidCode
from .enums import (
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
from .import_job import ImportJob, ImportJobRow, ImportJobStatus
from .keys import EncryptionKey, SigningKey
from .lifecycle import Activation, OutboxMail, RecoveryLink
from .oauth import AuthorizationCode, BrowserSession, Client, ClientVersion, Consent, Token
from .org import Organisation
from .pending import PendingChange
from .privilege import Privilege
from .proofing import FederatedIdentity, ProofingRecord
from .saml import SamlServiceProvider
from .throttle import LoginThrottle
from .user import Authenticator, User

__all__ = [
    "AccessRequest",
    "Activation",
    "AdminRole",
    "AuditEvent",
    "Authenticator",
    "AuthenticatorStatus",
    "AuthorizationCode",
    "BrowserSession",
    "Client",
    "ClientVersion",
    "Consent",
    "DevEidCode",
    "EncryptionKey",
    "FederatedIdentity",
    "ImportJob",
    "ImportJobRow",
    "ImportJobStatus",
    "ImportOutcome",
    "LinkProblemKind",
    "LoginMeans",
    "LoginThrottle",
    "MailStatus",
    "NsisLevel",
    "Organisation",
    "OutboxMail",
    "PendingChange",
    "Privilege",
    "ProofingRecord",
    "ProofingRoute",
    "RecoveryKind",
    "RecoveryLink",
    "RecoveryProof",
    "RequestStatus",
    "SamlServiceProvider",
    "SigningKey",
    "Token",
    "User",
    "UserStatus",
]

"""SQLAlchemy tables. No Flask request, no Authlib, no rules here."""

from .access import AccessRequest
from .audit import AuditEvent
from .lifecycle import Activation, OutboxMail
from .oauth import AuthorizationCode, BrowserSession, Client, Consent, Token
from .org import Organisation
from .pending import PendingChange
from .proofing import FederatedIdentity, ProofingRecord
from .throttle import LoginThrottle
from .user import Authenticator, User

__all__ = [
    "AccessRequest",
    "Activation",
    "AuditEvent",
    "Authenticator",
    "AuthorizationCode",
    "BrowserSession",
    "Client",
    "Consent",
    "FederatedIdentity",
    "LoginThrottle",
    "Organisation",
    "OutboxMail",
    "PendingChange",
    "ProofingRecord",
    "Token",
    "User",
]

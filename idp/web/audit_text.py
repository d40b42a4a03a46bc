"""Audit events as words: a short name and a sentence per action (with the actor and the
target), and the details as labelled fields with translated values, never raw JSON."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext

from ..models import AuditEvent
from ..models.enums import AdminRole, AuthenticatorStatus, LoginMeans, NsisLevel, ProofingRoute
from ..services.errors import N_
from ..services.wording import AUDIT_FIELDS
from .audit_actions import ACTIONS
from .labels import label, scopes, when

# The catalogue of rights' details (idp/services/lifecycle/privileges.py).
FIELDS = {
    **AUDIT_FIELDS,
    "label_da": N_("Danish label"),
    "label_en": N_("English label"),
    "services": N_("Services"),
}

VALUES = {
    "type": LoginMeans,
    "login_means": LoginMeans,
    "status": AuthenticatorStatus,
    "level": NsisLevel,
    "identity_level_before": NsisLevel,
    "identity_level_after": NsisLevel,
    "minimum_ial": NsisLevel,
    "cap": NsisLevel,
    "route": ProofingRoute,
}
DASH = "\u2013"
# How a person logged in (RFC 8176 amr values, idp/services/sessions.py).
METHODS = {
    "pwd": N_("password"),
    "otp": N_("one-time code"),
    "hwk": N_("hardware key"),
}
# Words for other stored values in details: grant types (the services form says them so) and
# the kind of a four-eyes change.
WORDS = {
    "authorization_code": N_("Authorization code (log in people)"),
    "refresh_token": N_("Refresh tokens"),
    "client_credentials": N_("Client credentials (the service itself)"),
    "privileges": N_("Rights"),
    # the kind of a recovery link (idp/services/lifecycle/recovery.py)
    "password": N_("Forgotten password"),
    "means": N_("Lost phone or code display"),
}
REASONS = {"password failures": N_("too many wrong passwords")}


def action_name(action: str) -> str:
    """The action's short name ("Login means locked")."""
    known = ACTIONS.get(action)
    return gettext(known[0]) if known else action


ACTORS = {
    "operator:cli": N_("the operator (command line)"),
    "operator:demo": N_("the operator (demo)"),
}


def audit_actor(name: str | None) -> str:
    """Who did it: a username, the system or the operator, in words."""
    if name in (None, "system", "unknown"):
        return gettext("the system")
    return gettext(ACTORS[name]) if name in ACTORS else name


def audit_sentence(event: AuditEvent) -> str:
    """One sentence for the event, with its actor and target."""
    known = ACTIONS.get(event.action)
    if known is None:
        return event.action
    actor = audit_actor(event.actor)
    text = gettext(known[1], actor=actor, target=event.target or DASH)
    said = actor != event.actor  # the system or the operator, in words: capitalised
    return text[:1].upper() + text[1:] if said and text.startswith(actor) else text


def _value(key: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return DASH
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dict):
        return "(" + _fields(value) + ")"
    if isinstance(value, list):
        return ", ".join(_value(key, item) for item in value)
    if key in VALUES:
        return label(VALUES[key], value)
    if key == "roles" or (key in ("added", "removed") and value in set(AdminRole)):
        return label(AdminRole, value)
    if key == "amr" and value in METHODS:
        return gettext(METHODS[value])
    if key == "scope":
        return scopes(value)
    if key == "until":
        return when(value)
    if key in ("grants", "kind") and value in WORDS:
        return gettext(WORDS[value])
    if key == "reason" and value in REASONS:
        return gettext(REASONS[value])
    if key in ("routes", "before", "after") and value in set(ProofingRoute):
        return label(ProofingRoute, value)
    return str(value)


def _fields(details: dict[str, Any]) -> str:
    parts = []
    for key, value in details.items():
        name = label(ProofingRoute, key) if key in set(ProofingRoute) else key
        name = gettext(FIELDS[key]) if key in FIELDS else name
        parts.append(f"{name}: {_value(key, value)}")
    return "; ".join(parts)


def audit_details(event: AuditEvent) -> str:
    """The event's details as "Field: value; …" with translated names and values."""
    return _fields(event.details or {})


def register(app: Flask) -> None:
    app.add_template_filter(audit_sentence, "audit_sentence")
    app.add_template_filter(audit_details, "audit_details")
    app.add_template_filter(action_name, "action_name")
    app.add_template_filter(audit_actor, "audit_actor")

"""Template filters that turn stored values into words in the person's language.

One filter per value set of idp.models.enums (the English words are
idp.services.wording.WORDS), and ``when``/``day`` for moments and dates in the person's locale
and time zone (BABEL_DEFAULT_TIMEZONE). An unknown value is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from enum import StrEnum

from babel import dates
from flask import Flask
from flask_babel import format_datetime, get_locale, gettext

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
from ..services.errors import N_
from ..services.wording import english

FILTERS: dict[str, type[StrEnum]] = {
    "level": NsisLevel,
    "user_status": UserStatus,
    "means_type": LoginMeans,
    "means_status": AuthenticatorStatus,
    "route": ProofingRoute,
    "outcome": ImportOutcome,
    "request_status": RequestStatus,
    "mail_status": MailStatus,
    "role": AdminRole,
    "link_problem": LinkProblemKind,
    "recovery_kind": RecoveryKind,
    "recovery_proof": RecoveryProof,
}
# What a service gets with each scope (idp.services.clients.SCOPES), as the consent page says it.
SCOPE_WORDS = {
    "openid": N_("Who you are (a fixed identifier)"),
    "profile": N_("Your name"),
    "email": N_("Your e-mail address"),
    "organization": N_("Organisation and CVR number"),
    "privileges": N_("Your rights"),
    "offline_access": N_("Access, also when you are not logged in"),
}
# A client's kind of subject identifier (Client.subject_type, idp/services/oauth/subjects.py).
SUBJECT_TYPES = {
    "public": N_("The same for every service"),
    "pairwise": N_("One per service (pairwise)"),
}
MOMENT = {"da": "d. MMMM y 'kl.' HH.mm", "en": "d MMMM y, HH:mm"}
DAY = {"da": "d. MMMM y", "en": "d MMMM y"}


def label(kind: type[StrEnum], value: object) -> str:
    """``value``'s word in the language of the page; "" for None, the value for an unknown one."""
    if value is None or value == "":
        return ""
    text = english(kind, value)
    return gettext(text) if text else str(value)


def _filter(kind: type[StrEnum]) -> Callable[[object], str]:
    def words(value: object) -> str:
        return label(kind, value)

    words.__doc__ = f"The word for a {kind.__name__} value."
    return words


def roles(values: Iterable[str] | None) -> str:
    """Administrative roles as words, comma separated."""
    return ", ".join(label(AdminRole, value) for value in values or [])


def scope(value: str) -> str:
    """What one scope shares, in words ("Your name"); an unknown scope as it is."""
    return gettext(SCOPE_WORDS[value]) if value in SCOPE_WORDS else value


def scopes(value: str | Iterable[str] | None) -> str:
    """A scope string or list as words, comma separated."""
    names = value.split() if isinstance(value, str) else list(value or [])
    return ", ".join(scope(name) for name in names)


def subject_type(value: str) -> str:
    """How the service's subject identifiers are made, in words."""
    return gettext(SUBJECT_TYPES[value]) if value in SUBJECT_TYPES else value


def _language(language: str | None = None) -> str:
    if language is None:
        locale = get_locale()
        language = locale.language if locale is not None else None
    return language if language in MOMENT else "en"


def when(moment: datetime | str | None) -> str:
    """A moment in the person's locale and the IdP's time zone: "2. december 2026 kl. 04.15"."""
    if not moment:
        return ""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return str(moment)
    return format_datetime(moment, MOMENT[_language()])


def day(value: date | datetime | str | None, language: str | None = None) -> str:
    """A date in the person's locale (or ``language``, for a mail): "2. december 2026"; a
    string that is no ISO date is shown as it is."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return str(value)
    if not value:
        return ""
    chosen = _language(language)  # a mail's is given; a page's comes from the request
    return dates.format_date(value, DAY[chosen], locale=chosen)


def register(app: Flask) -> None:
    for name, kind in FILTERS.items():
        app.add_template_filter(_filter(kind), name)
    app.add_template_filter(roles, "roles")
    app.add_template_filter(scope, "scope")
    app.add_template_filter(scopes, "scopes")
    app.add_template_filter(subject_type, "subject_type")
    app.add_template_filter(when, "when")
    app.add_template_filter(day, "day")

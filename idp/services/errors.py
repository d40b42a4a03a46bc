"""Typed errors raised by services, each with a message fit to show a person.

A message is an English template with ``%(name)s`` placeholders, marked with ``N_`` so that
``make translations`` extracts it; ``str(error)`` is the English text (for the CLI, logs and
tests) and ``error.localized()`` the text in the language of the current request (for pages).
"""

from typing import Any


def N_(s: str) -> str:
    """Mark ``s`` for extraction into the catalogues without translating it here."""
    return s


def localize(message: str, params: dict[str, Any]) -> str:
    """``message % params`` in the language of the current request; English without one.

    A param that is itself a ``ServiceError`` or ``Message`` (one wrapped in another) is localized
    too.
    """
    from flask import has_request_context
    from flask_babel import gettext

    english = message % params if params else message
    if not has_request_context():
        return english
    try:
        values = {
            k: v.localized() if isinstance(v, (ServiceError, Message)) else v
            for k, v in params.items()
        }
        return gettext(message, **values)
    except (KeyError, ValueError, TypeError, RuntimeError):
        return english


class Message(str):
    """A message that is not an error raised, such as a problem with one row of an imported file.

    ``Message(N_("... %(name)s ..."), name=...)`` is the English text as a ``str`` (so reports,
    JSON and the CLI see plain English), and ``localized()`` the text in the language of the
    current request (for pages, through the ``localized`` template filter).
    """

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> "Message":
        self = super().__new__(cls, template % params if params else template)
        self.template = template
        self.params = params
        return self

    def localized(self) -> str:
        return localize(self.template, self.params)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_message, (self.template, self.params))


def _message(template: str, params: dict[str, Any]) -> Message:
    return Message(template, **params)


class ServiceError(Exception):
    """A rule refused the request. ``str(error)`` is the English message, ``localized()`` the
    message for the page; ``status`` the HTTP status a page or JSON answer shows it with, and
    ``field`` the form input at fault, when there is one (idp/web/errors.py renders all three).
    """

    status = 400
    field: str | None = None

    def __init__(self, message: str, **params: Any) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)

    def localized(self) -> str:
        return localize(self.message, self.params)


class NotFound(ServiceError):
    """What the request names does not exist (or is not the asker's to see)."""

    status = 404


class Conflict(ServiceError):
    """The request clashes with the current state: already done, taken, or changed meanwhile."""

    status = 409


class InvalidInput(ServiceError):
    """``field`` names the input at fault, when there is one (a form ties the message to it)."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.field = field


class LoginFailed(ServiceError):
    """Deliberately vague: never says whether the username, password or code was wrong.

    The login pages catch it to start again from the username (idp/web/login.py)."""

    status = 400

    def __init__(self) -> None:
        super().__init__(N_("The username, password or code is not right. Try again."))


class AccountLocked(ServiceError):
    """Too many wrong codes: the login means is locked until an administrator unlocks it.

    400 as the login-means pages show it today (not 423: no page answers that)."""

    status = 400
